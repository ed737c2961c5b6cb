"""Run a baked project's suite many times under hostile load: the event-loop guard
must never fail a test over a pause the code did not cause, and must still
catch a real block.

    uv run python bench/guard_stress.py --runs 20

It runs in the template's own environment (`uv run`), which has everything
the baked suites import. On two cores a run of the default suite takes four
to five minutes under this load (about 25 seconds without it).

The load, for the whole run: a CPU hog on every core, a disk writer that
calls fsync after each write, a process that allocates, touches and frees
large buffers, and, inside each process that runs tests (the event loop the
guard watches is there), a thread that calls `gc.collect()` over and over.
The suite runs `--runs` times; every guard failure ("event loop blocked for
...") is counted, and so is every other failure, and every pause the guard
reported instead, with the milliseconds of each cause. First, a
`time.sleep(0.3)` is added to the liveness route and the suite runs once
under the same load: it must fail, naming the route. The counts are printed,
and written to `results/guard_stress.json` after every run.
"""

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "guard_stress.json"
# A block the guard reported, as the captured log of a failed test shows it:
# once per block (the assertion's message repeats it, twice).
GUARD_FAILURE = re.compile(
    r"^WARNING +\S+\.loop_guard:\S+ event loop blocked for \d+ ms by ([^;]+);", re.MULTILINE
)
# The header of a test's section in pytest's report. A test that fails and
# then errors at teardown has two, each with the same captured log.
TEST_SECTION = re.compile(r"^_+ (?:ERROR at \w+ of )?(\S+) _+$", re.MULTILINE)
# pytest's short summary (-ra): "FAILED tests/x.py::test_y - reason", "ERROR ...".
FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) .*$", re.MULTILINE)
LIVENESS = '''    """The process is up and serving. Does no I/O, so it stays fast under any load."""
'''
BLOCKING = "    import time\n\n    time.sleep(0.3)\n"
# A pytest plug-in, loaded with `-p` into every process that runs tests (with
# pytest-xdist, each worker; the controller only collects their reports):
# - a garbage collection storm in the very process whose event loop the
#   guard watches;
# - a handler that writes each pause the guard reports to a file of the
#   directory $GUARD_STRESS_PAUSES, so that the pauses of a passing suite,
#   which pytest does not show, are counted too.
STRESS_PLUGIN = """
import gc
import logging
import os
import threading
import time


def collect_forever() -> None:
    while True:
        gc.collect()
        time.sleep(0.01)


class PauseRecorder(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        path = os.path.join(os.environ["GUARD_STRESS_PAUSES"], f"{os.getpid()}.txt")
        with open(path, "a", encoding="utf-8") as pauses:
            pauses.write(record.getMessage() + "\\n")


def pytest_configure(config):
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the controller
    logging.getLogger("{package}.loop_guard.pauses").addHandler(PauseRecorder())
    threading.Thread(target=collect_forever, name="gc-storm", daemon=True).start()
"""


def hog_a_cpu() -> None:
    while True:
        pass


def write_and_fsync(directory: str) -> None:
    block = os.urandom(1 << 20)
    path = os.path.join(directory, "fsync-writer")
    while True:
        with open(path, "wb") as target:
            for _ in range(16):
                target.write(block)
                target.flush()
                os.fsync(target.fileno())


def churn_memory() -> None:
    while True:
        buffer = bytearray(512 << 20)
        for offset in range(0, len(buffer), 4096):  # touch every page
            buffer[offset] = 1
        del buffer
        time.sleep(0.05)


@contextmanager
def hostile_load(directory: str) -> Iterator[None]:
    """CPU hogs on every core, an fsync writer and a memory churner, until the block ends."""
    workers = [multiprocessing.Process(target=hog_a_cpu) for _ in range(os.cpu_count() or 1)]
    workers.append(multiprocessing.Process(target=write_and_fsync, args=(directory,)))
    workers.append(multiprocessing.Process(target=churn_memory))
    for worker in workers:
        worker.daemon = True
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()


@dataclass(frozen=True)
class Suite:
    """The baked project under test and where its runs leave what they report."""

    project: Path
    plugins: Path  # holds stress_plugin.py
    workdir: Path
    output: Path | None  # where each run's full output is kept, if anywhere

    @classmethod
    def of(cls, project: Path, workdir: Path, output: Path | None = None) -> "Suite":
        """The suite of `project`, with the stress plug-in written under `workdir`."""
        plugins = workdir / "plugins"
        plugins.mkdir()
        plugin = STRESS_PLUGIN.replace("{package}", project.name.replace("-", "_"))
        (plugins / "stress_plugin.py").write_text(plugin, encoding="utf-8")
        return cls(project, plugins, workdir, output)

    def run(
        self, name: str, *pytest_args: str
    ) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        """Run the suite once: its output, and every pause the guard reported."""
        pauses = self.workdir / f"pauses-{name}"
        pauses.mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.project / "src"), str(self.plugins)]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "GUARD_STRESS_PAUSES": str(pauses),
        }
        command = [
            *(sys.executable, "-m", "pytest", "-q"),
            *("-p", "no:cacheprovider", "-p", "stress_plugin"),
            *pytest_args,
        ]
        result = subprocess.run(
            command, cwd=self.project, env=env, capture_output=True, text=True, check=False
        )
        if self.output is not None:
            self.output.mkdir(parents=True, exist_ok=True)
            (self.output / f"{name}.txt").write_text(result.stdout + result.stderr, "utf-8")
        reported = [
            line for file in pauses.iterdir() for line in file.read_text("utf-8").splitlines()
        ]
        return result, reported


