"""The migrations and the models describe the same schema, both ways."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from tests.database.fixtures import alembic_config


async def table_names(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()


async def test_the_models_match_the_migrations(database: str) -> None:
    # `alembic check` fails when autogenerate would write a new migration.
    await asyncio.to_thread(command.check, alembic_config(database))


@pytest.mark.changes_schema
async def test_the_migrations_downgrade_to_nothing_and_upgrade_again(database: str) -> None:
    config = alembic_config(database)

    await asyncio.to_thread(command.downgrade, config, "base")
    assert "item" not in await table_names(database)

    await asyncio.to_thread(command.upgrade, config, "head")
    assert "item" in await table_names(database)
    await asyncio.to_thread(command.check, config)
