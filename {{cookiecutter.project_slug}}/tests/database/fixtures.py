"""The database's fixtures: every test starts on a database at the newest migration, with no rows.

Tests run the service's real session, commit and rollback code, and cannot
see each other's rows.
{%- if cookiecutter.database == "postgresql" %}
The server is the one of `TEST_DATABASE_URL`, or a throwaway server started
from the local binaries; the tests never skip. The migrated database is
copied once for each test process, whose tests take turns on the copy: it
is emptied before each test. A test that changes the schema is marked
`changes_schema`, and gets a copy of its own.
{%- else %}
The migrated file is copied for each test, into its tmp_path.
{%- endif %}
"""

{% if cookiecutter.database == "postgresql" -%}
import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config

from {{ cookiecutter.package_name }}.database.settings import with_async_driver
from tests import PROJECT_ROOT
from tests.support.ports import free_port
from tests.support.postgres import (
    ClusterStartingInBackground,
    ClusterUnavailableError,
    ReusedDatabase,
    create_database,
    drop_database,
    throwaway_cluster,
    unique_name,
    wait_for_cluster,
)

REQUIRED_ENVIRONMENT = {"DATABASE_URL": "postgresql://service:secret@db.internal:5432/service"}
HOW_TO_PROVIDE_POSTGRESQL = (
    "These tests need a real PostgreSQL. Either set TEST_DATABASE_URL to a server "
    "where the role may create databases (postgresql://USER:PASSWORD@HOST:PORT/DBNAME), "
    "or install the PostgreSQL server binaries (initdb, pg_ctl) so that the tests can "
    "start a throwaway server themselves."
)
SCHEMA_CHANGED = (
    "This test changed the database's schema, which the next tests share. "
    "Mark it `@pytest.mark.changes_schema` to give it a database of its own."
)
CHANGES_SCHEMA = "changes_schema: the test changes the schema, and gets a database of its own"
SERVER_OF_THE_RUN = pytest.StashKey[ClusterStartingInBackground]()


def pytest_configure(config: pytest.Config) -> None:
    """Start one throwaway server for the whole run, unless TEST_DATABASE_URL names one.

    It starts in the process that runs pytest, on a thread: pytest-xdist starts
    its workers meanwhile, and they inherit its URL in TEST_DATABASE_URL and
    wait for it where a test first needs it (TEST_DATABASE_STARTING names the
    file that says it is up). Every worker uses the one server, and has a
    database of its own on it.
    """
    config.addinivalue_line("markers", CHANGES_SCHEMA)
    if os.environ.get("TEST_DATABASE_URL") or hasattr(config, "workerinput"):
        return
    outcome = Path(tempfile.mkdtemp(prefix="pg-starting-")) / "outcome"
    server = ClusterStartingInBackground(outcome)
    server.start()
    os.environ["TEST_DATABASE_URL"] = server.url
    os.environ["TEST_DATABASE_STARTING"] = str(outcome)
    config.stash[SERVER_OF_THE_RUN] = server


def pytest_unconfigure(config: pytest.Config) -> None:
    if server := config.stash.get(SERVER_OF_THE_RUN, None):
        os.environ.pop("TEST_DATABASE_URL", None)
        os.environ.pop("TEST_DATABASE_STARTING", None)
        server.stop()
        shutil.rmtree(server.outcome.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def database_server() -> Iterator[str]:
    """URL of a PostgreSQL server on which the tests create and drop their databases."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        if starting := os.environ.get("TEST_DATABASE_STARTING"):
            try:
                wait_for_cluster(Path(starting))
            except ClusterUnavailableError as exc:
                pytest.fail(f"{exc}\n{HOW_TO_PROVIDE_POSTGRESQL}", pytrace=False)
        yield url
        return
    try:
        with throwaway_cluster() as url:
            yield url
    except ClusterUnavailableError as exc:
        pytest.fail(f"{exc}\n{HOW_TO_PROVIDE_POSTGRESQL}", pytrace=False)


@pytest.fixture(scope="session")
def migrated_database(database_server: str) -> Iterator[str]:
    """Name of a database at the newest migration: the template of every test's database."""
    name = unique_name("migrated")
    migrate(asyncio.run(create_database(database_server, name)))
    yield name
    asyncio.run(drop_database(database_server, name))


@pytest.fixture(scope="session")
def reused_database(database_server: str, migrated_database: str) -> Iterator[ReusedDatabase]:
    """This process's copy of the migrated database: its tests run one at a time."""
    database = ReusedDatabase(database_server, unique_name("tests"), template=migrated_database)
    asyncio.run(database.create())
    yield database
    asyncio.run(drop_database(database_server, database.name))


@pytest.fixture
async def database(
    request: pytest.FixtureRequest,
    database_server: str,
    migrated_database: str,
    reused_database: ReusedDatabase,
) -> AsyncIterator[str]:
    """URL of a database at the newest migration, with no rows, for this test alone."""
    if request.node.get_closest_marker("changes_schema"):
        name = unique_name("test")
        url = await create_database(database_server, name, template=migrated_database)
        yield with_async_driver(url)
        await drop_database(database_server, name)
        return
    await reused_database.empty()
    yield with_async_driver(reused_database.url)
    if await reused_database.schema_changed():
        await reused_database.replace()  # the next test starts on the migrated schema
        pytest.fail(SCHEMA_CHANGED, pytrace=False)


@pytest.fixture
def unreachable_database_url() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/missing"
{%- else -%}
import asyncio
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config

from tests import PROJECT_ROOT


def pytest_configure(config: pytest.Config) -> None:
    # Each test has a copy of its own already. A test that changes the schema
    # is marked all the same: the mark says what it does.
    config.addinivalue_line(
        "markers", "changes_schema: the test changes the schema (each test has its own copy)"
    )


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at the newest migration: the original of every test's copy."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    migrate(database_url(path))
    return path


@pytest.fixture
def database(migrated_database: Path, tmp_path: Path) -> str:
    """URL of a fresh database at the newest migration, for this test alone."""
    shutil.copyfile(migrated_database, tmp_path / "test.db")
    return database_url(tmp_path / "test.db")


@pytest.fixture
async def unreachable_database_url(tmp_path: Path) -> AsyncIterator[str]:
    yield database_url(tmp_path / "no-such-directory" / "service.db")
    await settle_failed_connections()


async def settle_failed_connections() -> None:
    """Wait until aiosqlite has stopped the connections that failed to open.

    aiosqlite stops such a connection on its worker thread after reporting the
    failure; if the test's event loop closed first, that thread would fail with
    "Event loop is closed". Waiting here, inside the loop, removes the race.
    """
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, 5)
{%- endif %}


@pytest.fixture
def database_settings(database: str) -> dict[str, Any]:
    return {"database_url": database}


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False  # keep pytest's log capture
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest migration."""
    command.upgrade(alembic_config(url), "head")
