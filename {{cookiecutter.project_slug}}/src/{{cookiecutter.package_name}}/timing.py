"""Where a request's time went, for its `Server-Timing` and `X-Process-Time` headers.

Code that waits on a backing service counts the wait against the current
request (`with waiting_on(kind):`, or `add_waiting` from an event hook).
The header splits the request into `app` (the service's own work), the time
spent waiting on each backing service, summed over the request, and `total`,
so the browser's developer tools show where a slow request went.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from {{ cookiecutter.package_name }}.request_context import current_request


def add_waiting(kind: str, seconds: float) -> None:
    """Count `seconds` of waiting on `kind` against the current request, if any.

    `kind` may carry a description (`name;desc=text`): it is written as it is.
    """
    context = current_request.get()
    if context is not None:
        context.waits[kind] = context.waits.get(kind, 0.0) + seconds


@contextmanager
def waiting_on(kind: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        add_waiting(kind, time.perf_counter() - started)


def server_timing(waits: dict[str, float], total: float) -> str:
    """The `Server-Timing` header value, in milliseconds.

    It is written for every response, so the common case, a request that
    waited on nothing, is a single format.
    """
    if not waits:
        return f"app;dur={total * 1000:.3f}, total;dur={total * 1000:.3f}"
    own_work = max(total - sum(waits.values()), 0.0)
    parts = [("app", own_work), *waits.items(), ("total", total)]
    return ", ".join(f"{name};dur={seconds * 1000:.3f}" for name, seconds in parts)
