"""The item table locked by a connection of the test's own: every query on it waits."""
{% if cookiecutter.database == "postgresql" %}
from contextlib import AbstractAsyncContextManager

from tests.support.postgres import locked_table


def item_table_locked(database_url: str) -> AbstractAsyncContextManager[None]:
    return locked_table(database_url, "item")
{%- else %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def item_table_locked(database_url: str) -> AsyncIterator[None]:
    """SQLite locks the whole file: writes wait, reads go on."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield
            await connection.rollback()
    finally:
        await engine.dispose()
{%- endif %}
