"""`GET /metrics`: every worker's metrics, added up, in Prometheus' text format.

It is served by the app, on its own port, so that any worker can answer for
all of them (they share their metric files) and a scrape needs no other
port, process or container. Keep it off a public ingress: it is for Prometheus.
"""

import asyncio
import os
from pathlib import Path

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from {{ cookiecutter.package_name }}.observability.directory import VARIABLE
from {{ cookiecutter.package_name }}.observability.process import WorkerProcesses, is_alive, worker_pids
from {{ cookiecutter.package_name }}.routing import feature_router

router = feature_router(tags=["observability"], include_in_schema=False)


def exposition() -> bytes:
    directory = Path(os.environ[VARIABLE])
    live = set()
    for pid in worker_pids(directory):
        if is_alive(pid):
            live.add(pid)
        else:  # a worker that is gone: its gauges go, its counters stay counted
            mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
    registry = CollectorRegistry()
    MultiProcessCollector(registry, str(directory))  # type: ignore[no-untyped-call]
    registry.register(WorkerProcesses(live))
    return generate_latest(registry)


@router.get("/metrics")
async def metrics() -> Response:
    # Reading the workers' files is blocking I/O: off the event loop.
    return Response(await asyncio.to_thread(exposition), media_type=CONTENT_TYPE_LATEST)
