"""`/metrics`: requests by route template and status class, the loop guard, the processes."""

import asyncio
import os

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.samples import Sample

from tests.support.scraping import samples, total
from tests.support.serving import client_for

DURATION_COUNT = "http_request_duration_seconds_count"


async def scrape(client: httpx.AsyncClient) -> list[Sample]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


@pytest.fixture
def app_with_things(app: FastAPI) -> FastAPI:
    @app.get("/things/{thing_id}")
    async def read_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    return app


async def test_requests_are_counted_by_route_template_and_status_class(
    app_with_things: FastAPI,
) -> None:
    thing = {"method": "GET", "route": "/things/{thing_id}"}
    async with client_for(app_with_things, raise_app_exceptions=False) as client:
        before = await scrape(client)
        for thing_id in (123457, 223457, 323457):
            await client.get(f"/things/{thing_id}")
        await client.get("/things/not-a-number")
        await client.get("/crash")
        after = await scrape(client)

    def counted(**labels: str) -> float:
        return total(after, DURATION_COUNT, **labels) - total(before, DURATION_COUNT, **labels)

    assert counted(**thing, status_class="2xx") == 3
    assert counted(**thing, status_class="4xx") == 1
    assert counted(route="/crash", status_class="5xx") == 1
    labels = {value for sample in after for value in sample.labels.values()}
    assert not any("23457" in value or "not-a-number" in value for value in labels)


async def test_a_path_no_route_matches_is_counted_as_unmatched(client: httpx.AsyncClient) -> None:
    before = total(await scrape(client), DURATION_COUNT, route="unmatched", status_class="4xx")

    await client.get("/no/such/path/42")

    after = await scrape(client)
    assert total(after, DURATION_COUNT, route="unmatched", status_class="4xx") == before + 1
    assert not any("/no/such" in value for s in after for value in s.labels.values())


async def test_the_event_loop_guard_reports_its_lag_and_blocks(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)
    await asyncio.sleep(0.3)  # the guard's heartbeats go on meanwhile

    after = await scrape(client)
    lag = "event_loop_lag_seconds_count"
    assert total(after, lag) > total(before, lag)
    assert {"event_loop_blocks_total", "event_loop_pauses_total"} <= {s.name for s in after}


async def test_each_worker_reports_its_cpu_and_memory(client: httpx.AsyncClient) -> None:
    found = await scrape(client)

    this_worker = {"pid": str(os.getpid())}
    assert total(found, "process_cpu_seconds_total", **this_worker) > 0
    assert total(found, "process_resident_memory_bytes", **this_worker) > 0
    assert total(found, "process_open_fds", **this_worker) > 0


async def test_metrics_are_not_part_of_the_api_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    assert "/metrics" not in schema["paths"]
