"""Which errors mean "the database cannot be used right now": those are answered 503.

Down, restarting, or every pooled connection busy past the pool timeout: the
request was not wrong, so the client gets 503 and retries, and the log keeps
the whole reason. Any other error is a bug, and stays a 500.
"""

from types import TracebackType

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from {{ cookiecutter.package_name }}.errors import DependencyUnavailableError

UNAVAILABLE_ERRORS = (OSError, OperationalError, InterfaceError, PoolTimeoutError)
{%- if cookiecutter.database == "postgresql" %}
# What PostgreSQL answers while it goes away or is not back yet (connection
# exceptions, admin or crash shutdown, "the database system is starting up");
# SQLAlchemy wraps these in a plain DBAPIError.
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
{%- endif %}


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    if isinstance(exc, DBAPIError):
{%- if cookiecutter.database == "postgresql" %}
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        return exc.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
{%- else %}
        return exc.connection_invalidated
{%- endif %}
    return False


class UnavailableAs503:
    """Turns an "unavailable" error raised in the block into a DependencyUnavailableError."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        _type: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if error is not None and is_unavailable(error):
            raise DependencyUnavailableError("database", type(error).__name__) from error


unavailable_as_503 = UnavailableAs503()
