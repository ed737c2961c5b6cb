"""Redis' fixtures: a real server for the whole run, and keys of its own for every test.

One throwaway `redis-server` is started by the process that runs pytest,
before pytest-xdist starts its workers, which inherit its URL in
TEST_REDIS_URL (or the server TEST_REDIS_URL names is used). Every test gets
a key prefix of its own, so tests never see each other's keys.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from typing import Any

import pytest

from tests.support.redis import RedisServer, RedisUnavailableError, running_redis

REQUIRED_ENVIRONMENT = {"REDIS_URL": "redis://cache.internal:6379/0"}
HOW_TO_PROVIDE_REDIS = (
    "These tests need a real Redis. Either set TEST_REDIS_URL to a server they may "
    "write to (redis://HOST:PORT/DB), or install redis-server so that the tests can "
    "start a throwaway server themselves."
)
SERVER_OF_THE_RUN = pytest.StashKey[ExitStack]()


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("TEST_REDIS_URL") or hasattr(config, "workerinput"):
        return
    servers = ExitStack()
    with suppress(RedisUnavailableError):  # the fixture below says why
        os.environ["TEST_REDIS_URL"] = servers.enter_context(running_redis()).url
        config.stash[SERVER_OF_THE_RUN] = servers


def pytest_unconfigure(config: pytest.Config) -> None:
    if servers := config.stash.get(SERVER_OF_THE_RUN, None):
        os.environ.pop("TEST_REDIS_URL", None)
        servers.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    try:
        with running_redis() as server:
            yield server.url
    except RedisUnavailableError as exc:
        pytest.fail(f"{exc}\n{HOW_TO_PROVIDE_REDIS}", pytrace=False)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A Redis server for this test alone, which it may kill and start again."""
    try:
        with running_redis() as server:
            yield server
    except RedisUnavailableError as exc:
        pytest.fail(f"{exc}\n{HOW_TO_PROVIDE_REDIS}", pytrace=False)


@pytest.fixture
def cache_settings(redis_url: str) -> dict[str, Any]:
    return {
        "redis_url": redis_url,
        "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
        # Generous for busy test machines; the fault tests set their own.
        "redis_timeout": 2.0,
        # The tests' clients all come from one address: no limit unless a test sets one.
        "rate_limits": {},
    }
