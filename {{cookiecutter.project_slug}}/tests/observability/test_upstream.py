"""The upstream, watched: a client span whose trace reaches the upstream, and calls by outcome."""

from fastapi import FastAPI

from tests.observability.fixtures import published
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.scraping import samples, total
from tests.support.serving import client_for
from tests.support.upstream_server import UpstreamServer

SERVER, CLIENT = 2, 3  # opentelemetry.proto's SpanKind


async def test_a_relayed_call_passes_its_trace_to_the_upstream(
    app: FastAPI, upstream: UpstreamServer, otlp_receiver: OtlpReceiver
) -> None:
    async with client_for(app) as client:
        await client.get("/upstream/things")

    spans = otlp_receiver.received()
    [server] = [span for span in spans if span.kind == SERVER]
    [call] = [span for span in spans if span.kind == CLIENT]
    [received] = upstream.headers
    _version, trace_id, parent_id, _flags = received["traceparent"].split("-")
    assert (trace_id, parent_id) == (call.trace_id, call.span_id)
    assert call.trace_id == server.trace_id
    assert call.parent_span_id == server.span_id


async def test_upstream_calls_are_counted_by_outcome(
    app: FastAPI, upstream: UpstreamServer
) -> None:
    async with client_for(app) as client:
        before = samples((await client.get("/metrics")).text)
        await client.get("/upstream/things")
        await client.get("/upstream/status/404")
        await client.get("/upstream/status/503")
        await published()
        after = samples((await client.get("/metrics")).text)

    def calls(outcome: str) -> float:
        return total(after, "upstream_calls_total", outcome=outcome) - total(
            before, "upstream_calls_total", outcome=outcome
        )

    assert (calls("2xx"), calls("4xx"), calls("5xx")) == (1, 1, 1)
