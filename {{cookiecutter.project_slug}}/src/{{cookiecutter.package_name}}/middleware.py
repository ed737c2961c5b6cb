"""Pure ASGI middleware.

Written like Starlette's own middleware (a class with `__call__(scope,
receive, send)` that wraps `send`), not with `@app.middleware("http")`:
`BaseHTTPMiddleware` costs several times the throughput and breaks
contextvars.
"""

import json
import logging
import os
import re
import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.logs import request_id
from {{ cookiecutter.package_name }}.timing import RequestTiming, current_timing

INTERNAL_ERROR_BODY = json.dumps({"detail": "Internal Server Error"}).encode()
# A request id from the client is kept only when it is this safe and this short.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_logger = logging.getLogger("{{ cookiecutter.package_name }}.requests")


# These run for every request: they read and extend the raw header lists
# rather than building Headers objects.
def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The value of header `name` (lower case) in the request, if present."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def internal_error_start() -> Message:
    """A new `http.response.start` for the 500 answer (headers are added to it)."""
    return {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(INTERNAL_ERROR_BODY)).encode()),
        ],
    }


def add_headers(message: Message, *headers: tuple[bytes, bytes]) -> None:
    """Append headers to an `http.response.start` message."""
    message["headers"] = [*message.get("headers", ()), *headers]


class RequestContextMiddleware:
    """What every HTTP request gets: an id, timing headers, and a log line.

    - The id is the client's `X-Request-ID` when it is safe (letters, digits
      and `._:-`, at most 128 characters), a new one otherwise. It is echoed in
      the response and tags every log line written while the request is served.
    - `X-Process-Time` (seconds) and `Server-Timing`, which splits the time into
      the service's own work and the waits on its backing services, as counted
      in `timing.RequestTiming`.
    - With `log_requests`, one line when the request ends: method, path,
      status, duration and id.

    When the app fails before it answers, this middleware answers the 500
    itself, so that response carries the headers too; the error is then
    re-raised for the server to log. One class, one `send` wrapper: this runs
    for every request, so it does its work in a single pass.
    """

    def __init__(self, app: ASGIApp, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        offered = (request_header(scope, b"x-request-id") or b"").decode("latin-1")
        current_id = offered if CLIENT_REQUEST_ID.fullmatch(offered) else os.urandom(16).hex()
        id_token = request_id.set(current_id)
        timing = RequestTiming()
        timing_token = current_timing.set(timing)
        status: int | None = None  # until the response starts
        answered: float | None = None  # when the response's last byte was sent

        async def send_with_context(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered = time.perf_counter()
            elif message["type"] == "http.response.start":
                status = message["status"]
                elapsed = time.perf_counter() - started
                add_headers(
                    message,
                    (b"x-request-id", current_id.encode()),
                    (b"x-process-time", f"{elapsed:.6f}".encode()),
                    (b"server-timing", timing.server_timing(elapsed).encode()),
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        except Exception:
            if status is None:
                await send_with_context(internal_error_start())
                await send_with_context({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
            raise
        finally:
            if self.log_requests:
                # Background tasks run after the answer: they are not the request's time.
                log_request(scope, status or 500, (answered or time.perf_counter()) - started)
            current_timing.reset(timing_token)
            request_id.reset(id_token)


def log_request(scope: Scope, status: int, elapsed: float) -> None:
    duration_ms = round(elapsed * 1000, 3)
    method, path = scope["method"], scope["path"]
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    request_logger.info(
        "%s %s %s %.1fms", method, path, status, duration_ms, extra={"fields": fields}
    )


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than `max_bytes` with 413.

    A body announced too large by `Content-Length` is refused before the app
    runs; a streamed one (chunked) is cut off as soon as it goes over, with an
    HTTPException raised from `receive`, which the app answers as 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = (request_header(scope, b"content-length") or b"").decode("latin-1")
        if declared.isdigit():
            if int(declared) > self.max_bytes:
                refusal = JSONResponse({"detail": self.too_large}, status_code=413)
                await refusal(scope, receive, send)
                return
            # The server delivers no more than the declared length.
            await self.app(scope, receive, send)
            return

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self.too_large)
            return message

        await self.app(scope, receive_within_limit, send)

    @property
    def too_large(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"
