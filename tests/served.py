"""Run a baked service the way it runs in production: real processes on 127.0.0.1.

`serve` starts uvicorn on the baked app in a process of its own and stops it
with SIGTERM, as an orchestrator would; `migrate` runs the Alembic command
line; `create_database` makes an empty database on a PostgreSQL server.
"""

import asyncio
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tests.conftest import assert_succeeded, postgres_cluster, python_tool, run


def create_database(server_url: str, template: str | None = None) -> str:
    """Create a database on the server, empty or a copy of `template`; return its URL."""
    name = f"served_{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""

    async def create() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"{copy_of}')
        finally:
            await connection.close()

    asyncio.run(create())
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def service_environment(project: Path, **settings: str) -> dict[str, str]:
    """Environment variables for the baked service: its settings, and its source on the path."""
    return {"PYTHONPATH": str(project / "src"), **{name.upper(): v for name, v in settings.items()}}


def migrate(project: Path, env: dict[str, str]) -> None:
    assert_succeeded(run(python_tool("alembic", "upgrade", "head"), cwd=project, env=env))


@dataclass
class Served:
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
def serve(project: Path, env: dict[str, str], package: str = "my_service") -> Iterator[Served]:
    """Serve the baked app with uvicorn until the block ends, then stop it with SIGTERM.

    Its output is read as it comes: once a pipe nobody reads is full, the
    service's next log line would block it, and with it every request.
    """
    port = postgres_cluster.free_port()
    app = f"{package}.main:app"
    options = ["--no-access-log", "--timeout-graceful-shutdown", "10"]
    command = python_tool("uvicorn", app, "--host", "127.0.0.1", "--port", str(port), *options)
    process = subprocess.Popen(
        command,
        cwd=project,
        env={**service_environment(project), **env, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(url=f"http://127.0.0.1:{port}", process=process)
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


def wait_until_serving(served: Served, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError("the service exited at start-up")
        try:
            if httpx.get(f"{served.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"the service did not answer /health within {timeout} s")
