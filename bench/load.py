"""Load one endpoint with wrk for a fixed time and read what it measured.

wrk runs with one thread (the server under test has one worker; the other
core is left to wrk, PostgreSQL and the upstream stub) and a Lua `done`
hook that prints its counters as one JSON line. A run is bounded twice: by
wrk's own `-d`, and by a guard that kills wrk if it has not exited shortly
after; a killed run counts as stalled.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

WRK_SCRIPTS = Path(__file__).resolve().parent / "wrk"
REPORT_PREFIX = "WRK_REPORT "
REQUEST_TIMEOUT_SECONDS = 2  # wrk's --timeout: a request slower than this is a timeout error
GUARD_SECONDS = 15  # how long past its duration wrk may take before it is killed


class WrkUnavailableError(RuntimeError):
    """wrk is not installed and could not be installed here."""


@dataclass(frozen=True)
class Errors:
    socket: int  # connect, read and write errors
    http: int  # responses with a status of 400 or more
    timeouts: int

    @property
    def total(self) -> int:
        return self.socket + self.http + self.timeouts


@dataclass(frozen=True)
class RunResult:
    """What one wrk run measured. Latencies are of the responses that arrived."""

    connections: int
    duration_s: float
    responses: int  # every response, whatever its status
    errors: Errors
    p50_ms: float
    p99_ms: float
    max_ms: float
    guard_killed: bool = False
    server_cpu_s: float | None = None  # CPU time the server used during the run, where known

    @property
    def ok_responses(self) -> int:
        return self.responses - self.errors.http

    @property
    def ok_per_second(self) -> float:
        return self.ok_responses / self.duration_s if self.duration_s else 0.0

    @property
    def cpu_ms_per_response(self) -> float | None:
        """Server CPU per response: unlike requests/s, barely moved by a busy machine."""
        if self.server_cpu_s is None or not self.responses:
            return None
        return self.server_cpu_s * 1000 / self.responses

    @property
    def stalled(self) -> bool:
        """The server stopped answering: wrk had to be killed, or the run got ~nothing.

        A healthy run answers every connection many times; a stalled one
        answers fewer requests than it has connections (a deadlocked
        thread pool serves a few dozen, then nothing).
        """
        return self.guard_killed or self.ok_responses < self.connections

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "ok_responses": self.ok_responses,
            "ok_per_second": round(self.ok_per_second, 1),
            "cpu_ms_per_response": round(cpu, 3) if (cpu := self.cpu_ms_per_response) else None,
            "stalled": self.stalled,
        }


def ensure_wrk() -> str:
    """The path of wrk; installs the Debian package first when it is missing and we are root."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise WrkUnavailableError("wrk is not installed: install it (Debian: apt-get install wrk)")
    print("wrk is missing: installing the Debian package", flush=True)
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, env=env, capture_output=True, check=True)
    if path := shutil.which("wrk"):
        return path
    raise WrkUnavailableError("apt-get install wrk did not provide wrk")


def run_wrk(
    url: str,
    connections: int,
    duration_s: int,
    random_item_count: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> RunResult:
    """Load `url` for `duration_s` seconds; with `random_item_count`, GET /items/{random id}.
    `headers` go with every request."""
    script = "random_item.lua" if random_item_count else "report.lua"
    command = [
        "wrk",
        "--threads", "1",
        "--connections", str(connections),
        "--duration", f"{duration_s}s",
        "--timeout", f"{REQUEST_TIMEOUT_SECONDS}s",
        "--script", script,
        *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
        url,
    ]  # fmt: skip
    if random_item_count:
        command += ["--", str(random_item_count)]
    try:
        finished = subprocess.run(
            command,
            cwd=WRK_SCRIPTS,  # the scripts load each other by relative path
            capture_output=True,
            text=True,
            timeout=duration_s + GUARD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return killed_run(connections, duration_s)
    return parse_report(finished, connections)


def parse_report(finished: "subprocess.CompletedProcess[str]", connections: int) -> RunResult:
    for line in finished.stdout.splitlines():
        if line.startswith(REPORT_PREFIX):
            report = json.loads(line.removeprefix(REPORT_PREFIX))
            return RunResult(
                connections=connections,
                duration_s=report["duration_us"] / 1e6,
                responses=report["requests"],
                errors=Errors(
                    socket=report["connect_errors"]
                    + report["read_errors"]
                    + report["write_errors"],
                    http=report["status_errors"],
                    timeouts=report["timeouts"],
                ),
                p50_ms=report["p50_us"] / 1000,
                p99_ms=report["p99_us"] / 1000,
                max_ms=report["max_us"] / 1000,
            )
    raise RuntimeError(
        f"wrk exited {finished.returncode} without its report:\n{finished.stdout}{finished.stderr}"
    )


def killed_run(connections: int, duration_s: int) -> RunResult:
    return RunResult(
        connections=connections,
        duration_s=float(duration_s),
        responses=0,
        errors=Errors(socket=0, http=0, timeouts=connections),
        p50_ms=0.0,
        p99_ms=0.0,
        max_ms=0.0,
        guard_killed=True,
    )
