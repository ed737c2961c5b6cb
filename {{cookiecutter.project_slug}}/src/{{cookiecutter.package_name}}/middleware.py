"""Pure ASGI middleware: what every HTTP request passes through.

Written like Starlette's own middleware (a class with `__call__(scope,
receive, send)` that wraps `send`), not with `@app.middleware("http")`:
`BaseHTTPMiddleware` costs several times the throughput and breaks
contextvars.
"""

import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.errors import internal_error_messages
from {{ cookiecutter.package_name }}.logs import log_request
from {{ cookiecutter.package_name }}.request_context import (
    RequestContext,
    choose_request_id,
    current_request,
    request_header,
)
from {{ cookiecutter.package_name }}.timing import server_timing


class RequestContextMiddleware:
    """Gives every HTTP request an id, timing headers and a log line, in one pass.

    - `current_request` holds the request's `RequestContext` (request_context.py):
      its id tags every log line written while the request is served.
    - The response carries `X-Request-ID`, `X-Process-Time` (seconds) and
      `Server-Timing` (timing.py).
    - With `log_requests`, one line when the request ends (logs.py).
    - When the app fails before it answers, this middleware answers the 500
      itself, so that response carries the headers too; the error is then
      re-raised for the server to log.
    """

    def __init__(self, app: ASGIApp, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        context = RequestContext(choose_request_id(scope), scope)
        token = current_request.set(context)

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_context_headers(message, context)
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                context.answered = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        except Exception:
            if context.status is None:
                for message in internal_error_messages():
                    await send_with_context(message)
            raise
        finally:
            if self.log_requests:
                log_request(scope, context)
            current_request.reset(token)


def add_context_headers(start: Message, context: RequestContext) -> None:
    """Record the status and add the request's headers to its `http.response.start`."""
    context.status = start["status"]
    elapsed = time.perf_counter() - context.started
    start["headers"] = [
        *start.get("headers", ()),
        (b"x-request-id", context.id.encode()),
        (b"x-process-time", f"{elapsed:.6f}".encode()),
        (b"server-timing", server_timing(context.waits, elapsed).encode()),
    ]


# Methods whose requests carry no body for any route of this service.
BODILESS_METHODS = frozenset({"GET", "HEAD"})


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than `max_bytes` with 413.

    A body announced too large by `Content-Length` is refused before the app
    runs; one of unknown length (chunked) is counted as it arrives and cut off
    as soon as it goes over, with an HTTPException raised from `receive`,
    which the app answers as 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = request_header(scope, b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_bytes:
                refusal = JSONResponse({"detail": self.too_large}, status_code=413)
                await refusal(scope, receive, send)
                return
            # The server delivers no more than the declared length.
            await self.app(scope, receive, send)
        elif scope["method"] in BODILESS_METHODS:
            # Their routes never read a body: nothing to count.
            await self.app(scope, receive, send)
        else:
            await self.app(scope, self.limited(receive), send)

    def limited(self, receive: Receive) -> Receive:
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self.too_large)
            return message

        return receive_within_limit

    @property
    def too_large(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"
