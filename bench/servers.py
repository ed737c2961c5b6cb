"""Serve each variant in a process of its own, on 127.0.0.1, with uvicorn or granian.

Both servers get the settings that matter here: one worker, uvloop, HTTP/1.1
only, no access log. Output goes to a log file per server, never to a pipe
that could fill up and block a server mid-run.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cpu_time import process_tree_cpu_seconds
from plan import ServerName, Variant

BENCH = Path(__file__).resolve().parent
SERVER_FLAGS: dict[ServerName, tuple[str, ...]] = {
    "uvicorn": ("--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log"),
    # granian's counterparts. Its one worker is a child of a supervisor process.
    # Beside the worker's Python thread, which runs the event loop and the app,
    # Rust runtime threads own the sockets and parse HTTP (uvicorn does that on
    # its event loop). One is the fewest granian allows, and the fair count on
    # two cores shared with wrk and PostgreSQL; CPU ms/req. counts every thread.
    # Two threads, or the single-threaded runtime instead of the multi-threaded
    # one granian picks for ASGI, measured the same within the noise here.
    # `--http 1`: HTTP/1.1 only, like httptools, without HTTP/2 detection.
    "granian": (
        "--interface", "asgi",
        "--workers", "1",
        "--runtime-threads", "1",
        "--loop", "uvloop",
        "--http", "1",
        "--no-access-log",
    ),
}  # fmt: skip
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 5


class ServerFailedError(RuntimeError):
    """A server did not start; the message carries the end of its log."""


@dataclass
class Server:
    variant: Variant
    url: str
    process: "subprocess.Popen[bytes]"
    log: Path


@dataclass(frozen=True)
class Environment:
    """What every server is started with: where the baked code is, what it connects to."""

    baked_source: Path
    baked_package: str
    settings: dict[str, str]  # DATABASE_URL, UPSTREAM_BASE_URL, ...: set before the servers start
    workdir: Path  # each server's working directory, and where the logs go
    # Other bakes of the template, by the name a variant's `bake` gives.
    other_bakes: dict[str, Path] = field(default_factory=dict)

    def for_variant(self, variant: Variant) -> dict[str, str]:
        source = self.other_bakes[variant.bake] if variant.bake else self.baked_source
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(BENCH), str(source)]),
            "BAKED_PACKAGE": self.baked_package,
            **self.settings,
            **variant.env,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def launch(variant: Variant, environment: Environment, port: int) -> Server:
    """Start the server; `wait_until_serving` tells when it answers."""
    app = variant.app.format(package=environment.baked_package)
    log = environment.workdir / f"{variant.name}.log"
    address = ("--host", "127.0.0.1", "--port", str(port))
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", variant.server, app, *address, *SERVER_FLAGS[variant.server]],
            cwd=environment.workdir,
            env=environment.for_variant(variant),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, so that a kill reaches its workers
        )
    return Server(variant=variant, url=f"http://127.0.0.1:{port}", process=process, log=log)


def wait_until_serving(server: Server, probe_path: str = "/health") -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailedError(
                f"{server.variant.name} exited at start-up:\n{log_tail(server)}"
            )
        try:
            if httpx.get(server.url + probe_path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    stop(server)
    raise ServerFailedError(f"{server.variant.name} did not answer in time:\n{log_tail(server)}")


def stop(server: Server) -> None:
    """SIGTERM, and SIGKILL for a server that does not stop (a stalled one may not).

    SIGTERM goes to the server alone, which stops its own workers; SIGKILL goes
    to its whole process group, so that no worker is left holding the port.
    """
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def log_tail(server: Server, lines: int = 30) -> str:
    return "\n".join(server.log.read_text(errors="replace").splitlines()[-lines:])


class Servers:
    """The servers of the variants, each on a port chosen up front.

    Every URL is known before any server starts (the relays are told the
    stub's), and a stalled server's replacement listens on the same port.
    """

    def __init__(self, environment: Environment, variants: list[Variant]) -> None:
        self.environment = environment
        self.variants = variants
        self.ports: dict[str, int] = {}
        while len(set(self.ports.values())) < len(variants):
            self.ports = {variant.name: free_port() for variant in variants}
        self.running: dict[str, Server] = {}

    def url(self, variant: Variant) -> str:
        return f"http://127.0.0.1:{self.ports[variant.name]}"

    def start_all(self) -> None:
        """Start them all at once, then wait for each: start-up costs the slowest, not the sum."""
        for variant in self.variants:
            self.running[variant.name] = launch(variant, self.environment, self.ports[variant.name])
        for server in self.running.values():
            wait_until_serving(server)

    def cpu_seconds(self, variant: Variant) -> float | None:
        """CPU time the variant's server, its workers included, has used so far (Linux)."""
        return process_tree_cpu_seconds(self.running[variant.name].process.pid)

    def restart(self, variant: Variant) -> None:
        stop(self.running.pop(variant.name))
        self.running[variant.name] = fresh = launch(
            variant, self.environment, self.ports[variant.name]
        )
        wait_until_serving(fresh)

    def stop_all(self) -> None:
        for server in self.running.values():
            stop(server)
        self.running.clear()
