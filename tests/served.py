"""Run a baked service the way it runs in production: real processes on 127.0.0.1.

`serve` starts uvicorn on the baked app in a process of its own and stops it
with SIGTERM, as an orchestrator would (the baked tests' own `serve_process`);
`migrate` runs the Alembic command line; `create_database` makes a database
on a PostgreSQL server (the baked tests' own helper); `serve_with_a_database`
does all three.
"""

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import assert_succeeded, ports, postgres, python_tool, run, serving

# A served process: the baked tests' `ServedProcess` (url, process, output).
Served = Any


def create_database(server_url: str, template: str | None = None) -> str:
    """Create a database on the server, empty or a copy of `template`; return its URL."""
    name = postgres.unique_name("served")
    url: str = asyncio.run(postgres.create_database(server_url, name, template))
    return url


def service_environment(project: Path, **settings: str) -> dict[str, str]:
    """Environment variables for the baked service: its settings, and its source on the path."""
    return {"PYTHONPATH": str(project / "src"), **{name.upper(): v for name, v in settings.items()}}


def migrate(project: Path, env: dict[str, str]) -> None:
    assert_succeeded(run(python_tool("alembic", "upgrade", "head"), cwd=project, env=env))


@contextmanager
def serve(
    project: Path,
    env: dict[str, str],
    package: str = "my_service",
    workers: int = 1,
    options: Sequence[str] = (),
) -> Iterator[Served]:
    """Serve the baked app with uvicorn until the block ends, then stop it with
    SIGTERM. `options` are more of uvicorn's command-line options."""
    # Only these variables: nothing of this process's environment leaks into the service.
    environment = {**service_environment(project), **env, "PYTHONDONTWRITEBYTECODE": "1"}
    with serving.serve_process(
        f"{package}.main:app",
        cwd=project,
        env=environment,
        options=[
            *("--no-access-log", "--timeout-graceful-shutdown", "10"),
            *(("--workers", str(workers)) if workers > 1 else ()),
            *options,
        ],
    ) as served:
        yield served


@contextmanager
def serve_with_a_database(project: Path, postgres_server: str) -> Iterator[Served]:
    """A project with PostgreSQL and the HTTP client, served on a database of its own,
    migrated. Its upstream is an address where nothing listens: for tests that never
    call it (the docs, the items)."""
    env = service_environment(
        project,
        database_url=create_database(postgres_server),
        upstream_base_url=f"http://127.0.0.1:{ports.free_port()}",
    )
    migrate(project, env)
    with serve(project, env) as served:
        yield served
