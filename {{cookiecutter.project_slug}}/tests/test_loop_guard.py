"""No route blocks the event loop, and the guard says which one did when one does.

Every test runs with the guard on: the `event_loop_never_blocked` fixture in
conftest.py fails a test during which the loop was blocked, naming the route.
When you add a route, add a request for it to its feature's `ROUTE_REQUESTS`
(tests/<feature>/fixtures.py).
"""

import asyncio
import time

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import feature_fixtures

# One request per route of the app: (method, path as in the OpenAPI schema) -> (URL, JSON body).
# Each feature lists its own routes' requests in `tests/<feature>/fixtures.py`.
EVERY_ROUTE: dict[tuple[str, str], tuple[str, object]] = {
    ("GET", "/health"): ("/health", None),
    ("GET", "/health/ready"): ("/health/ready", None),
}
for module in feature_fixtures().values():
    EVERY_ROUTE |= getattr(module, "ROUTE_REQUESTS", {})


async def test_no_route_blocks_the_event_loop(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    assert routes == set(EVERY_ROUTE), "add a request for each new route to ROUTE_REQUESTS"

    for (method, _), (url, body) in EVERY_ROUTE.items():
        response = await client.request(method, url, json=body)
        assert response.status_code < 500, (method, url, response.text)


async def test_a_blocking_route_is_reported_with_its_route_and_stack(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/blocking")
    async def blocking() -> None:
        time.sleep(0.3)  # noqa: ASYNC251  (the mistake the guard exists for)

    await client.get("/blocking")
    await asyncio.sleep(0.05)  # the guard reports a block once the loop is free again

    warnings = [r.getMessage() for r in caplog.records if r.name.endswith(".loop_guard")]
    assert len(warnings) == 1
    assert "event loop blocked for" in warnings[0]
    assert "by GET /blocking" in warnings[0]
    assert "time.sleep(0.3)" in warnings[0]
    caplog.clear()  # the block was on purpose: the conftest check must not fail this test


async def test_a_block_in_a_task_the_request_started_names_its_route(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def block() -> None:
        time.sleep(0.3)  # noqa: ASYNC251  (on purpose)

    @app.get("/blocking-in-a-task")
    async def blocking_in_a_task() -> None:
        await asyncio.create_task(block())

    await client.get("/blocking-in-a-task")
    await asyncio.sleep(0.05)

    warnings = [r.getMessage() for r in caplog.records if r.name.endswith(".loop_guard")]
    assert len(warnings) == 1
    assert "by GET /blocking-in-a-task" in warnings[0]
    caplog.clear()


async def test_awaiting_is_not_blocking(app: FastAPI, client: httpx.AsyncClient) -> None:
    @app.get("/waiting")
    async def waiting() -> None:
        await asyncio.sleep(0.3)

    response = await client.get("/waiting")

    assert response.status_code == 200
