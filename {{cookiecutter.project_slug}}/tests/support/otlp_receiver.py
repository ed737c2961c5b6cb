"""A real OTLP/HTTP receiver on 127.0.0.1: what a collector would get of the service's traces.

It runs uvicorn in a thread of its own and decodes each export
(`POST /v1/traces`, protobuf) with opentelemetry-proto, keeping every span
with the service name of the process that sent it.

Delivery is at least once: the exporter sends a batch again when the answer
to it did not come in time (a read timeout is among the errors it retries at
once), though the receiver may have kept the first copy. Like a tracing
backend, the receiver keeps a span once, by its trace and span ids.
"""

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.types import Receive, Scope, Send

from .threaded_server import serving_in_a_thread


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int  # 2 server, 3 client (opentelemetry.proto's SpanKind)
    trace_id: str  # hex, as in traceparent and the logs
    span_id: str
    parent_span_id: str  # "" for a root span
    attributes: dict[str, object] = field(default_factory=dict)


class OtlpReceiver:
    def __init__(self) -> None:
        self.url = ""  # set while running: the OTLP endpoint, without /v1/traces
        self.spans: list[ReceivedSpan] = []
        self._kept: set[tuple[str, str]] = set()  # (trace id, span id) of each span kept
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.spans.clear()
            self._kept.clear()

    def received(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self.spans)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        if headers.get(b"content-encoding") == b"gzip":
            body = gzip.decompress(body)
        if scope["path"] == "/v1/traces":
            self.keep(ExportTraceServiceRequest.FromString(body))
        answer = ExportTraceServiceResponse().SerializeToString()
        content_type = (b"content-type", b"application/x-protobuf")
        await send({"type": "http.response.start", "status": 200, "headers": [content_type]})
        await send({"type": "http.response.body", "body": answer})

    def keep(self, export: ExportTraceServiceRequest) -> None:
        spans = []
        for resource_spans in export.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: attribute_value(a.value) for a in span.attributes}
                    spans.append(
                        ReceivedSpan(
                            service=resource.get("service.name", ""),
                            name=span.name,
                            kind=span.kind,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            attributes=attributes,
                        )
                    )
        with self._lock:
            for span in spans:
                if (span.trace_id, span.span_id) not in self._kept:
                    self._kept.add((span.trace_id, span.span_id))
                    self.spans.append(span)

    @contextmanager
    def running(self) -> Iterator["OtlpReceiver"]:
        """Receive on a free port of 127.0.0.1 until the block ends; `url` says where."""
        with serving_in_a_thread(self, "the OTLP receiver") as url:
            self.url = url
            yield self


def attribute_value(value: object) -> object:
    """An attribute's value as Python: its one field that is set."""
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    return getattr(value, kind) if kind else None
