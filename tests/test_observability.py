"""Observability against real servers: a Prometheus server scrapes a baked service running two
workers, and an OTLP receiver decodes the traces it sends."""

import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.conftest import Bake, otlp_receiver, upstream_server, waiting
from tests.options import Options
from tests.prometheus import label_values, running_prometheus, scalar
from tests.served import Served, create_database, migrate, serve, service_environment

ITEM_ROUTE = "/items/{item_id}"
MISSING_IDS = range(987654301, 987654306)  # ids no item has: distinctive in any label
SERVER, CLIENT = 2, 3  # opentelemetry.proto's SpanKind


@dataclass
class Service:
    served: Served
    upstream: Any  # the baked tests' UpstreamServer
    receiver: Any  # the baked tests' OtlpReceiver

    @property
    def url(self) -> str:
        return str(self.served.url)


@pytest.fixture(scope="module")
def service(bake: Bake, postgres_server: str) -> Iterator[Service]:
    """The default project, served by two uvicorn workers, every trace recorded and sent."""
    project = bake(Options("postgresql", "yes"))
    with (
        upstream_server.UpstreamServer().running() as upstream,
        otlp_receiver.OtlpReceiver().running() as receiver,
    ):
        env = service_environment(
            project,
            database_url=create_database(postgres_server),
            upstream_base_url=upstream.url,
            otel_exporter_otlp_endpoint=receiver.url,
            otel_traces_sampler_arg="1",
            otel_bsp_schedule_delay="100",  # milliseconds between batches of spans
            log_format="json",
        )
        migrate(project, env)
        with serve(project, env, workers=2) as served:
            yield Service(served, upstream, receiver)


def get_all(urls: list[str]) -> list[int]:
    """GET each URL on a connection of its own, eight at a time: both workers get some."""

    def get(url: str) -> int:
        return httpx.get(url, timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(get, urls))


def requests_by_worker(served: Served, route: str) -> list[float]:
    """Each worker's own count of requests to `route`, read from its metric file."""
    directory = next(
        (Path(tempfile.gettempdir()) / "my_service-metrics").glob(f"{served.process.pid}-*")
    )
    counts = []
    for file in sorted(directory.glob("histogram_*.db")):
        samples = [s for m in MultiProcessCollector.merge([str(file)]) for s in m.samples]  # type: ignore[no-untyped-call]
        counts.append(
            sum(
                s.value
                for s in samples
                if s.name.endswith("_count") and s.labels.get("route") == route
            )
        )
    return counts


def test_prometheus_counts_every_request_across_both_workers_by_route_template(
    service: Service, tmp_path: Path
) -> None:
    created = [
        httpx.post(f"{service.url}/items", json={"name": f"lamp {n}"}).json()["id"]
        for n in range(3)
    ]
    reads = [f"{service.url}/items/{created[n % 3]}" for n in range(120)]
    misses = [f"{service.url}/items/{item_id}" for item_id in MISSING_IDS]

    statuses = get_all(reads + misses)

    assert statuses == [200] * len(reads) + [404] * len(misses)
    sent = len(reads) + len(misses)
    # Each is counted once its answer is sent: the last ones a moment after it arrived.
    waiting.wait_until(
        "every request to be counted",
        lambda: sum(requests_by_worker(service.served, ITEM_ROUTE)) == sent,
    )
    by_worker = requests_by_worker(service.served, ITEM_ROUTE)
    assert len([count for count in by_worker if count]) == 2, by_worker  # both served some

    target = service.url.removeprefix("http://")
    with running_prometheus(target, tmp_path) as prometheus:
        total = f'sum(http_request_duration_seconds_count{{route="{ITEM_ROUTE}",method="GET"}})'
        waiting.wait_until(
            "Prometheus to have scraped every request",
            lambda: scalar(prometheus, total) == sent,
            30,
        )
        buckets = f'count(http_request_duration_seconds_bucket{{route="{ITEM_ROUTE}"}})'
        assert (scalar(prometheus, buckets) or 0) > 0
        misses_counted = (
            f'sum(http_request_duration_seconds_count{{route="{ITEM_ROUTE}",status_class="4xx"}})'
        )
        assert scalar(prometheus, misses_counted) == len(misses)
        stored = label_values(prometheus)

    values = [value for values in stored.values() for value in values]
    assert not [value for value in values if any(str(item_id) in value for item_id in MISSING_IDS)]
    assert not [value for value in values if value.startswith("/items/") and value != ITEM_ROUTE]
    assert set(stored["route"]) >= {ITEM_ROUTE, "/items"}


def spans_of(service: Service, trace_id: str, count: int) -> list[Any]:
    def arrived() -> bool:
        return len([s for s in service.receiver.received() if s.trace_id == trace_id]) >= count

    waiting.wait_until(f"{count} spans of trace {trace_id}", arrived, 15)
    return [span for span in service.receiver.received() if span.trace_id == trace_id]


def request_log_line(served: Served, request_id: str) -> dict[str, Any]:
    def logged() -> bool:
        return f'"request_id": "{request_id}"' in served.output

    waiting.wait_until(f"the log line of request {request_id}", logged, 10)
    lines: list[dict[str, Any]] = [
        json.loads(line) for line in served.output.splitlines() if line.startswith("{")
    ]
    [line] = [
        line
        for line in lines
        if line.get("request_id") == request_id and line["logger"].endswith(".requests")
    ]
    return line


def test_a_relayed_request_sends_a_server_and_a_client_span_of_the_trace_the_upstream_got(
    service: Service,
) -> None:
    service.upstream.reset()

    response = httpx.get(f"{service.url}/upstream/things", headers={"X-Request-ID": "joined-up-1"})

    assert response.status_code == 200
    [received] = service.upstream.headers
    _version, trace_id, parent_id, _flags = received["traceparent"].split("-")
    spans = spans_of(service, trace_id, 2)
    [server] = [span for span in spans if span.kind == SERVER]
    [client] = [span for span in spans if span.kind == CLIENT]
    assert server.name == "GET /upstream/{path:path}"
    assert (client.span_id, client.parent_span_id) == (parent_id, server.span_id)
    line = request_log_line(service.served, "joined-up-1")
    assert (line["trace_id"], line["span_id"]) == (trace_id, server.span_id)


def test_reading_an_item_sends_a_database_span(service: Service) -> None:
    item = httpx.post(f"{service.url}/items", json={"name": "desk"}).json()

    httpx.get(f"{service.url}/items/{item['id']}", headers={"X-Request-ID": "with-a-query-1"})

    trace_id = request_log_line(service.served, "with-a-query-1")["trace_id"]
    spans = spans_of(service, trace_id, 2)
    [server] = [span for span in spans if span.kind == SERVER]
    [query] = [span for span in spans if span.kind == CLIENT]
    assert server.name == f"GET {ITEM_ROUTE}"
    assert query.parent_span_id == server.span_id
    assert query.attributes["db.system.name"] == "postgresql"
    assert str(query.attributes["db.query.text"]).startswith("SELECT")
