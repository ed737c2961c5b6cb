{%- if cookiecutter.database == "postgresql" -%}
import socket
import time
from collections.abc import Iterator

import pytest
{% endif -%}
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support.serving import client_for


async def test_readiness_is_503_when_the_database_is_unreachable(
    settings: Settings, unreachable_database_url: str
) -> None:
    unreachable = settings.model_copy(update={"database_url": SecretStr(unreachable_database_url)})

    async with client_for(create_app(unreachable)) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["detail"].startswith("database unreachable")
    assert body["checks"]["database"].startswith("unreachable")
{%- if cookiecutter.database == "postgresql" %}


@pytest.fixture
def silent_server_port() -> Iterator[int]:
    """A port that accepts connections and then never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


async def test_readiness_gives_up_after_its_timeout(
    settings: Settings, silent_server_port: int
) -> None:
    silent = settings.model_copy(
        update={
            "database_url": SecretStr(
                f"postgresql+asyncpg://postgres@127.0.0.1:{silent_server_port}/silent"
            ),
            "health_check_timeout": 0.3,
        }
    )

    async with client_for(create_app(silent)) as client:
        started = time.perf_counter()
        response = await client.get("/health/ready")
        elapsed = time.perf_counter() - started

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "no answer within 0.3 s"
    assert elapsed < settings.database_pool_timeout  # the health timeout, not the pool's, won
{%- endif %}
