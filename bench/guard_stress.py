"""Run a baked project's suite many times under hostile load: the event-loop guard
must never fail a test over a pause the code did not cause, and must still
catch a real block.

    uv run python bench/guard_stress.py --runs 20

It runs in the template's own environment (`uv run`), which has everything
the baked suites import, and takes about a minute per run.

The load, for the whole run: a CPU hog on every core, a disk writer that
calls fsync after each write, a process that allocates, touches and frees
large buffers, and, inside the process under test, a thread that calls
`gc.collect()` over and over. The suite runs `--runs` times; every guard
failure ("event loop blocked for ...") is counted, and so is every other
failure. Then a `time.sleep(0.3)` is added to the liveness route and the
suite runs once more, under the same load: it must fail, naming the route.
The counts are printed and written to `results/guard_stress.json`.
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
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "guard_stress.json"
GUARD_FAILURE = re.compile(r"event loop blocked for \d+ ms by ([^;]+);")
PAUSE = re.compile(r"event loop paused for \d+ ms")
LIVENESS = '''    """The process is up and serving. Does no I/O, so it stays fast under any load."""
'''
BLOCKING = "    import time\n\n    time.sleep(0.3)\n"
# A pytest plug-in, loaded into the suite's process with `-p`: a garbage
# collection storm in the very process whose event loop the guard watches.
GC_STORM = """
import gc
import threading
import time


def collect_forever() -> None:
    while True:
        gc.collect()
        time.sleep(0.01)


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


def run_suite(project: Path, plugins: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(project / "src"), str(plugins)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "gc_storm", "-q"]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )


def summary(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else result.stderr.strip()[-300:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="guard-stress-") as workdir:
        project = Path(cookiecutter(str(arguments.template), no_input=True, output_dir=workdir))
        plugins = Path(workdir) / "plugins"
        plugins.mkdir()
        (plugins / "gc_storm.py").write_text(GC_STORM, encoding="utf-8")
        runs = []
        with hostile_load(workdir):
            for number in range(1, arguments.runs + 1):
                started = time.monotonic()
                result = run_suite(project, plugins)
                run = {
                    "run": number,
                    "seconds": round(time.monotonic() - started, 1),
                    "exit_code": result.returncode,
                    "guard_failures": GUARD_FAILURE.findall(result.stdout),
                    "pauses_logged": len(PAUSE.findall(result.stdout)),
                    "summary": summary(result),
                }
                runs.append(run)
                print(
                    f"run {number:2}: {run['summary']}  guard failures: "
                    f"{len(run['guard_failures'])}",
                    flush=True,
                )
            health = project / "src" / project.name.replace("-", "_") / "health" / "routes.py"
            original = health.read_text(encoding="utf-8")
            health.write_text(original.replace(LIVENESS, LIVENESS + BLOCKING), encoding="utf-8")
            mutated = run_suite(project, plugins)
            health.write_text(original, encoding="utf-8")

    caught = GUARD_FAILURE.findall(mutated.stdout)
    document = {
        "runs": runs,
        "guard_failures": sum(len(run["guard_failures"]) for run in runs),
        "failed_runs": sum(run["exit_code"] != 0 for run in runs),
        "mutation": {"exit_code": mutated.returncode, "routes_named": sorted(set(caught))},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(
        f"\n{len(runs)} runs under load: {document['failed_runs']} failed, "
        f"{document['guard_failures']} guard failures; the blocking mutation "
        f"{'was caught' if mutated.returncode and 'GET /health' in caught else 'was NOT caught'}"
        f" (routes named: {', '.join(sorted(set(caught))) or 'none'})"
    )
    clean = document["guard_failures"] == 0 and "GET /health" in caught
    return 0 if clean and mutated.returncode != 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
