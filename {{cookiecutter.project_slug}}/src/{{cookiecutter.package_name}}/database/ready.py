"""The database's readiness check: it answers `SELECT 1`."""

from sqlalchemy import text

from {{ cookiecutter.package_name }}.database.engine import Database
from {{ cookiecutter.package_name }}.database.faults import unavailable_as_503
from {{ cookiecutter.package_name }}.feature import State


async def database_ready(state: State) -> None:
    database: Database = state["database"]
    with unavailable_as_503:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
