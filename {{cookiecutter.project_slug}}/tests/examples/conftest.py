"""Fixtures of the examples' tests: settings sized for tests, and a real server.

The WebSocket tests need a real client on a real socket, so `server_url`
serves the app with uvicorn on 127.0.0.1, on the tests' own event loop.
"""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.settings import Settings
from tests.support.serving import served_on_a_port

# What the examples' tests change from the defaults.
EXAMPLES_SETTINGS = {
    "examples_room_max_clients": 2,
    "examples_message_max_bytes": 20_000,
    "examples_room_send_timeout": 0.5,
    "examples_cpu_workers": 1,
    "examples_primes_max_below": 10_000_000,
{%- if cookiecutter.http_client == "yes" %}
    "examples_fanout_call_timeout": 0.5,
{%- endif %}
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update=EXAMPLES_SETTINGS)


@pytest.fixture
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1, lifespan included."""
    async with served_on_a_port(app) as url:
        yield url
