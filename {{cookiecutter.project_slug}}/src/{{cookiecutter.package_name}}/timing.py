{%- set waits = cookiecutter.database != "none" or cookiecutter.http_client == "yes" -%}
"""Where a request's time went, for its `Server-Timing` header.

`RequestContextMiddleware` gives each request a `RequestTiming`, and code that
waits on a backing service adds the time it waited to it. The header splits
the request into `app` (the service's own work), the time spent waiting on
each backing service, summed over the request, and `total`, so the browser's
developer tools show where a slow request went.
"""
{% if waits %}
import time
from collections.abc import Iterator
from contextlib import contextmanager
{%- endif %}
from contextvars import ContextVar
from dataclasses import dataclass, fields
{%- if waits %}
from typing import Literal

Waiting = Literal[{% if cookiecutter.database != "none" %}"db"{% if cookiecutter.http_client == "yes" %}, {% endif %}{% endif %}{% if cookiecutter.http_client == "yes" %}"upstream"{% endif %}]
{%- endif %}


@dataclass
class RequestTiming:
    """Seconds spent waiting on each backing service during one request."""
{%- if cookiecutter.database != "none" %}

    db: float = 0.0
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
{%- if cookiecutter.database == "none" %}
{% endif %}
    upstream: float = 0.0
{%- endif %}

    def server_timing(self, total: float) -> str:
        """The `Server-Timing` header value, in milliseconds."""
        waits = {field.name: getattr(self, field.name) for field in fields(self)}
        own_work = max(total - sum(waits.values()), 0.0)
        parts = [("app", own_work), *waits.items(), ("total", total)]
        return ", ".join(f"{name};dur={seconds * 1000:.3f}" for name, seconds in parts)


current_timing: ContextVar[RequestTiming | None] = ContextVar("current_timing", default=None)
{%- if waits %}


def add_waiting(kind: Waiting, seconds: float) -> None:
    """Count `seconds` of waiting on `kind` against the current request, if any."""
    timing = current_timing.get()
    if timing is not None:
        setattr(timing, kind, getattr(timing, kind) + seconds)


@contextmanager
def waiting_on(kind: Waiting) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        add_waiting(kind, time.perf_counter() - started)
{%- endif %}
