"""The upstream the relays call: raw ASGI, answers every GET after a fixed latency.

No framework, no routing: the stub must cost as little CPU as possible, so
that what a relay benchmark measures is the relay. The benchmark checks that
the stub serves at least 1.5 times what any relay asks of it.
"""

import asyncio
import json
import os

from starlette.types import Receive, Scope, Send

LATENCY_SECONDS = float(os.environ.get("STUB_LATENCY_SECONDS", "0.05"))
BODY = json.dumps({"status": "ok", "source": "upstream stub"}).encode()
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await answer_lifespan(receive, send)
        return
    await asyncio.sleep(LATENCY_SECONDS)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


async def answer_lifespan(receive: Receive, send: Send) -> None:
    """Nothing to open or close: acknowledge start-up and shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
