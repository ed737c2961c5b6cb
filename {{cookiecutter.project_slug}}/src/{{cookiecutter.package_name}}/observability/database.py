"""The database, watched: a span for each statement, and the pool's gauges.

The spans are placed by hand, from the database feature's statement
observers, rather than by OpenTelemetry's SQLAlchemy instrumentation: that
one listens to the engine's cursor events, which cost every read of an item
111 more Python calls (database/timing.py), sampled or not. These cost a
request that is not recorded one check.
"""

import time

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from prometheus_client import Gauge
from sqlalchemy.pool import QueuePool

from {{ cookiecutter.package_name }}.database.engine import Database
from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.observability.watching import Watcher

DATABASE_SYSTEM = {{ cookiecutter.database | literal }}

# One value per worker, summed over the live ones.
CONNECTIONS_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Pooled database connections checked out now.",
    multiprocess_mode="livesum",
)
REQUESTS_WAITING = Gauge(
    "db_pool_requests_waiting",
    "Requests waiting for a database connection now (DATABASE_POOL_TIMEOUT bounds the wait).",
    multiprocess_mode="livesum",
)


class DatabaseWatcher:
    def __init__(self, database: Database, provider: TracerProvider) -> None:
        self.database = database
        self.tracer = provider.get_tracer(__name__)
        # Statements are timed with perf_counter; spans take nanoseconds since the epoch.
        self.epoch_offset_ns = time.time_ns() - time.perf_counter_ns()
        database.statement_observers.append(self.statement_ran)

    def statement_ran(self, statement: str, started: float, ended: float) -> None:
        if not trace.get_current_span().is_recording():
            return  # the request is not sampled, so neither is its statement
        operation = statement.split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = self.tracer.start_span(
            operation,
            kind=SpanKind.CLIENT,
            start_time=self.epoch_offset_ns + int(started * 1e9),
            attributes={"db.system.name": DATABASE_SYSTEM, "db.query.text": statement},
        )
        span.end(end_time=self.epoch_offset_ns + int(ended * 1e9))

    def publish(self) -> None:
        pool = self.database.engine.pool
        if isinstance(pool, QueuePool):
            CONNECTIONS_IN_USE.set(pool.checkedout())
        REQUESTS_WAITING.set(self.database.connections.waiting)

    def close(self) -> None:
        self.database.statement_observers.remove(self.statement_ran)


def watch_database(state: State, provider: TracerProvider) -> Watcher:
    return DatabaseWatcher(state["database"], provider)
