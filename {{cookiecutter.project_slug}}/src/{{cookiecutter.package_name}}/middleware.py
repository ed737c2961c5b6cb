"""Pure ASGI middleware.

Written like Starlette's own middleware (a class with `__call__(scope,
receive, send)` that wraps `send`), not with `@app.middleware("http")`:
`BaseHTTPMiddleware` costs several times the throughput and breaks
contextvars.
"""

import json
import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.logs import request_id
from {{ cookiecutter.package_name }}.timing import RequestTiming, current_timing

INTERNAL_ERROR_BODY = json.dumps({"detail": "Internal Server Error"}).encode()
# A request id from the client is kept only when it is this safe and this short.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_logger = logging.getLogger("{{ cookiecutter.package_name }}.requests")


class ProcessTimeMiddleware:
    """Add `X-Process-Time` (seconds) and `Server-Timing` to every HTTP response.

    `Server-Timing` splits the time into the service's own work and the waits
    on its backing services, as counted in `timing.RequestTiming`.

    When the app fails before it answers, this middleware answers the 500
    itself, so that response carries the headers too; the error is then
    re-raised for the server to log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        timing = RequestTiming()
        token = current_timing.set(timing)
        response_started = False

        async def send_with_timing(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                elapsed = time.perf_counter() - started
                headers = MutableHeaders(scope=message)
                headers.append("X-Process-Time", f"{elapsed:.6f}")
                headers.append("Server-Timing", timing.server_timing(elapsed))
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        except Exception:
            if not response_started:
                await send_with_timing(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(INTERNAL_ERROR_BODY)).encode()),
                        ],
                    }
                )
                await send_with_timing({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
            raise
        finally:
            current_timing.reset(token)


class RequestLogMiddleware:
    """Give every HTTP request an id and write one log line when it ends.

    The id is the client's `X-Request-ID` when it is safe (letters, digits and
    `._:-`, at most 128 characters), a new one otherwise. It is echoed in the
    response's `X-Request-ID` and tags every log line written while the
    request is served.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        offered = Headers(scope=scope).get("x-request-id", "")
        current_id = offered if CLIENT_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = request_id.set(current_id)
        status = 500  # what the client gets if the app fails before it answers

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", current_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            request_logger.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": duration_ms,
                    }
                },
            )
            request_id.reset(token)


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

        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            refusal = JSONResponse({"detail": self.too_large}, status_code=413)
            await refusal(scope, receive, send)
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
