"""A real HTTP server on 127.0.0.1 for the relay tests, with no mock in between.

It runs uvicorn in a thread of its own, with its own event loop, and records
what it receives, so tests can check what reached it and how many requests
it was serving at once.

- `/slow?seconds=S` answers after S seconds, unless the client hangs up first;
- `/together?count=N&seconds=S` answers once N requests are in flight at
  once, or with 504 after S seconds: how a test proves its requests overlap;
- `/status/CODE` answers with that status;
- `/set-cookie` answers with a `Set-Cookie` header;
- any other path echoes the raw path, the query string and the `Cookie`
  header it received, as JSON.
"""

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send

from .threaded_server import serving_in_a_thread
from .waiting import wait_until


async def sleep_unless_disconnected(seconds: float, receive: Receive) -> None:
    """Sleep for `seconds`, or until the client hangs up (a caller that timed out).

    A request the caller gave up on then ends at once, and the next test need
    not wait for it to end (`UpstreamServer.reset`).
    """

    async def hung_up() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    waits = [asyncio.ensure_future(asyncio.sleep(seconds)), asyncio.ensure_future(hung_up())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


class UpstreamServer:
    def __init__(self) -> None:
        self.url = ""  # set while running
        self.received: list[str] = []  # raw path and query of every request
        self.headers: list[dict[str, str]] = []  # and its headers
        self.in_flight = 0
        self.peak_in_flight = 0
        self._together = asyncio.Event()  # set once `/together`'s count is in flight

    def reset(self) -> None:
        """Forget earlier requests, after those still being worked on are done."""
        wait_until("the upstream's requests to finish", lambda: not self.in_flight)
        self.received.clear()
        self.headers.clear()
        self.peak_in_flight = 0
        self._together = asyncio.Event()

    async def all_in_flight(self, count: int, seconds: float) -> bool:
        """Wait until `count` requests are in flight at once; False if not within `seconds`."""
        if self.in_flight >= count:
            self._together.set()
        try:
            await asyncio.wait_for(self._together.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        path: str = scope["path"]
        query: bytes = scope["query_string"]
        self.received.append(scope["raw_path"].decode() + ("?" + query.decode() if query else ""))
        self.headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        # Counted from arrival until the answer is ready, and no longer: the
        # client cannot have the answer (and send its next request) before
        # this request stops counting.
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            status = 200
            if path == "/slow":
                seconds = float(parse_qs(query.decode())["seconds"][0])
                await sleep_unless_disconnected(seconds, receive)
            elif path == "/together":
                asked = parse_qs(query.decode())
                count, seconds = int(asked["count"][0]), float(asked["seconds"][0])
                status = 200 if await self.all_in_flight(count, seconds) else 504
            elif path.startswith("/status/"):
                status = int(path.removeprefix("/status/"))
        finally:
            self.in_flight -= 1
        cookie = dict(scope["headers"]).get(b"cookie", b"").decode()
        echo = {"path": scope["raw_path"].decode(), "query": query.decode()}
        body = json.dumps({**echo, "cookie": cookie} if cookie else echo)
        headers = [(b"content-type", b"application/json")]
        if path == "/set-cookie":
            headers.append((b"set-cookie", b"session=someone-else; Path=/"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    @contextmanager
    def running(self, **options: Any) -> Iterator["UpstreamServer"]:
        """Serve on a free port of 127.0.0.1 until the block ends; `url` says where.
        `options` go to `uvicorn.Config`."""
        options = {"backlog": 1024, **options}
        with serving_in_a_thread(self, "the upstream test server", **options) as url:
            self.url = url
            yield self