def summary(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else result.stderr.strip()[-300:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument(
        "--output", type=Path, help="keep each suite's full output here (run-N.txt, mutation.txt)"
    )
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="guard-stress-") as workdir:
        project = Path(cookiecutter(str(arguments.template), no_input=True, output_dir=workdir))
        suite = Suite.of(project, Path(workdir), arguments.output)
        with hostile_load(workdir):
            mutation = run_mutated(suite)
            print(
                f"blocking mutation: {mutation['summary']}  routes named: "
                f"{', '.join(mutation['routes_named']) or 'none'}",
                flush=True,
            )
            runs: list[dict[str, Any]] = []
            for number in range(1, arguments.runs + 1):
                runs.append(run_once(suite, number))
                # Written after every run: a stress run stopped early keeps what it measured.
                document = record(runs, mutation)
    print(
        f"\n{len(runs)} runs under load: {document['failed_runs']} failed, "
        f"{document['guard_failures']} guard failures; the blocking mutation "
        f"{'was caught' if mutation['caught'] else 'was NOT caught'}"
        f" (routes named: {', '.join(mutation['routes_named']) or 'none'})"
    )
    return 0 if document["guard_failures"] == 0 and mutation["caught"] else 1


def run_once(suite: Suite, number: int) -> dict[str, Any]:
    started = time.monotonic()
    result, pauses = suite.run(f"run-{number}")
    run: dict[str, Any] = {
        "run": number,
        "seconds": round(time.monotonic() - started, 1),
        "exit_code": result.returncode,
        "guard_failures": guard_failures(result.stdout),
        "pauses_reported": len(pauses),
        "pause_causes_ms": total_by_cause(pauses),
        "failed_tests": FAILED_TEST.findall(result.stdout),
        "summary": summary(result),
    }
    print(
        f"run {number:2}: {run['summary']}  guard failures: {len(run['guard_failures'])}"
        f"  pauses: {len(pauses)}",
        flush=True,
    )
    return run


def guard_failures(report: str) -> list[str]:
    """The route of each block in a pytest report, counted once per test and block."""
    parts = TEST_SECTION.split(report)  # [before, test, section, test, section, ...]
    blocks = {
        (test, block.group(0))
        for test, section in zip(parts[1::2], parts[2::2], strict=True)
        for block in GUARD_FAILURE.finditer(section)
    }
    return [GUARD_FAILURE.match(line)[1] for _, line in sorted(blocks)]  # type: ignore[index]


def total_by_cause(pauses: list[str]) -> dict[str, int]:
    """Milliseconds of each cause over all the pause reports of a run."""
    totals: dict[str, int] = {}
    for pause in pauses:
        # "event loop paused for 391 ms by causes outside the code: waiting for a CPU 19 ms, ..."
        for part in filter(None, pause.partition(": ")[2].split(", ")):
            cause, milliseconds, _unit = part.rsplit(" ", 2)
            totals[cause] = totals.get(cause, 0) + int(milliseconds)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def run_mutated(suite: Suite) -> dict[str, Any]:
    """The suite once with a `time.sleep(0.3)` in the liveness route: it must fail, naming it."""
    health = suite.project / "src" / suite.project.name.replace("-", "_") / "health" / "routes.py"
    original = health.read_text(encoding="utf-8")
    if LIVENESS not in original:
        raise SystemExit(f"the liveness route's docstring moved: update LIVENESS in {__file__}")
    health.write_text(original.replace(LIVENESS, LIVENESS + BLOCKING), encoding="utf-8")
    try:
        mutated, _pauses = suite.run("mutation")
    finally:
        health.write_text(original, encoding="utf-8")
    named = sorted(set(GUARD_FAILURE.findall(mutated.stdout)))
    return {
        "exit_code": mutated.returncode,
        "failed_tests": FAILED_TEST.findall(mutated.stdout),
        "routes_named": named,
        "caught": mutated.returncode != 0 and "GET /health" in named,
        "summary": summary(mutated),
    }


def record(runs: list[dict[str, Any]], mutation: dict[str, Any]) -> dict[str, Any]:
    document = {
        "runs": runs,
        "guard_failures": sum(len(run["guard_failures"]) for run in runs),
        "failed_runs": sum(run["exit_code"] != 0 for run in runs),
        "mutation": mutation,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
