"""The database, watched: a span for each statement of a traced request, and the pool's gauges."""

import httpx
from fastapi import FastAPI

from tests.observability.fixtures import published
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.scraping import samples, total
from tests.support.serving import client_for

CLIENT = 3  # opentelemetry.proto's SpanKind


async def test_reading_an_item_sends_a_database_span_under_the_server_span(
    app: FastAPI, otlp_receiver: OtlpReceiver, client_headers: dict[str, str]
) -> None:
    async with client_for(app, headers=client_headers) as client:
        created = await client.post("/items", json={"name": "lamp"})
        await client.get(f"/items/{created.json()['id']}")

    spans = otlp_receiver.received()  # sent when the app stopped
    [server] = [span for span in spans if span.name == "GET /items/{item_id}"]
    [query] = [span for span in spans if span.parent_span_id == server.span_id]
    assert query.kind == CLIENT
    assert query.name == "SELECT"
    assert query.parent_span_id == server.span_id
    assert query.trace_id == server.trace_id
    assert query.attributes["db.system.name"] == {{ cookiecutter.database | literal }}
    assert str(query.attributes["db.query.text"]).startswith("SELECT")


async def test_the_pool_reports_connections_in_use_and_requests_waiting(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/items")
    await published()

    found = samples((await client.get("/metrics")).text)
    names = {sample.name for sample in found}
    assert {"db_pool_connections_in_use", "db_pool_requests_waiting"} <= names
    assert total(found, "db_pool_requests_waiting") == 0
