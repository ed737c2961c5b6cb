"""Each statement's time on the database, added to the request's `db` Server-Timing entry
and told to the statement observers: how other features can watch the database."""

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.timing import add_waiting

# Called after each statement with its text, and when it started and ended
# (time.perf_counter); empty unless something watches the database.
StatementObserver = Callable[[str, float, float], None]


def time_queries(engine: AsyncEngine, observers: list[StatementObserver]) -> None:
    """Count the time each statement of `engine` waits on the database against its request.

    The hooks are the dialect's execution events, which run the statement
    themselves (as the dialect would: `cursor.execute`) and return True. The
    engine's cursor events would do as well, but cost far more: with any of
    them, every checked-out connection joins its event lists to the engine's,
    measured at 111 more Python calls per read of an item.
    """

    def finished(statement: str, started: float) -> None:
        ended = time.perf_counter()
        add_waiting("db", ended - started)
        for observe in observers:
            observe(statement, started, ended)

    @event.listens_for(engine.sync_engine, "do_execute")
    def execute(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        started = time.perf_counter()
        try:
            cursor.execute(statement, parameters)
        finally:
            finished(statement, started)
        return True

    @event.listens_for(engine.sync_engine, "do_execute_no_params")
    def execute_no_params(cursor: Any, statement: str, _context: Any) -> bool:
        started = time.perf_counter()
        try:
            cursor.execute(statement)
        finally:
            finished(statement, started)
        return True

    @event.listens_for(engine.sync_engine, "do_executemany")
    def execute_many(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        started = time.perf_counter()
        try:
            cursor.executemany(statement, parameters)
        finally:
            finished(statement, started)
        return True
