"""A baked service runs as the README says: migrations from the command line, then
uvicorn on `<package>.main:app`, against real PostgreSQL and a real upstream."""

import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Bake, upstream_server
from tests.options import Options
from tests.served import create_database, migrate, serve, service_environment


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with upstream_server.UpstreamServer().running() as server:
        yield server


def test_the_service_serves_and_stops_cleanly(
    bake: Bake, postgres_server: str, upstream: Any
) -> None:
    project = bake(Options("postgresql", "yes"))
    env = service_environment(
        project, database_url=create_database(postgres_server), upstream_base_url=upstream.url
    )
    migrate(project, env)
    migrate(project, env)  # a second run finds nothing to do

    with serve(project, env) as served:
        ready = httpx.get(f"{served.url}/health/ready")
        created = httpx.post(f"{served.url}/items", json={"name": "lamp"})
        read = httpx.get(f"{served.url}/items/{created.json()['id']}")
        relayed = httpx.get(f"{served.url}/upstream/things", params={"page": "2"})

    assert ready.status_code == 200
    assert created.status_code == 201
    assert read.json() == created.json()
    assert relayed.json() == {"path": "/things", "query": "page=2"}
    # uvicorn shuts down gracefully on SIGTERM, then exits by that same signal.
    assert served.process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in served.output
    assert "Traceback" not in served.output
    assert "ERROR" not in served.output


def test_a_missing_setting_stops_the_service_with_its_name(bake: Bake) -> None:
    project = bake(Options("postgresql", "yes"))
    env = service_environment(project, upstream_base_url="http://127.0.0.1:9")

    with pytest.raises(AssertionError, match="DATABASE_URL: Field required"), serve(project, env):
        pass
