"""Alembic environment: runs migrations over the service's async driver.

The URL comes from `config.attributes["database_url"]` when a caller (the
tests) passes one, otherwise from DATABASE_URL through `DatabaseSettings`.
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool{% if cookiecutter.database == "postgresql" %}, text{% endif %}
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from {{ cookiecutter.package_name }}.database.settings import DatabaseSettings, with_async_driver
from {{ cookiecutter.package_name }}.items import models  # noqa: F401  (registers the tables)

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = SQLModel.metadata
{%- if cookiecutter.database == "postgresql" %}
# Any fixed number, the same for every process that migrates this database.
MIGRATION_LOCK_KEY = 7_204_191_113
{%- endif %}


def database_url() -> str:
    url = config.attributes.get("database_url")
    if url is not None:
        return with_async_driver(url)
{%- if cookiecutter.database == "postgresql" %}
    settings = DatabaseSettings()  # type: ignore[call-arg]  # DATABASE_URL comes from the environment
{%- else %}
    settings = DatabaseSettings()
{%- endif %}
    return settings.database_url.get_secret_value()


def run_migrations(connection: Connection) -> None:
{%- if cookiecutter.database == "sqlite" %}
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
{%- else %}
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        # Replicas or jobs that migrate at the same moment take turns: the lock
        # is held until this transaction commits, and the next one then finds
        # the schema already at head.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
{%- endif %}


async def run_migrations_online() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_migrations_online())
