"""The session dependencies: one session per request, `SessionDep` or `ReadSessionDep`.

A request first waits its turn for a connection (connections.py), then gets
a session; the session is closed when the handler returns, before the
answer is sent, so its connection goes back to the pool at once. A database
that cannot be used answers 503 (faults.py).
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from {{ cookiecutter.package_name }}.database.engine import Database
from {{ cookiecutter.package_name }}.database.faults import unavailable_as_503


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for routes that write.

    Handlers commit explicitly, before they answer. Anything not committed is
    rolled back when the session closes, so a failed request never commits.
    """
    database: Database = request.state.database
    with unavailable_as_503:
        async with database.connections, database.sessionmaker() as session:
            yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for routes that only read: each statement runs on its own (autocommit)."""
    database: Database = request.state.database
    with unavailable_as_503:
        async with database.connections, database.read_sessionmaker() as session:
            yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
