"""The database the tests of one process take turns on: emptied before each
test, and replaced when a test changed its schema."""

from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support.postgres import ReusedDatabase, drop_database, for_asyncpg, unique_name


@pytest.fixture
async def reused(database_server: str, migrated_database: str) -> AsyncIterator[ReusedDatabase]:
    database = ReusedDatabase(database_server, unique_name("reused"), template=migrated_database)
    await database.create()
    yield database
    await drop_database(database_server, database.name)


async def test_emptying_removes_every_row_and_restarts_the_ids(reused: ReusedDatabase) -> None:
    connection = await asyncpg.connect(for_asyncpg(reused.url))
    try:
        insert = "INSERT INTO item (name) VALUES ('lamp') RETURNING id"
        assert [await connection.fetchval(insert) for _ in range(3)] == [1, 2, 3]
        # A connection an earlier test left open, holding a lock that TRUNCATE needs.
        await connection.execute("BEGIN; LOCK TABLE item IN ACCESS SHARE MODE")

        await reused.empty()
    finally:
        await connection.close()

    connection = await asyncpg.connect(for_asyncpg(reused.url))
    try:
        assert await connection.fetchval("SELECT count(*) FROM item") == 0
        assert await connection.fetchval(insert) == 1
        assert await connection.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "change",
    [
        "CREATE INDEX item_by_description ON item (description)",
        "ALTER TABLE item ALTER COLUMN description SET NOT NULL",
        "UPDATE alembic_version SET version_num = 'elsewhere'",
    ],
    ids=["relation-added", "column-changed", "version-moved"],
)
async def test_a_changed_schema_is_noticed_and_the_copy_replaced(
    reused: ReusedDatabase, change: str
) -> None:
    assert not await reused.schema_changed()
    connection = await asyncpg.connect(for_asyncpg(reused.url))
    try:
        await connection.execute(change)
    finally:
        await connection.close()

    assert await reused.schema_changed()
    await reused.replace()
    assert not await reused.schema_changed()
