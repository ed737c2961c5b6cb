"""The event-loop guard catches the classic async bug in a baked project: a blocking
call inside an `async def` route fails the project's own test suite, naming the route,
and removing it makes the suite pass again."""

from pathlib import Path
from typing import Any

from tests.conftest import assert_succeeded, python_tool, run
from tests.options import Options

LIVENESS = '''    """The process is up and serving. Does no I/O, so it stays fast under any load."""
'''
BLOCKING = "    import time\n\n    time.sleep(0.3)\n"


def run_suite(project: Path) -> Any:
    return run(
        python_tool("pytest", "-p", "no:cacheprovider", "-q"),
        cwd=project,
        env={"PYTHONPATH": str(project / "src")},
    )


def test_a_blocking_call_in_a_route_fails_the_baked_suite_until_removed(cookies: Any) -> None:
    barest = Options("none", "no", examples="no")
    project = Path(cookies.bake(extra_context=barest.context()).project_path)
    health = project / "src" / "my_service" / "health" / "routes.py"
    original = health.read_text(encoding="utf-8")
    assert LIVENESS in original

    health.write_text(original.replace(LIVENESS, LIVENESS + BLOCKING), encoding="utf-8")
    blocked = run_suite(project)

    assert blocked.returncode != 0
    assert "event loop blocked for" in blocked.stdout
    assert "by GET /health" in blocked.stdout
    assert "time.sleep(0.3)" in blocked.stdout

    health.write_text(original, encoding="utf-8")
    assert_succeeded(run_suite(project))
