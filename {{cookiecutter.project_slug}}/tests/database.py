"""Test databases: migrated once per session, then a fresh copy for every test.

Every test gets a database of its own, so tests run the service's real
session, commit and rollback code and cannot see each other's rows.
{%- if cookiecutter.database == "postgresql" %}
On PostgreSQL the copy is `CREATE DATABASE ... TEMPLATE`, which takes
milliseconds; it is dropped after the test.
{%- else %}
On SQLite the copy is a copy of the migrated file, in the test's tmp_path.
{%- endif %}
"""

{% if cookiecutter.database == "postgresql" -%}
import uuid
from collections.abc import Callable

from alembic import command
from alembic.config import Config
from sqlalchemy import NullPool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from {{ cookiecutter.package_name }}.db import with_async_driver
from tests import PROJECT_ROOT


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server at `server_url`, with the service's driver."""
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return with_async_driver(url)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def _admin_execute(server_url: str, statement: Callable[[AsyncConnection], str]) -> None:
    # CREATE and DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(
        with_async_driver(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement(connection)))
    finally:
        await engine.dispose()


async def create_database(server_url: str, name: str, template: str | None = None) -> None:
    def create(connection: AsyncConnection) -> str:
        if template is None:
            return f'CREATE DATABASE "{name}"'
        # Since PostgreSQL 15 a copy is written through the WAL by default;
        # copying the files is three times faster for a database this small.
        version = connection.dialect.server_version_info or (0,)
        strategy = " STRATEGY FILE_COPY" if version >= (15,) else ""
        return f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}'

    await _admin_execute(server_url, create)


async def drop_database(server_url: str, name: str) -> None:
    await _admin_execute(server_url, lambda _: f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
{%- else -%}
import asyncio
import shutil
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

from tests import PROJECT_ROOT


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def copy_database(source: Path, target: Path) -> str:
    shutil.copyfile(source, target)
    return database_url(target)


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


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False  # keep pytest's log capture
    return config


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest migration."""
    command.upgrade(alembic_config(url), "head")
