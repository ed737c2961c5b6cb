"""Faults and load for a served baked service, all of it on 127.0.0.1.

- `stoppable_cluster`: a PostgreSQL server of the tests' own, which they stop
  (`pg_ctl stop -m fast`, `immediate` or `smart`) and start again on the same
  port. The shared `postgres_server` cannot be stopped: other tests use it.
- `migrated_database`: a fresh database at the newest migration, in milliseconds.
- `HostileUpstream`: an upstream that answers badly (garbage instead of HTTP,
  a body cut short, a connection closed before any answer, a stall).
- `ServiceLog`: what the served process has printed so far.
- `send`, `Outcome`: one request's status, body and duration, or the transport
  error it ended with; `server_errors` finds the answers no client may get.
- `connection_states`, `locked_items`, `rss_bytes`: what PostgreSQL and the
  kernel say about the service.
"""

import functools
import json
import re
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tests.conftest import ports, postgres, waiting
from tests.served import Served, create_database, migrate, service_environment

# ---------------------------------------------------------------- PostgreSQL

# A PostgreSQL server of these tests' own, which they stop and start again on
# the same port; acknowledged commits survive `stop("immediate")`. The baked
# tests' `Cluster`. The shared `postgres_server` cannot be stopped: other
# tests use it.
StoppableCluster = Any
stoppable_cluster = functools.partial(postgres.running_cluster, durable_commits=True)


def migrated_database(project: Path, server_url: str) -> str:
    """URL of a new database at the newest migration of `project`, on the server.

    Migrating runs Alembic in a process of its own, which takes seconds: it is
    done once per project and server, into a template that is then copied
    (`CREATE DATABASE ... TEMPLATE`, milliseconds) for each database.
    """
    return create_database(server_url, template=migrated_template(project, server_url))


@functools.cache
def migrated_template(project: Path, server_url: str) -> str:
    url = create_database(server_url)
    migrate(project, service_environment(project, database_url=url))
    return database_name(url)


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name is not None
    return name


async def connection_states(server_url: str, database: str) -> Counter[str]:
    """How many connections to `database` PostgreSQL has, by state (`idle`, `active`, ...).

    Asked over a connection to another database, so it never counts itself.
    """
    connection = await asyncpg.connect(server_url)
    try:
        rows = await connection.fetch(
            "SELECT coalesce(state, 'unknown') AS state FROM pg_stat_activity WHERE datname = $1",
            database,
        )
    finally:
        await connection.close()
    return Counter(str(row["state"]) for row in rows)


wait_for = waiting.wait_for


async def wait_for_lock_waiters(server_url: str, database: str, count: int) -> None:
    """Wait until `count` queries on `database` wait for a lock (see `locked_items`)."""

    async def lock_waiters() -> bool:
        connection = await asyncpg.connect(server_url)
        try:
            waiters: int = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = $1 AND wait_event_type = 'Lock'",
                database,
            )
        finally:
            await connection.close()
        return waiters >= count

    await wait_for(f"{count} queries waiting for the item table's lock", lock_waiters)


def locked_items(database_url: str) -> AbstractAsyncContextManager[None]:
    """Hold an exclusive lock on the item table: every query on it waits, holding its
    pooled connection, until the block ends. A slow query, made to order."""
    lock: AbstractAsyncContextManager[None] = postgres.locked_table(database_url, "item")
    return lock


async def stored_items(database_url: str) -> dict[int, str]:
    """Every item in the database: id to name."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT id, name FROM item")
    finally:
        await connection.close()
    return {int(row["id"]): str(row["name"]) for row in rows}


# ------------------------------------------------------------------ requests


@dataclass(frozen=True)
class Outcome:
    """What one request ended with: an answer, or the transport error in its place."""

    label: str  # what was asked, e.g. "POST /items"
    status: int | None
    body: bytes
    seconds: float
    error: str = ""  # set when there was no answer: a timeout, a dropped connection
    # The service's own count (`X-Process-Time`): from its middleware taking
    # the request to its answer starting. The rest of `seconds` was spent
    # before the app saw the request or after it answered: in the client,
    # the network, the server's parsing, or the service's event loop queue.
    served_in: float | None = None

    def json(self) -> Any:
        """The body, parsed; None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def detail(self) -> object:
        """The JSON `detail` of an error answer, or None when the body has none."""
        parsed = self.json()
        return parsed.get("detail") if isinstance(parsed, dict) else None

    def __str__(self) -> str:
        answer = self.error or f"{self.status} {self.body[:300]!r}"
        return f"{self.label} -> {answer} after {self.seconds:.2f} s"


