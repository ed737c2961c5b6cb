"""The guard stress script's own parts, on a real baked suite.

A full stress run takes hours (`bench/guard_stress.py`); this checks what it
counts with: its pytest plug-in records every pause the guard reports, which
pytest shows for no passing test, and the script totals them by cause.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import Bake
from tests.options import Options

GUARD_STRESS = Path(__file__).resolve().parents[1] / "bench" / "guard_stress.py"


def stress_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("guard_stress", GUARD_STRESS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


def test_the_pauses_of_a_passing_suite_are_recorded_and_totalled_by_cause(
    bake: Bake, tmp_path: Path
) -> None:
    stress: Any = stress_script()
    project = bake(Options("none", "no", examples="no"))
    suite = stress.Suite.of(project, tmp_path)

    # These tests make pauses on purpose: a stopped loop, a long collection.
    result, pauses = suite.run("once", "tests/test_loop_guard_pauses.py")

    assert result.returncode == 0, result.stdout[-3000:]
    assert all(pause.startswith("event loop paused for ") for pause in pauses), pauses
    totals = stress.total_by_cause(pauses)
    assert totals["the loop was stopped"] > 0, totals
    assert totals["garbage collection"] > 0, totals


BLOCK = (
    "WARNING  my_service.loop_guard:reports.py:29 event loop blocked for {ms} ms by {route};"
    " move blocking work to asyncio.to_thread or a process pool. The loop was here:"
)


def test_each_block_is_counted_once_per_test_though_pytest_shows_it_twice() -> None:
    """A test that fails and then errors at teardown has two sections in pytest's
    report, each with the same captured log."""
    stress: Any = stress_script()
    report = "\n".join(
        [
            "==================================== ERRORS ====================================",
            "_ ERROR at teardown of test_a _",
            "E   AssertionError: event loop blocked for 269 ms by outside any request; ...",
            "------------------------------ Captured log call -------------------------------",
            BLOCK.format(ms=269, route="outside any request"),
            "=================================== FAILURES ===================================",
            "__________________________________ test_a ___________________________________",
            "------------------------------ Captured log call -------------------------------",
            BLOCK.format(ms=269, route="outside any request"),
            "__________________________________ test_b ___________________________________",
            BLOCK.format(ms=302, route="GET /health"),
            BLOCK.format(ms=311, route="GET /health"),
        ]
    )

    assert stress.guard_failures(report) == ["outside any request", "GET /health", "GET /health"]
