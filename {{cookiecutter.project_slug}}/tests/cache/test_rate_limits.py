"""The rate limits, against a real Redis: per client and group, shared by replicas,
and what happens while Redis is down."""

import asyncio
import json
import logging
import os
import uuid
from pathlib import Path

import httpx
import pytest

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.cache.settings import RateLimit
from {{ cookiecutter.package_name }}.settings import Settings
from tests.conftest import required_environment
from tests.support.ports import free_port
from tests.support.redis import RedisServer
from tests.support.serving import client_for, serve_process, server_timing
from tests.support.waiting import wait_for


def limited(settings: Settings, **update: object) -> Settings:
    """`settings` with /health limited to 3 requests a minute, and `update` on top."""
    values: dict[str, object] = {
        "rate_limits": {"/health": RateLimit(requests=3, per_seconds=60)},
        "rate_limit_exempt": ["/health/ready"],
    }
    return Settings.model_validate(settings.model_dump() | values | update)


async def test_a_client_over_its_limit_gets_429_with_retry_after(settings: Settings) -> None:
    async with client_for(create_app(limited(settings))) as client:
        answers = [await client.get("/health") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.json() == {"detail": "too many requests, see Retry-After"}
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-policy"] == "3;w=60"
    # One request comes back every 20 s; the bucket is full again within the minute.
    assert 15 <= int(refused.headers["retry-after"]) <= 20
    assert 40 <= int(refused.headers["ratelimit-reset"]) <= 60
    assert "x-request-id" in refused.headers  # answered inside the request context


async def test_each_group_has_its_own_limit_and_exempt_paths_none(settings: Settings) -> None:
    two_groups = limited(
        settings,
        rate_limits={
            "/health": RateLimit(requests=3, per_seconds=60),
            "/openapi.json": RateLimit(requests=1, per_seconds=60),
        },
        rate_limit_exempt=["/docs"],
    )
    async with client_for(create_app(two_groups)) as client:
        schema = [(await client.get("/openapi.json")).status_code for _ in range(2)]
        health = [(await client.get("/health")).status_code for _ in range(4)]
        docs = [await client.get("/docs") for _ in range(5)]

    assert schema == [200, 429]
    assert health == [200, 200, 200, 429]
    assert [d.status_code for d in docs] == [200] * 5
    assert "ratelimit-limit" not in docs[0].headers


async def test_the_limit_is_counted_atomically_under_concurrency(settings: Settings) -> None:
    async with client_for(create_app(limited(settings))) as client:
        answers = await asyncio.gather(*(client.get("/health") for _ in range(40)))

    assert sorted(a.status_code for a in answers) == [200] * 3 + [429] * 37


# PYTHONDONTWRITEBYTECODE too: a run that asks for no bytecode files must not
# find the served processes' in the project.
INHERITED = ("PATH", "HOME", "LANG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "TMPDIR")


def served_environment(redis_url: str, prefix: str) -> dict[str, str]:
    return {
        # Only what running Python needs: the variables other features set in
        # this process for its own app (their directories, say) stay here.
        **{name: os.environ[name] for name in INHERITED if name in os.environ},
        **required_environment(),
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "RATE_LIMITS": json.dumps({"/openapi.json": {"requests": 10, "per_seconds": 600}}),
        "LOG_REQUESTS": "false",
        "REDIS_TIMEOUT": "2",  # a test machine's load must not look like an outage
    }


async def test_two_instances_enforce_one_limit_per_client(redis_url: str, tmp_path: Path) -> None:
    """Two servers against one Redis let a client through 10 times in all, not 10 each;
    a client behind the trusted proxy (X-Forwarded-For) has a bucket of its own."""
    env = served_environment(redis_url, f"test-{uuid.uuid4().hex[:12]}:")
    options = ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
    app = "{{ cookiecutter.package_name }}.main:app"
    with (
        serve_process(app, cwd=tmp_path, env=env, options=options) as first,
        serve_process(app, cwd=tmp_path, env=env, options=options) as second,
    ):
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(
                *(client.get(f"{s.url}/openapi.json") for s in [first, second] * 20)
            )
            other_client = await client.get(
                f"{second.url}/openapi.json", headers={"X-Forwarded-For": "203.0.113.7"}
            )

    allowed = sum(a.status_code == 200 for a in answers)
    # GCRA refills one request a minute here: at most one more while the test runs.
    assert 10 <= allowed <= 11, [a.status_code for a in answers]
    assert {a.status_code for a in answers} == {200, 429}
    assert other_client.status_code == 200
    assert other_client.headers["ratelimit-remaining"] == "9"


async def test_with_redis_down_requests_pass_and_the_log_hears_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = limited(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(unreachable)
    caplog.set_level(logging.WARNING)
    async with client_for(app) as client:
        answers = [await client.get("/health") for _ in range(20)]
        ready = await client.get("/health/ready")

    assert [a.status_code for a in answers] == [200] * 20
    assert "ratelimit-limit" not in answers[0].headers
    down = [r for r in caplog.records if r.getMessage().startswith("Redis unavailable")]
    assert len(down) == 1, [r.getMessage() for r in down]
    assert "ConnectionError" in down[0].getMessage()
    # Failing open, the service works without Redis: it stays ready.
    assert ready.status_code == 200


async def test_failing_closed_with_redis_down_answers_503(settings: Settings) -> None:
    closed = limited(
        settings,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        rate_limit_fail_open=False,
    )
    async with client_for(create_app(closed)) as client:
        refused = await client.get("/health")
        ready = await client.get("/health/ready")

    assert refused.status_code == 503
    assert refused.json() == {"detail": "rate limiter unavailable, try again later"}
    assert refused.headers["retry-after"] == "1"
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"].startswith("unreachable")


async def test_a_redis_that_never_answers_holds_no_request_past_the_timeout(
    settings: Settings,
) -> None:
    """A server that accepts connections and says nothing: each call gives up at REDIS_TIMEOUT."""
    accepted: list[asyncio.StreamWriter] = []

    async def say_nothing(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    silent = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    mute = limited(settings, redis_url=f"redis://127.0.0.1:{port}/0", redis_timeout=0.5)
    async with silent, client_for(create_app(mute)) as client:
        answer = await client.get("/health")
        for writer in accepted:
            writer.close()

    assert answer.status_code == 200
    # It waited for Redis (about 0.5 s), and not for redis-py's own 5 s default.
    assert 400 <= server_timing(answer)["redis"] < 2000


async def test_the_limits_come_back_when_redis_does(
    settings: Settings, redis_server: RedisServer
) -> None:
    fragile = limited(settings, redis_url=redis_server.url, redis_retry_interval=0.2)
    async with client_for(create_app(fragile)) as client:
        assert (await client.get("/health")).headers["ratelimit-remaining"] == "2"
        redis_server.kill()
        assert (await client.get("/health")).status_code == 200
        redis_server.start()  # empty: the buckets start full again

        async def limited_again() -> bool:
            return "ratelimit-remaining" in (await client.get("/health")).headers

        await wait_for("the limits to come back", limited_again)