async def send(
    client: httpx.AsyncClient, method: str, path: str, json_body: object = None
) -> Outcome:
    """Send one request; never raises for a failed one, records it instead."""
    label = f"{method} {path}"
    started = time.perf_counter()
    try:
        response = await client.request(method, path, json=json_body)
    except httpx.HTTPError as exc:
        return Outcome(label, None, b"", time.perf_counter() - started, repr(exc))
    seconds = time.perf_counter() - started
    process_time = response.headers.get("x-process-time")
    served_in = float(process_time) if process_time is not None else None
    return Outcome(label, response.status_code, response.content, seconds, served_in=served_in)


def server_errors(outcomes: Iterable[Outcome], allowed: Iterable[int] = ()) -> list[str]:
    """The outcomes no client may ever get, described for an assertion message.

    No answer at all (a hang cut by the client's timeout, a dropped connection),
    any 5xx not in `allowed`, an allowed error without a JSON `detail`, and
    anything carrying a traceback.
    """
    allowed_statuses = set(allowed)
    problems = []
    for outcome in outcomes:
        if outcome.status is None:
            problems.append(f"no answer: {outcome}")
        elif outcome.status >= 500 and outcome.status not in allowed_statuses:
            problems.append(f"server error: {outcome}")
        elif outcome.status >= 500 and not isinstance(outcome.detail(), str):
            problems.append(f"error without a JSON detail: {outcome}")
        elif b"Traceback" in outcome.body:
            problems.append(f"traceback in the body: {outcome}")
    return problems


def described(problems: list[str], limit: int = 10) -> str:
    shown = "\n".join(problems[:limit])
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problem(s):\n{shown}{more}"


# --------------------------------------------------------------- the process


class ServiceLog:
    """What a served process has printed so far; `serve` reads it as it comes.

    Handed to code that runs before the process is known (`follow` names it).
    """

    def __init__(self) -> None:
        self._served: Served | None = None

    def follow(self, served: Served) -> None:
        self._served = served

    def text(self, timeout: float = 30) -> str:
        """Its output, waiting up to `timeout` seconds for the process to finish printing."""
        return self._served.output_once_stopped(timeout) if self._served else ""


def raised_in(log: str) -> str:
    """The exceptions a service log shows, one line each with how often: the
    root cause of a 500 at a glance, where the whole log would bury it."""
    raised = Counter(
        line[:200]
        for line in log.splitlines()
        if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Timeout)\b", line)
    )
    return "\n".join(f"{count} x {line}" for line, count in raised.most_common()) or "(none)"


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from the kernel."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


# ------------------------------------------------------------------ upstream


@dataclass
class HostileUpstream:
    """An HTTP upstream on 127.0.0.1 that answers each path with a fault.

    Plain sockets, so it can send what no HTTP server library would: see
    `ANSWERS`. `/stall` sends half an answer, then waits until the server
    stops (or 30 s).
    """

    ANSWERS: ClassVar[dict[str, bytes]] = {
        "/garbage": b"\x16\x03\x01 this is not HTTP at all \xff\xfe\r\n\r\n",
        "/cut-short": (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
            b'\r\n{"name": "la'
        ),
        "/cut-short-chunked": (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Transfer-Encoding: chunked\r\n\r\n40\r\n{"name": "la'
        ),
        "/cut-in-the-headers": b"HTTP/1.1 200 OK\r\nContent-Type: applic",
        "/no-answer": b"",
        "/html-error": (
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
            b"Content-Length: 21\r\n\r\n<h1>it broke</h1>\n\n\n\n"
        ),
        "/not-json": (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nplain words"
        ),
    }
    STALL: ClassVar[bytes] = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )

    url: str = ""
    stopping: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def running(self) -> Iterator["HostileUpstream"]:
        upstream = self

        class Answer(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                request_line = self.rfile.readline().decode("latin-1").split(" ")
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # the headers: not needed
                path = request_line[1] if len(request_line) > 1 else ""
                if path == "/stall":
                    self.wfile.write(upstream.STALL)
                    self.wfile.flush()
                    upstream.stopping.wait(30)
                else:
                    self.wfile.write(upstream.ANSWERS.get(path, b""))

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        with Server(("127.0.0.1", 0), Answer) as server:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
            thread.start()
            self.url = f"http://127.0.0.1:{server.server_address[1]}"
            try:
                yield self
            finally:
                self.stopping.set()
                server.shutdown()
                thread.join(10)


def refused_url() -> str:
    """An upstream URL on 127.0.0.1 where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{ports.free_port()}"
