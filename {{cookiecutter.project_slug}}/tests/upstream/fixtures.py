"""The upstream's fixtures: a real HTTP server on 127.0.0.1 for the relay to call."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.upstream_server import UpstreamServer

REQUIRED_ENVIRONMENT = {"UPSTREAM_BASE_URL": "http://upstream.internal:8080/api"}
ROUTE_REQUESTS: dict[tuple[str, str], tuple[str, object]] = {
    ("GET", "/upstream/{path}"): ("/upstream/things", None),
}


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[UpstreamServer]:
    with UpstreamServer().running() as server:
        yield server


@pytest.fixture
def upstream(upstream_server: UpstreamServer) -> UpstreamServer:
    """The real upstream server, with its record of requests cleared for this test."""
    upstream_server.reset()
    return upstream_server


@pytest.fixture
def upstream_settings(upstream: UpstreamServer) -> dict[str, Any]:
    return {"upstream_base_url": upstream.url, "upstream_timeout": 2.0}
