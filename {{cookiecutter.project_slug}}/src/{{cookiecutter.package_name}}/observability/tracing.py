"""The tracer provider: a parent-based ratio sampler, and batches of spans sent over OTLP/HTTP."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from {{ cookiecutter.package_name }}.observability.settings import ObservabilitySettings


def new_tracer_provider(settings: ObservabilitySettings) -> TracerProvider:
    """A provider of this service's own, not the global one: each app (and each test) has its
    own, and it sends what it still holds when the service stops."""
    provider = TracerProvider(
        # A trace is recorded whole or not at all: a span follows its parent's
        # decision, and a new trace is recorded with the configured probability.
        sampler=ParentBased(TraceIdRatioBased(settings.otel_traces_sampler_arg)),
        resource=Resource.create({"service.name": settings.otel_service_name}),
        shutdown_on_exit=False,
    )
    if endpoint := settings.traces_endpoint:
        # Spans leave in batches, from a thread of the SDK's, never from a request.
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


@asynccontextmanager
async def open_tracer_provider(settings: ObservabilitySettings) -> AsyncIterator[TracerProvider]:
    # Made in a thread: `Resource.create` runs its detectors on threads it
    # starts, and the batch processor starts one. Waiting for them to start
    # held the event loop for over half a second on a loaded machine.
    provider = await asyncio.to_thread(new_tracer_provider, settings)
    try:
        yield provider
    finally:
        await asyncio.to_thread(provider.shutdown)  # sends the last batch, waits for it
