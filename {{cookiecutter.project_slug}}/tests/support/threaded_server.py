"""An ASGI app served by uvicorn on a thread of its own: the tests' real servers.

The thread has its own event loop, so the server answers whatever the test's
loop is doing. It listens on 127.0.0.1 only.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from .ports import listening_socket
from .waiting import wait_until


@contextmanager
def serving_in_a_thread(app: ASGIApp, what: str, port: int = 0, **options: Any) -> Iterator[str]:
    """Serve `app` on `port` of 127.0.0.1 (a free one by default) until the block
    ends, and yield its URL. `what` names the server in errors; `options` go to
    `uvicorn.Config`."""
    listener = listening_socket(port)
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="off", ws="none", log_level="warning", loop="asyncio", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_until(f"{what} to start", lambda: server.started or not thread.is_alive())
        if not server.started:
            raise RuntimeError(f"{what} failed to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
