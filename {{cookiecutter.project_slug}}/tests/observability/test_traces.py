"""Traces: a server span per request, continuing the client's traceparent; its ids in the logs."""

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.observability import tracing
from {{ cookiecutter.package_name }}.settings import Settings
from tests.log_capture import capture
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.serving import client_for

SERVER, CLIENT = 2, 3  # opentelemetry.proto's SpanKind
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream, handler = capture("json")
    yield stream
    logging.getLogger().removeHandler(handler)


async def test_a_request_makes_one_server_span_named_by_its_route(
    app: FastAPI, otlp_receiver: OtlpReceiver
) -> None:
    @app.get("/things/{thing_id}")
    async def read_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    async with client_for(app) as client:
        await client.get("/things/42")

    spans = otlp_receiver.received()
    # One span: none for ASGI receive and send events.
    assert [(span.name, span.kind) for span in spans] == [("GET /things/{thing_id}", SERVER)]
    assert spans[0].attributes["http.route"] == "/things/{thing_id}"
    assert spans[0].attributes["http.response.status_code"] == 200
    assert spans[0].service == "{{ cookiecutter.project_slug }}"


async def test_a_trace_the_client_started_is_continued(
    app: FastAPI, otlp_receiver: OtlpReceiver
) -> None:
    traceparent = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"

    async with client_for(app) as client:
        await client.get("/health", headers={"traceparent": traceparent})

    [span] = otlp_receiver.received()
    assert (span.trace_id, span.parent_span_id) == (CLIENT_TRACE, CLIENT_SPAN)


async def test_a_client_that_does_not_sample_is_followed(
    app: FastAPI, otlp_receiver: OtlpReceiver
) -> None:
    async with client_for(app) as client:
        await client.get("/health", headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-00"})

    assert otlp_receiver.received() == []


async def test_every_log_line_of_a_request_carries_its_trace_and_span_ids(
    app: FastAPI, otlp_receiver: OtlpReceiver, json_logs: io.StringIO
) -> None:
    @app.get("/work")
    async def work() -> str:
        logging.getLogger("{{ cookiecutter.package_name }}.work").info("working")
        return "done"

    async with client_for(app) as client:
        await client.get("/work", headers={"X-Request-ID": "req-7"})

    [span] = otlp_receiver.received()
    entries = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    lines = [e for e in entries if e["message"] == "working" or e["logger"].endswith(".requests")]
    assert len(lines) == 2
    for line in lines:
        assert (line["request_id"], line["trace_id"], line["span_id"]) == (
            "req-7",
            span.trace_id,
            span.span_id,
        )
        assert line["trace_flags"] in ("01", "03")  # sampled (and a random trace id)


async def test_unsampled_requests_send_nothing_but_still_log_their_trace_id(
    settings: Settings, otlp_receiver: OtlpReceiver, json_logs: io.StringIO
) -> None:
    never = settings.model_copy(update={"otel_traces_sampler_arg": 0.0})

    async with client_for(create_app(never)) as client:
        await client.get("/health")

    entries = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    [request] = [entry for entry in entries if entry["logger"].endswith(".requests")]
    assert otlp_receiver.received() == []
    assert len(request["trace_id"]) == 32
    assert int(request["trace_id"], 16) != 0


async def test_the_tracer_provider_is_made_off_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its resource detectors and its batch processor start threads; waiting
    # for them on the loop held it for over half a second on a loaded machine.
    made_on: list[threading.Thread] = []
    make = tracing.new_tracer_provider

    def recording_make(settings: Settings) -> TracerProvider:
        made_on.append(threading.current_thread())
        return make(settings)

    monkeypatch.setattr(tracing, "new_tracer_provider", recording_make)
    async with tracing.open_tracer_provider(settings) as provider:
        assert isinstance(provider, TracerProvider)

    [thread] = made_on
    assert thread is not threading.current_thread()
