"""The benchmark's database: created on a throwaway server, migrated, seeded."""

import asyncio
import os
import subprocess
import sys

import asyncpg
from sqlalchemy.engine import make_url

from baked import BakedProject

DATABASE_NAME = "bench"
# Every database-backed server keeps its pool through the whole run, so their
# ceilings add up: 20 for raw asyncpg, 15 and 40 for the sync ones, 20 for each
# of the four baked and naive ones, 155 in all: past PostgreSQL's default of
# 100, where the last to connect get "too many clients" errors.
MAX_CONNECTIONS = 300


def prepare_database(server_url: str, project: BakedProject, item_count: int) -> str:
    """Create the database, run the baked migrations, insert `item_count` items; return its URL."""
    asyncio.run(execute(server_url, f'CREATE DATABASE "{DATABASE_NAME}"'))
    url = make_url(server_url).set(database=DATABASE_NAME).render_as_string(hide_password=False)
    migrate(project, url)
    asyncio.run(seed_items(url, item_count))
    return url


def migrate(project: BakedProject, url: str) -> None:
    """`alembic upgrade head`, from the command line, as the baked README says."""
    env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(project.source)}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the migrations failed:\n{result.stdout}{result.stderr}")


async def execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed_items(url: str, item_count: int) -> None:
    """Insert items with ids 1..item_count, the range the random-id load draws from."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO item (name, description) "
            "SELECT 'item ' || n, 'the seeded item number ' || n FROM generate_series(1, $1) n",
            item_count,
        )
        await connection.execute("ANALYZE item")
        low, high = await connection.fetchrow("SELECT min(id), max(id) FROM item") or (0, 0)
    finally:
        await connection.close()
    if (low, high) != (1, item_count):
        raise RuntimeError(f"seeded ids run from {low} to {high}, not from 1 to {item_count}")


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
