"""The upstream, watched: a client span for each call, its trace passed on, its outcome counted.

The span and the W3C `traceparent` header come from OpenTelemetry's httpx
instrumentation, on the shared client. The outcomes are the relay's own
count (`Upstream.outcomes`), copied into a counter each second.
"""

from collections import Counter as Tally

from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import Counter

from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.observability.watching import Watcher
from {{ cookiecutter.package_name }}.upstream.client import Upstream

UPSTREAM_CALLS = Counter(
    "upstream_calls",
    "Calls to the upstream by outcome: its status class, `unreachable` or `timeout`.",
    ["outcome"],
)


class UpstreamWatcher:
    def __init__(self, upstream: Upstream, provider: TracerProvider) -> None:
        self.upstream = upstream
        self.published = Tally[str]()
        HTTPXClientInstrumentor.instrument_client(
            upstream.client,
            tracer_provider=provider,
            # Its metrics would be OpenTelemetry's; the service's are Prometheus'.
            meter_provider=NoOpMeterProvider(),
        )

    def publish(self) -> None:
        for outcome, calls in self.upstream.outcomes.items():
            if new := calls - self.published[outcome]:
                UPSTREAM_CALLS.labels(outcome).inc(new)
        self.published = self.upstream.outcomes.copy()

    def close(self) -> None:
        HTTPXClientInstrumentor.uninstrument_client(self.upstream.client)


def watch_upstream(state: State, provider: TracerProvider) -> Watcher:
    return UpstreamWatcher(state["upstream"], provider)
