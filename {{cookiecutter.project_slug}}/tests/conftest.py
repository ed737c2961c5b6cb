"""Fixtures shared by the tests.

- `settings`, `app` and `client`: the service, with its lifespan running.
{%- if cookiecutter.database != "none" %}
- `database`: a fresh database for each test, at the newest migration.
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
- `upstream`: a real HTTP server on 127.0.0.1 for the relay to call.
{%- endif %}
"""
{% if cookiecutter.database == "postgresql" %}
import asyncio
import os
{%- endif %}
from collections.abc import AsyncIterator, Iterator
{%- if cookiecutter.database == "sqlite" %}
from pathlib import Path
{%- endif %}

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings
{%- if cookiecutter.database == "postgresql" %}
from tests.database import create_database, database_url, drop_database, migrate, unique_name
from tests.postgres_cluster import ClusterUnavailableError, throwaway_cluster
{%- elif cookiecutter.database == "sqlite" %}
from tests.database import copy_database, database_url, migrate, settle_failed_connections
{%- endif %}
from tests.serving import client_for{% if cookiecutter.database == "postgresql" %}, unused_port{% endif %}
{%- if cookiecutter.http_client == "yes" %}
from tests.upstream_server import UpstreamServer
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}

HOW_TO_PROVIDE_POSTGRESQL = (
    "These tests need a real PostgreSQL. Either set TEST_DATABASE_URL to a server "
    "where the role may create databases (postgresql://USER:PASSWORD@HOST:PORT/DBNAME), "
    "or install the PostgreSQL server binaries (initdb, pg_ctl) so that the tests can "
    "start a throwaway server themselves."
)


@pytest.fixture(scope="session")
def database_server() -> Iterator[str]:
    """URL of a PostgreSQL server on which the tests create and drop their databases."""
    if url := os.environ.get("TEST_DATABASE_URL"):
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
    asyncio.run(create_database(database_server, name))
    migrate(database_url(database_server, name))
    yield name
    asyncio.run(drop_database(database_server, name))


@pytest.fixture
async def database(database_server: str, migrated_database: str) -> AsyncIterator[str]:
    """URL of a fresh database at the newest migration, for this test alone."""
    name = unique_name("test")
    await create_database(database_server, name, template=migrated_database)
    yield database_url(database_server, name)
    await drop_database(database_server, name)


@pytest.fixture
def unreachable_database_url() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{unused_port()}/missing"
{%- elif cookiecutter.database == "sqlite" %}


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file at the newest migration: the original of every test's copy."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    migrate(database_url(path))
    return path


@pytest.fixture
def database(migrated_database: Path, tmp_path: Path) -> str:
    """URL of a fresh database at the newest migration, for this test alone."""
    return copy_database(migrated_database, tmp_path / "test.db")


@pytest.fixture
async def unreachable_database_url(tmp_path: Path) -> AsyncIterator[str]:
    yield f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'service.db'}"
    await settle_failed_connections()
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[UpstreamServer]:
    with UpstreamServer().running() as server:
        yield server


@pytest.fixture
def upstream(upstream_server: UpstreamServer) -> UpstreamServer:
    """The real upstream server, with its record of requests cleared for this test."""
    upstream_server.reset()
    return upstream_server
{%- endif %}


@pytest.fixture
def settings(
{%- if cookiecutter.database != "none" %}database: str{% if cookiecutter.http_client == "yes" %}, {% endif %}{% endif %}
{%- if cookiecutter.http_client == "yes" %}upstream: UpstreamServer{% endif %}) -> Settings:
    # model_validate takes exactly these values: no environment variable and
    # no .env file of the developer's can leak into a test.
    return Settings.model_validate(
        {
            # Tests run beside threads of their own and on busy CI machines: 250 ms
            # leaves a margin, and still catches the 300 ms block of test_loop_guard.
            "loop_block_threshold_ms": 250,
{%- if cookiecutter.database != "none" %}
            "database_url": database,
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
            "upstream_base_url": upstream.url,
            "upstream_timeout": 2.0,
{%- endif %}
        }
    )


@pytest.fixture(autouse=True)
def event_loop_never_blocked(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which the service blocked its event loop, naming the route."""
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    blocks = [r.getMessage() for r in records if r.name.endswith(".loop_guard")]
    assert not blocks, "\n\n".join(blocks)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
