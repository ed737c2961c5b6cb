"""The benchmark still runs end to end: its smoke mode answers on every variant.

The smoke run bakes a project, starts PostgreSQL and every server, and loads
each cell once for a second. It proves the benchmark works, not what its
numbers are: those mean something only in a full run (see BENCHMARKS.md).
One test runs it once: with pytest-xdist, separate tests sharing a fixture
could run it once per worker.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1]
EXPECTED_VARIANTS = {
    "baked",
    "baked-no-observability",
    "baked-auth",
    "baked-traced-all",
    "baked-cache",
    "baked-bare",
    "baked-granian",
    "naive",
    "naive-granian",
    "raw",
    "httpx",
    "sync",
    "sync-pool40",
    "stub",
}


def run_smoke(results_dir: Path) -> dict[str, Any]:
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    command = [sys.executable, "-m", "uv", "run", "bench/run.py", "--smoke"]
    finished = subprocess.run(
        [*command, "--results-dir", str(results_dir)],
        cwd=TEMPLATE,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # the first run on a machine also installs the benchmark's dependencies
        check=False,
    )
    assert finished.returncode == 0, f"the smoke run failed:\n{finished.stdout}\n{finished.stderr}"
    assert (results_dir / "smoke.png").stat().st_size > 0
    results: dict[str, Any] = json.loads((results_dir / "smoke.json").read_text())
    return results


def assert_every_section(results: dict[str, Any]) -> None:
    sections = {"mode", "environment", "settings", "variants", "cells", "targets", "targets_met"}
    assert sections <= set(results)
    assert results["mode"] == "smoke"
    assert set(results["variants"]) == EXPECTED_VARIANTS


def assert_every_variant_answered(results: dict[str, Any]) -> None:
    answered = {
        cell["variant"]
        for cell in results["cells"]
        if cell["ok_per_second"] > 0 and not cell["stalled"]
    }
    assert answered == EXPECTED_VARIANTS
    for cell in results["cells"]:
        assert cell["runs"], cell["key"]
        # Timeouts are left out: they can come from a busy machine, not a broken variant.
        assert cell["errors"]["socket"] == cell["errors"]["http"] == 0, cell
        assert 0 < cell["p50_ms"] <= cell["p99_ms"], cell


def assert_every_ratio_computed(results: dict[str, Any]) -> None:
    targets = results["targets"]
    assert len(targets) >= 10
    for target in targets:
        assert {"endpoint", "measure", "value", "target", "met", "detail"} <= set(target)
        assert isinstance(target["value"], float | int), target
        assert isinstance(target["met"], bool), target
    assert results["targets_met"] == sum(target["met"] for target in targets)


def test_the_smoke_run_answers_on_every_variant_and_computes_every_ratio(tmp_path: Path) -> None:
    results = run_smoke(tmp_path)

    assert_every_section(results)
    assert_every_variant_answered(results)
    assert_every_ratio_computed(results)
