"""The request being served: its id, when it started, and what it waited on.

`RequestContextMiddleware` opens a `RequestContext` for every HTTP request
and keeps it in `current_request`; code below reads it from there: the logs
for the id (and the fields features add), `timing.waiting_on` to count a
wait. Each request runs in a task of its own, so concurrent requests never
see each other's context.
"""

import os
import re
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.types import Scope

# A request id from the client is kept only when it is this safe and this short.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(slots=True)
class RequestContext:
    id: str
    scope: Scope  # the request's ASGI scope: the router adds the matched route to it
    started: float = field(default_factory=time.perf_counter)
    # Seconds spent waiting on each backing service, by its Server-Timing name.
    waits: dict[str, float] = field(default_factory=dict)
    status: int | None = None  # once the response has started
    answered: float | None = None  # when the response's last byte was sent
    # Fields a feature adds to every log line of the request, after its id.
    log_fields: Mapping[str, str] | None = None


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)


def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The value of header `name` (lower case) in the request, if present.

    Every request passes here: the raw header list is read as it is, without
    building a Headers object.
    """
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def choose_request_id(scope: Scope) -> str:
    """The client's `X-Request-ID` when it is safe (letters, digits and `._:-`,
    at most 128 characters), a new random one otherwise."""
    offered = request_header(scope, b"x-request-id")
    if offered is not None and CLIENT_REQUEST_ID.fullmatch(text := offered.decode("latin-1")):
        return text
    return os.urandom(16).hex()
