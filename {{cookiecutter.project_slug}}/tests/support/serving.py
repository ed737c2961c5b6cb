"""Serving the app to the tests: in process, on a real port, or as a real process.

- `client_for`: an HTTP client that calls the app through ASGI, lifespan first,
  the way a server would; no socket.
- `served_on_a_port`: uvicorn serving the app on 127.0.0.1, on the test's own
  event loop, for clients that need a real socket (WebSockets).
- `serve_process`: uvicorn serving an app in a process of its own, stopped with
  SIGTERM as an orchestrator would; its output is read as it comes.
"""

import asyncio
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Receive, Scope, Send

from .ports import free_port, listening_socket
from .waiting import wait_until

# How long the app may take to start or to stop under a test. asgi-lifespan's
# default, 5 s, is less than a first start can take on a loaded machine
# (imports, the threads the lifespan waits for): under the guard stress a
# start timed out at 5 s. Each part of the lifespan bounds its own waits;
# this only ends a hang.
LIFESPAN_TIMEOUT = 60


def lifespan_of(app: ASGIApp) -> LifespanManager:
    """The app's lifespan, run as a server runs it, for `async with`; its
    `app` attribute hands the lifespan state to each request."""
    return LifespanManager(app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT)


@asynccontextmanager
async def client_for(
    app: ASGIApp, *, raise_app_exceptions: bool = True, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for `app`, with the app's lifespan running around it.

    Each request gets a copy of the lifespan state, as from a server (the
    ASGI spec: a shallow copy per request), so what one request leaves in its
    state no other sees.
    With `raise_app_exceptions=False` an unhandled error comes back as the 500
    response a real client would get. `headers` go with every request.
    """
    async with lifespan_of(state_copied_per_request(app)) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers
        ) as client:
            yield client


def state_copied_per_request(app: ASGIApp) -> ASGIApp:
    async def with_its_own_state(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan" and "state" in scope:
            scope = {**scope, "state": scope["state"].copy()}
        await app(scope, receive, send)

    return with_its_own_state


@asynccontextmanager
async def served_on_a_port(app: ASGIApp) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free port of 127.0.0.1, lifespan included; yields its URL."""
    listener = listening_socket()
    host, port = listener.getsockname()
    config = uvicorn.Config(app, lifespan="on", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # start-up failed: raise its error
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await serving
        listener.close()


def server_timing(response: httpx.Response) -> dict[str, float]:
    """The response's `Server-Timing` header as {name: milliseconds}."""
    entries = (entry.split(";dur=") for entry in response.headers["server-timing"].split(", "))
    return {name: float(milliseconds) for name, milliseconds in entries}


@dataclass
class ServedProcess:
    url: str
    process: "subprocess.Popen[str]"
    printed: list[str] = field(default_factory=list)  # its output so far, line by line
    reader: threading.Thread | None = None

    @property
    def output(self) -> str:
        return "".join(self.printed)

    def output_once_stopped(self, timeout: float = 30) -> str:
        """Everything it printed, waiting up to `timeout` seconds for it to stop printing."""
        if self.reader is not None:
            self.reader.join(timeout)
        return self.output


@contextmanager
def serve_process(
    app: str, *, cwd: Path, env: dict[str, str], options: Sequence[str] = ()
) -> Iterator[ServedProcess]:
    """Serve `app` (`module:attribute`) with uvicorn until the block ends, then SIGTERM it.

    Its output is read as it comes: once a pipe nobody reads is full, the
    service's next log line would block it, and with it every request.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *options],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = ServedProcess(url=f"http://127.0.0.1:{port}", process=process)
    served.reader = threading.Thread(target=read_all, args=(process, served.printed), daemon=True)
    served.reader.start()
    try:
        try:
            wait_until_serving(served)
        except AssertionError as failed:
            process.kill()
            raise AssertionError(f"{failed}; its output:\n{served.output_once_stopped()}") from None
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        served.output_once_stopped()


def read_all(process: "subprocess.Popen[str]", lines: list[str]) -> None:
    """Collect the process's output into `lines` until it closes its end."""
    assert process.stdout is not None
    with process.stdout:
        lines.extend(process.stdout)


def wait_until_serving(served: ServedProcess, timeout: float = 30) -> None:
    def serving() -> bool:
        if served.process.poll() is not None:
            raise AssertionError("the service exited at start-up")
        try:
            return httpx.get(f"{served.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(f"the service to answer {served.url}/health", serving, timeout)
