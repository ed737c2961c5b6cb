"""Redis, watched: requests let through while Redis is down, and refused ones, are counted."""

from prometheus_client.samples import Sample

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.cache.settings import RateLimit
from {{ cookiecutter.package_name }}.settings import Settings
from tests.observability.fixtures import published
from tests.support.ports import free_port
from tests.support.scraping import samples, total
from tests.support.serving import client_for


async def outcomes_counted(settings: Settings, requests: int) -> dict[str, float]:
    """How many of `requests` to /health each rate-limit outcome counted."""
    app = create_app(settings)
    async with client_for(app) as client:
        before = samples((await client.get("/metrics")).text)
        for _ in range(requests):
            await client.get("/health")
        await published()
        after = samples((await client.get("/metrics")).text)

    def counted(outcome: str) -> float:
        metric = "rate_limit_outcomes_total"
        return total(after, metric, outcome=outcome) - total(before, metric, outcome=outcome)

    return {outcome: counted(outcome) for outcome in ("limited", "failed_open", "failed_closed")}


def with_limit(settings: Settings, **update: object) -> Settings:
    limits = {
        "rate_limits": {"/health": RateLimit(requests=2, per_seconds=60)},
        "rate_limit_exempt": [],
    }
    return Settings.model_validate(settings.model_dump() | limits | update)


async def test_refused_requests_are_counted(settings: Settings) -> None:
    counted = await outcomes_counted(with_limit(settings), requests=5)

    assert counted == {"limited": 3, "failed_open": 0, "failed_closed": 0}


async def test_refused_requests_are_named_by_their_route(settings: Settings) -> None:
    """Answered before the router runs, a 429 still counts under its route template."""
    app = create_app(with_limit(settings))
    async with client_for(app) as client:
        before = samples((await client.get("/metrics")).text)
        answers = [(await client.get("/health")).status_code for _ in range(3)]
        after = samples((await client.get("/metrics")).text)

    def refused(samples_now: list[Sample]) -> float:
        count = "http_request_duration_seconds_count"
        return total(samples_now, count, route="/health", status_class="4xx")

    assert answers == [200, 200, 429]
    assert refused(after) - refused(before) == 1


async def test_requests_let_through_without_redis_are_counted(settings: Settings) -> None:
    unreachable = with_limit(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")

    counted = await outcomes_counted(unreachable, requests=5)

    assert counted == {"limited": 0, "failed_open": 5, "failed_closed": 0}
