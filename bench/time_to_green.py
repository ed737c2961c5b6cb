"""Time from baking to a green baked test suite, as a new user lives it.

Fresh bakes, each timed from `uvx cookiecutter --no-input` to the end of
`uv run pytest` in the baked project: first with an empty uv cache (every
package downloaded, the baked environment built from scratch), then several
times with the cache the first one filled, since a suite's time varies from
run to run on a shared machine. The cache is a temporary directory: the
user's own cache is neither used nor touched.
"""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

COMMAND_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Attempt:
    cache: str  # "cold" or "warm"
    bake_s: float
    test_s: float
    summary: str  # pytest's closing line

    @property
    def total_s(self) -> float:
        return self.bake_s + self.test_s

    def as_dict(self) -> dict[str, object]:
        return {
            "cache": self.cache,
            "bake_s": round(self.bake_s, 2),
            "test_s": round(self.test_s, 2),
            "total_s": round(self.total_s, 2),
            "summary": self.summary.strip("= "),
        }


def find_uv() -> str:
    # `uv run` tells the command which uv runs it.
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH")
    return uv


def user_environment(cache: Path) -> dict[str, str]:
    """The environment of a user's shell: this benchmark's own settings left out
    (its virtual environment, and a PYTHONDONTWRITEBYTECODE a user rarely sets)."""
    own = ("VIRTUAL_ENV", "TEST_DATABASE_URL", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    inherited = {name: value for name, value in os.environ.items() if name not in own}
    return inherited | {"UV_CACHE_DIR": str(cache), "UV_PYTHON_DOWNLOADS": "never"}


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(command)}` exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return elapsed, result.stdout


def bake_and_test(uv: str, template: Path, workdir: Path, cache: Path, label: str) -> Attempt:
    env = user_environment(cache)
    output_dir = workdir / label.replace(" ", "-")
    output_dir.mkdir()
    bake = [uv, "tool", "run", "cookiecutter", str(template), "--no-input", "-o", str(output_dir)]
    bake_s, _ = timed(bake, cwd=output_dir, env=env)
    (project,) = [path for path in output_dir.iterdir() if path.is_dir()]
    test_s, output = timed([uv, "run", "pytest"], cwd=project, env=env)
    return Attempt(
        cache=label, bake_s=bake_s, test_s=test_s, summary=output.strip().splitlines()[-1]
    )


def measure_time_to_green(template: Path, workdir: Path, warm_runs: int = 5) -> list[Attempt]:
    uv = find_uv()
    cache = workdir / "uv-cache"
    cache.mkdir()
    labels = ["cold", *(f"warm {number}" for number in range(1, warm_runs + 1))]
    return [bake_and_test(uv, template, workdir, cache, label) for label in labels]


def time_to_green_table(attempts: list[Attempt]) -> str:
    rows = [
        "| uv cache | bake (s) | `uv run pytest` (s) | total (s) | baked suite |",
        "|---|---:|---:|---:|---|",
    ]
    for attempt in attempts:
        rows.append(
            f"| {attempt.cache} | {attempt.bake_s:.1f} | {attempt.test_s:.1f} "
            f"| **{attempt.total_s:.1f}** | {attempt.summary.strip('= ')} |"
        )
    return "\n".join(rows)
