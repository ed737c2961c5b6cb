"""Pure ASGI middleware.

Written like Starlette's own middleware (a class with `__call__(scope,
receive, send)` that wraps `send`), not with `@app.middleware("http")`:
`BaseHTTPMiddleware` costs several times the throughput and breaks
contextvars.
"""

import json
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INTERNAL_ERROR_BODY = json.dumps({"detail": "Internal Server Error"}).encode()


class ProcessTimeMiddleware:
    """Add `X-Process-Time` (seconds) and `Server-Timing` to every HTTP response.

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
        response_started = False

        async def send_with_timing(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                elapsed = time.perf_counter() - started
                headers = MutableHeaders(scope=message)
                headers.append("X-Process-Time", f"{elapsed:.6f}")
                headers.append("Server-Timing", f"app;dur={elapsed * 1000:.3f}")
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
