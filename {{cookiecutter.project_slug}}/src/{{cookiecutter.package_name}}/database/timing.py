"""Each query's time on the database, added to the request's `db` Server-Timing entry."""

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.timing import add_waiting


def time_queries(engine: AsyncEngine) -> None:
    """Count the time each query of `engine` waits on the database against its request."""

    # The execution context lives for one query: it carries the start time.
    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def query_started(
        _conn: Any, _cursor: Any, _sql: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        context.query_started = time.perf_counter()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def query_done(
        _conn: Any, _cursor: Any, _sql: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        add_waiting("db", time.perf_counter() - context.query_started)
