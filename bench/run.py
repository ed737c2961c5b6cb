# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "aiohttp>=3.11",
#     "alembic>=1.16",
#     "asyncpg>=0.30",
#     "cookiecutter>=2.6",
#     "fastapi>=0.120",
#     "granian>=2.8",
#     "httpx>=0.28",
#     "httpx-aiohttp>=0.1.8",
#     "matplotlib>=3.9",
#     "opentelemetry-exporter-otlp-proto-http>=1.44",
#     "opentelemetry-instrumentation-httpx>=0.55b0",
#     "opentelemetry-sdk>=1.44",
#     "packaging>=24",
#     "psycopg[binary]>=3.2",
#     "pyjwt[crypto]>=2.10",
#     "prometheus-client>=0.21",
#     "pydantic-settings>=2.6",
#     "redis>=6.2",
#     "sqlalchemy[asyncio]>=2.0.36",
#     "sqlmodel>=0.0.24",
#     "uvicorn[standard]>=0.34",
# ]
#
# [tool.uv]
# python-downloads = "never"
# compile-bytecode = true
# ///
"""Benchmark a baked service against its baselines, in one run, on this machine.

    uv run bench/run.py                    # the full benchmark, a few minutes
    uv run bench/run.py --smoke            # one short round of every cell, well under a minute
    uv run bench/run.py --time-to-green    # from `cookiecutter --no-input` to a green suite

The full run bakes the template with its default answers, starts a throwaway
PostgreSQL, migrates and seeds it, serves the baked service and every
baseline with uvicorn (and the baked service and the naive peer with granian
too), loads them with wrk, and writes `results/latest.json`,
`results/latest.png` and the tables of BENCHMARKS.md. See BENCHMARKS.md.
"""

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from baked import (
    TEMPLATE,
    bake_default_project,
    bake_with_auth,
    bake_with_cache,
    bake_without_observability,
    check_dependencies,
    load_baked_support,
    template_revision,
)
from chart import draw_chart
from comparisons import server_comparisons
from database import MAX_CONNECTIONS, prepare_database, server_version
from load import ensure_wrk
from measure import Schedule, measure
from plan import FULL, OTLP_SINK, SERVED_VARIANTS, SMOKE, STUB, Concurrency, build_cells
from report import (
    cells_table,
    comparisons_table,
    describe_environment,
    replace_between_markers,
    results_document,
    targets_table,
    write_json,
)
from servers import Environment, Servers
from targets import evaluate
from time_to_green import measure_time_to_green, time_to_green_table

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS_MD = TEMPLATE / "BENCHMARKS.md"
UPSTREAM_LATENCY_S = 0.05
FULL_SCHEDULE = Schedule(rounds=3, duration_s=4, warmup_s=2, item_count=10_000)
SMOKE_SCHEDULE = Schedule(rounds=1, duration_s=1, warmup_s=0, item_count=200)


def progress(message: str) -> None:
    print(message, flush=True)


