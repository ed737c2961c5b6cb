"""Throwaway PostgreSQL servers for the tests, started from the local binaries,
and databases made and dropped on them.

`initdb` refuses to run as root, so as root the server runs as the `postgres`
system user (through `runuser`), in a directory that user owns. A server
listens on 127.0.0.1 only, trusts local connections, and lives for one test
session (or one test module); it is then deleted.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]

from .ports import free_port

INITDB_OPTIONS = ["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]


class ClusterUnavailableError(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def server_url(port: int) -> str:
    """The URL of a throwaway server on `port`: its superuser, its default database."""
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


@dataclass
class Cluster:
    """A PostgreSQL server of the tests' own, which they may stop and start; it keeps its port."""

    directory: Path
    port: int
    run_as: list[str]  # the command prefix that runs as the directory's owner
    pg_ctl: str
    # Acknowledged commits survive a crash of the server (`stop("immediate")`),
    # as in production. Off, the server is faster, for tests that never crash it.
    durable_commits: bool = False
    max_connections: int = 100  # PostgreSQL's default

    @property
    def url(self) -> str:
        return server_url(self.port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def start(self) -> None:
        # fsync may stay off even for durable commits: the operating system,
        # which holds what was written, does not crash in a test.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            f"-c fsync=off -c full_page_writes=off -c max_connections={self.max_connections:d}"
        )
        if not self.durable_commits:
            options += " -c synchronous_commit=off"
        self._pg_ctl("-l", str(self.log), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast", *, wait: bool = True) -> None:
        """Stop the server. `smart` without waiting leaves it shutting down, refusing
        new connections with "the database system is shutting down", until the
        last client leaves."""
        self._pg_ctl("-m", mode, "-w" if wait else "-W", "stop")

    def is_running(self) -> bool:
        status = [*self.run_as, self.pg_ctl, "-D", str(self.data), "status"]
        return subprocess.run(status, capture_output=True, check=False).returncode == 0

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _pg_ctl(self, *arguments: str) -> None:
        command = [*self.run_as, self.pg_ctl, "-D", str(self.data), *arguments]
        run(command, f"pg_ctl {arguments[-1]}")


@contextmanager
def running_cluster(
    *, durable_commits: bool = False, max_connections: int = 100, port: int | None = None
) -> Iterator[Cluster]:
    """Create a PostgreSQL server, start it, and delete it at the end, whatever its state."""
    initdb, pg_ctl = server_binaries()
    directory, run_as = cluster_directory()
    port = port or free_port()
    cluster = Cluster(directory, port, run_as, pg_ctl, durable_commits, max_connections)
    try:
        run([*run_as, initdb, "-D", str(cluster.data), *INITDB_OPTIONS], "initdb")
        cluster.start()
        yield cluster
    finally:
        # Whatever state the test left it in: running, stopped or shutting down.
        immediate_stop = [*run_as, pg_ctl, "-D", str(cluster.data), "-m", "immediate", "-w", "stop"]
        subprocess.run(immediate_stop, capture_output=True, check=False)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def throwaway_cluster(port: int | None = None) -> Iterator[str]:
    """Start a PostgreSQL server on 127.0.0.1, yield its URL, then stop and delete it."""
    with running_cluster(port=port) as cluster:
        yield cluster.url


class ClusterStartingInBackground:
    """A throwaway server started on a thread, while the tests' processes start.

    Its URL is known at once. Once the server is up, the file `outcome` says
    "ready", or why the server could not start; other processes (pytest-xdist's
    workers) wait for it with `wait_for_cluster`.
    """

    def __init__(self, outcome: Path) -> None:
        self.outcome = outcome
        self._port = free_port()
        self.url = server_url(self._port)
        self._server = ExitStack()
        self._thread = threading.Thread(target=self._start, name="postgres-start", daemon=True)

    def start(self) -> None:
        """Begin starting the server; return at once."""
        self._thread.start()

    def _start(self) -> None:
        try:
            self._server.enter_context(throwaway_cluster(self._port))
            outcome = "ready"
        except ClusterUnavailableError as error:
            outcome = f"failed: {error}"
        written = self.outcome.with_suffix(".writing")
        written.write_text(outcome, encoding="utf-8")
        written.replace(self.outcome)  # whole, or not at all

    def stop(self) -> None:
        self._thread.join()
        self._server.close()


def wait_for_cluster(outcome: Path, seconds: float = 120) -> None:
    """Return once the server of `ClusterStartingInBackground` is up; raise why it is not."""
    deadline = time.monotonic() + seconds
    while not outcome.exists():
        if time.monotonic() > deadline:
            raise ClusterUnavailableError(f"the PostgreSQL server did not start in {seconds:g} s")
        time.sleep(0.02)
    said = outcome.read_text(encoding="utf-8")
    if said != "ready":
        raise ClusterUnavailableError(said.removeprefix("failed: "))


def find_binary(name: str) -> str | None:
    """`name` from PATH, or from Debian's and Ubuntu's versioned directory."""
    return shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )


