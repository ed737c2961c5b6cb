"""The engine, opened once with the service: the database's lifespan part."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from {{ cookiecutter.package_name }}.database.connections import ConnectionQueue
from {{ cookiecutter.package_name }}.database.settings import DatabaseSettings
from {{ cookiecutter.package_name }}.database.timing import time_queries
from {{ cookiecutter.package_name }}.feature import State


@dataclass(frozen=True)
class Database:
    """What requests need of the database; `request.state.database` holds it."""

    engine: AsyncEngine
    # Sessions for routes that write; handlers commit before they answer.
    sessionmaker: async_sessionmaker[AsyncSession]
    # Sessions for routes that only read. A default session wraps even a single
    # SELECT in BEGIN ... ROLLBACK: three round trips for one answer. These run
    # each statement on its own (autocommit): one round trip.
    read_sessionmaker: async_sessionmaker[AsyncSession]
    connections: ConnectionQueue


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url.get_secret_value(),
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
{%- if cookiecutter.database == "postgresql" %}
        # asyncpg waits 60 s for a new connection by default; a request must not.
        connect_args={"timeout": settings.database_pool_timeout},
{%- endif %}
    )


@asynccontextmanager
async def open_database(settings: DatabaseSettings) -> AsyncIterator[State]:
    """Create the engine (and its connection pool) once; close every connection at the end."""
    engine = create_engine(settings)
    time_queries(engine)
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    # Objects stay readable after commit, so a handler can return what it saved
    # without another round trip (and without lazy loads outside the session).
    database = Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
        read_sessionmaker=async_sessionmaker(reading, class_=AsyncSession, expire_on_commit=False),
        connections=ConnectionQueue(
            settings.database_pool_size + settings.database_max_overflow,
            settings.database_pool_timeout,
        ),
    )
    try:
        yield {"database": database}
    finally:
        await engine.dispose()
