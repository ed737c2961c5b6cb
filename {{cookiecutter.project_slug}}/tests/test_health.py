import httpx

from {{ cookiecutter.package_name }}.features import FEATURES


async def test_liveness_answers_without_io(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_runs_the_check_of_every_feature_that_has_one(
    client: httpx.AsyncClient,
) -> None:
    checks = {feature.name: "ok" for feature in FEATURES if feature.ready is not None}

    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": checks}