def server_binaries() -> tuple[str, str]:
    """Paths of `initdb` and `pg_ctl`."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ClusterUnavailableError(
            "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        )
    return initdb, pg_ctl


def cluster_directory() -> tuple[Path, list[str]]:
    """A new directory for a cluster, and the command prefix that runs as its owner.

    As root, the directory belongs to the `postgres` user and the commands run
    as that user, since PostgreSQL refuses to run as root.
    """
    directory = Path(tempfile.mkdtemp(prefix="pg-test-"))
    if os.geteuid() != 0:
        return directory, []
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        shutil.rmtree(directory)
        raise ClusterUnavailableError(
            "running as root, and there is no `postgres` user to run PostgreSQL as"
        ) from None
    os.chown(directory, owner.pw_uid, owner.pw_gid)
    return directory, ["runuser", "-u", "postgres", "--"]


def run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ClusterUnavailableError(
            f"{what} failed: {result.stderr.strip() or result.stdout.strip()}"
        )


# ------------------------------------------------------------------ databases


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server at `server_url`."""
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def for_asyncpg(url: str) -> str:
    """`url` as asyncpg takes it: SQLAlchemy's `postgresql+asyncpg://` is `postgresql://`."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+')[0]}://{rest}"


async def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database `name`, empty or a copy of `template`; return its URL.

    A copy (`CREATE DATABASE ... TEMPLATE`) takes milliseconds: tests migrate
    one database once, then copy it for each test.
    """
    connection = await asyncpg.connect(for_asyncpg(server_url))
    try:
        copy = ""
        if template is not None:
            # Since PostgreSQL 15 a copy is written through the WAL by default;
            # copying the files is three times faster for a database this small.
            strategy = " STRATEGY FILE_COPY" if connection.get_server_version().major >= 15 else ""
            copy = f' TEMPLATE "{template}"{strategy}'
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()
    return database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(for_asyncpg(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@dataclass
class ReusedDatabase:
    """A copy of a template database that tests take turns on, one at a time.

    Copying the template for each test (`CREATE DATABASE ... TEMPLATE`) costs
    about 60 ms, and over 150 ms when two processes copy at once, since each
    copy waits for a checkpoint. Emptying this one costs a few milliseconds.
    A test that changes the schema needs a copy of its own instead:
    `schema_changed` tells when one did not take it, and `replace` repairs that.
    """

    server_url: str
    name: str
    template: str
    schema: list[tuple[str, ...]] = field(default_factory=list)  # as copied

    @property
    def url(self) -> str:
        return database_url(self.server_url, self.name)

    async def create(self) -> None:
        await create_database(self.server_url, self.name, template=self.template)
        self.schema = await schema_of(self.url)

    async def replace(self) -> None:
        """Copy the template again, under the same name: its URL stays valid."""
        await drop_database(self.server_url, self.name)
        await create_database(self.server_url, self.name, template=self.template)

    async def empty(self) -> None:
        """Remove every row an earlier test left, and restart the ids, as in a new copy."""
        connection = await asyncpg.connect(for_asyncpg(self.url))
        try:
            # Connections an earlier test left open could hold locks that
            # TRUNCATE waits for; a dropped database would not have them either.
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            tables = await connection.fetch(
                "SELECT quote_ident(tablename) AS name FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
            if tables:
                names = ", ".join(table["name"] for table in tables)
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()

    async def schema_changed(self) -> bool:
        return await schema_of(self.url) != self.schema


async def schema_of(url: str) -> list[tuple[str, ...]]:
    """The public schema's tables, columns, indexes and sequences, with the migration it is at."""
    connection = await asyncpg.connect(for_asyncpg(url))
    try:
        rows = await connection.fetch(
            """
            SELECT c.relname, c.relkind::text, a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull::text
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a
                   ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = 'public'
            ORDER BY 1, 3
            """
        )
        versions = []
        if any(row[0] == "alembic_version" for row in rows):
            versions = await connection.fetch("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    return [tuple(str(value) for value in row) for row in [*rows, *versions]]


@asynccontextmanager
async def locked_table(database_url: str, table: str) -> AsyncIterator[None]:
    """Hold an exclusive lock on `table` until the block ends: every query on it
    waits, holding its pooled connection. A slow query, made to order."""
    connection = await asyncpg.connect(for_asyncpg(database_url))
    try:
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
