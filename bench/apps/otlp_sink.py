"""Where the baked service sends its traces: accepts OTLP/HTTP exports and keeps nothing.

A collector's work is not the service's: answering 200 at once, with an empty
export response, leaves the service paying only for recording and sending.
"""

from starlette.types import Receive, Scope, Send

from apps.upstream_stub import answer_lifespan

# An empty ExportTraceServiceResponse: nothing was rejected.
HEADERS = [(b"content-type", b"application/x-protobuf"), (b"content-length", b"0")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await answer_lifespan(receive, send)
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b""})
