"""What a run leaves behind: the results document, its tables, and BENCHMARKS.md's numbers.

The results document (`latest.json`) holds every run of every cell, so any
number in the tables can be traced back; the tables are Markdown, printed
as they are and written between markers in BENCHMARKS.md.
"""

import importlib.metadata
import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from comparisons import Comparison
from measure import CellMeasurement, Schedule
from plan import SERVED_VARIANTS, STUB, Concurrency
from targets import TargetResult

SCHEMA_VERSION = 1
PACKAGES = (
    "fastapi",
    "starlette",
    "pydantic",
    "uvicorn",
    "granian",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "sqlmodel",
    "asyncpg",
    "psycopg",
    "httpx",
    "httpx-aiohttp",
    "aiohttp",
)


def results_document(
    *,
    mode: str,
    schedule: Schedule,
    concurrency: Concurrency,
    upstream_latency_s: float,
    measurements: list[CellMeasurement],
    targets: list[TargetResult],
    comparisons: list[Comparison],
    environment: dict[str, Any],
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "mode": mode,
        "environment": environment,
        "settings": {
            "rounds": schedule.rounds,
            "duration_s": schedule.duration_s,
            "warmup_s": schedule.warmup_s,
            "items": schedule.item_count,
            "upstream_latency_ms": upstream_latency_s * 1000,
            "connections": {
                "standard": concurrency.standard,
                "high": concurrency.high,
                "stub_check": concurrency.stub_check,
            },
        },
        "variants": {v.name: v.description for v in (*SERVED_VARIANTS, STUB)},
        "cells": [cell_summary(m) for m in measurements],
        "targets": [target.as_dict() for target in targets],
        "targets_met": sum(target.met for target in targets),
        "comparisons": [comparison.as_dict() for comparison in comparisons],
    }


def cell_summary(measurement: CellMeasurement) -> dict[str, Any]:
    cell = measurement.cell
    return {
        "key": cell.key,
        "endpoint": cell.endpoint.name,
        "path": cell.endpoint.path,
        "connections": cell.connections,
        "variant": cell.variant.name,
        "ok_per_second": round(measurement.ok_per_second, 1),
        "p50_ms": round(measurement.p50_ms, 2),
        "p99_ms": round(measurement.p99_ms, 2),
        "cpu_ms_per_response": round(cpu, 3) if (cpu := measurement.cpu_ms_per_response) else None,
        "errors": {
            "socket": measurement.errors.socket,
            "http": measurement.errors.http,
            "timeouts": measurement.errors.timeouts,
        },
        "stalled": measurement.stalled,
        "stalled_runs": measurement.stalled_runs,
        "warmup": measurement.warmup.as_dict() if measurement.warmup else None,
        "runs": [run.as_dict() for run in measurement.runs],
    }


def describe_environment(postgres_version: str) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "postgresql": postgres_version,
        "wrk": wrk_version(),
        "packages": {name: importlib.metadata.version(name) for name in PACKAGES},
    }


def wrk_version() -> str:
    # `wrk -v` prints its version and exits 1.
    output = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    return output.split(" Copyright")[0].strip()


def write_json(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def targets_table(document: dict[str, Any]) -> str:
    rows = [
        "| endpoint | ratio | measured | target | | from |",
        "|---|---|---:|---|---|---|",
    ]
    for target in document["targets"]:
        value = "n/a" if target["value"] is None else f"{target['value']:.2f}"
        verdict = "met" if target["met"] else "**missed**"
        rows.append(
            f"| {target['endpoint']} | {target['measure']} | {value} | {target['target']} "
            f"| {verdict} | {target['detail']} |"
        )
    return "\n".join(rows)


def comparisons_table(document: dict[str, Any]) -> str:
    rows = [
        "| endpoint | ratio | req/s | p99 | from |",
        "|---|---|---:|---:|---|",
    ]
    for comparison in document["comparisons"]:
        throughput, p99 = (
            "n/a" if comparison[field] is None else f"{comparison[field]:.2f}"
            for field in ("throughput", "p99")
        )
        rows.append(
            f"| {comparison['endpoint']} | {comparison['measure']} | {throughput} | {p99} "
            f"| {comparison['detail']} |"
        )
    return "\n".join(rows)


def cells_table(document: dict[str, Any]) -> str:
    rows = [
        "| endpoint | conn. | variant | req/s | p50 ms | p99 ms | CPU ms/req. | errors "
        "| stalled runs |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for cell in document["cells"]:
        errors = cell["errors"]
        answered = cell["ok_per_second"] > 0
        p50, p99 = (f"{cell['p50_ms']:.1f}", f"{cell['p99_ms']:.1f}") if answered else ("-", "-")
        rows.append(
            f"| `{cell['path']}` | {cell['connections']} | {cell['variant']} "
            f"| {cell['ok_per_second']:.0f} | {p50} | {p99} | {cpu_per_request(cell)} "
            f"| {errors['socket'] + errors['http'] + errors['timeouts']} "
            f"| {stalls(cell)} |"
        )
    return "\n".join(rows)


def cpu_per_request(cell: dict[str, Any]) -> str:
    cpu = cell["cpu_ms_per_response"]
    return "-" if cpu is None else f"{cpu:.2f}"


def stalls(cell: dict[str, Any]) -> str:
    """How many runs stalled, of how many, the warm-up counted."""
    total = len(cell["runs"]) + (cell["warmup"] is not None)
    return f"**{cell['stalled_runs']} of {total}**" if cell["stalled"] else f"0 of {total}"


def replace_between_markers(document: Path, name: str, content: str) -> None:
    """Put `content` between `<!-- name:start -->` and `<!-- name:end -->` in `document`."""
    text = document.read_text()
    pattern = re.compile(
        rf"(<!-- {re.escape(name)}:start -->\n).*?(<!-- {re.escape(name)}:end -->)", re.DOTALL
    )
    if not pattern.search(text):
        raise RuntimeError(f"{document.name} has no <!-- {name}:start/end --> markers")
    document.write_text(pattern.sub(lambda match: match[1] + content + "\n" + match[2], text))