def run_benchmark(
    template: Path, schedule: Schedule, concurrency: Concurrency, mode: str
) -> dict[str, Any]:
    ensure_wrk()
    cells = build_cells(concurrency)
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        project = bake_default_project(template, Path(workdir))
        check_dependencies(project)
        unobserved = bake_without_observability(template, Path(workdir))
        with_auth = bake_with_auth(template, Path(workdir))
        check_dependencies(with_auth)
        cached = bake_with_cache(template, Path(workdir))
        check_dependencies(cached)
        progress(f"baked {project.root.name}; starting PostgreSQL, Redis and an identity provider")
        # The auth bake's tests' own identity provider, in this process: its
        # keys are fetched once, and its token stays valid for the whole run.
        provider_helper = importlib.import_module(
            f"{load_baked_support(with_auth).__name__}.identity_provider"
        )
        # The cache bake's test helpers: the default bake's, and Redis'.
        support = load_baked_support(cached)
        postgres_helper = importlib.import_module(f"{support.__name__}.postgres")
        redis_helper = importlib.import_module(f"{support.__name__}.redis")
        with (
            postgres_helper.running_cluster(max_connections=MAX_CONNECTIONS) as cluster,
            redis_helper.running_redis() as redis_server,
            provider_helper.IdentityProvider().running() as provider,
        ):
            server_url = cluster.url
            database_url = prepare_database(server_url, project, schedule.item_count)
            progress(f"migrated and seeded {schedule.item_count} items; starting the servers")
            environment = Environment(
                baked_source=project.source,
                baked_package=project.package,
                other_bakes={
                    "no-observability": unobserved.source,
                    "auth": with_auth.source,
                    "cache": cached.source,
                },
                settings={
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis_server.url,
                    "STUB_LATENCY_SECONDS": str(UPSTREAM_LATENCY_S),
                    "AUTH_ISSUER": provider.issuer,
                    "AUTH_AUDIENCE": provider_helper.AUDIENCE,
                    "BENCH_BEARER_TOKEN": provider.token(exp=int(time.time()) + 6 * 3600),
                },
                workdir=Path(workdir),
            )
            servers = Servers(environment, [STUB, OTLP_SINK, *SERVED_VARIANTS])
            environment.settings["UPSTREAM_BASE_URL"] = servers.url(STUB)
            # The baked service sends its traces, as in production; the others ignore it.
            environment.settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = servers.url(OTLP_SINK)
            try:
                servers.start_all()
                measurements = measure(cells, servers, schedule, progress)
            finally:
                servers.stop_all()
            postgres = asyncio.run(server_version(database_url))
    targets = evaluate(measurements, concurrency, UPSTREAM_LATENCY_S)
    return results_document(
        mode=mode,
        schedule=schedule,
        concurrency=concurrency,
        upstream_latency_s=UPSTREAM_LATENCY_S,
        measurements=measurements,
        targets=targets,
        comparisons=server_comparisons(measurements),
        environment=describe_environment(postgres) | {"template": template_revision(template)},
    )


def publish(document: dict[str, Any], results_dir: Path, stem: str) -> None:
    write_json(document, results_dir / f"{stem}.json")
    draw_chart(document, results_dir / f"{stem}.png")
    print(f"\n{targets_table(document)}\n\n{comparisons_table(document)}\n")
    print(f"{cells_table(document)}\n")
    met, total = document["targets_met"], len(document["targets"])
    print(f"{met} of {total} targets met; results in {results_dir / stem}.json and .png")


def update_benchmarks_md(document: dict[str, Any], elapsed_s: float) -> None:
    environment = document["environment"]
    packages = ", ".join(f"{name} {version}" for name, version in environment["packages"].items())
    header = (
        f"Run of {datetime.now(UTC):%Y-%m-%d} ({elapsed_s / 60:.1f} min), "
        f"template at {environment['template']}: "
        f"{environment['cpus']} CPUs, Python {environment['python']}, "
        f"PostgreSQL {environment['postgresql']}, {environment['wrk']}; {packages}."
    )
    content = (
        f"{header}\n\n{targets_table(document)}\n\n"
        f"Reported, with no target: what the server alone changes.\n\n{comparisons_table(document)}"
        f"\n\nEvery cell:\n\n{cells_table(document)}"
    )
    replace_between_markers(BENCHMARKS_MD, "results", content)


def run_time_to_green(template: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="time-to-green-") as workdir:
        attempts = measure_time_to_green(template, Path(workdir))
    revision = template_revision(template)
    table = time_to_green_table(attempts)
    print(table)
    document = {"template": revision, "attempts": [a.as_dict() for a in attempts]}
    write_json(document, RESULTS / "time_to_green.json")
    heading = f"Measured {datetime.now(UTC):%Y-%m-%d}, template at {revision}:"
    replace_between_markers(BENCHMARKS_MD, "time-to-green", f"{heading}\n\n{table}")


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--smoke", action="store_true", help="one short round, few connections, a small seed"
    )
    mode.add_argument(
        "--time-to-green",
        action="store_true",
        help="time a bake and its test suite with a cold uv cache, then five times warm",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS, help="where the JSON and the chart go"
    )
    parser.add_argument(
        "--template", type=Path, default=TEMPLATE, help="the template to bake (this repository)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    if arguments.time_to_green:
        run_time_to_green(arguments.template)
        return 0
    started = time.monotonic()
    if arguments.smoke:
        document = run_benchmark(arguments.template, SMOKE_SCHEDULE, SMOKE, mode="smoke")
        publish(document, arguments.results_dir, "smoke")
        return 0
    document = run_benchmark(arguments.template, FULL_SCHEDULE, FULL, mode="full")
    publish(document, arguments.results_dir, "latest")
    update_benchmarks_md(document, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
