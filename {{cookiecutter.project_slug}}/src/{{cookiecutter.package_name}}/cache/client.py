"""The Redis client: created once in the lifespan, bounded, timed out, closed at shutdown.

Every call goes through `Redis.call`, which bounds it by `REDIS_TIMEOUT`
and turns any failure into `RedisUnavailableError`, for the caller to go
without Redis; `outage.py` decides when to try again.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from {{ cookiecutter.package_name }}.cache.outage import Outage
from {{ cookiecutter.package_name }}.cache.settings import CacheSettings
from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.timing import add_waiting

Result = TypeVar("Result")


class RedisUnavailableError(Exception):
    """Redis did not answer in time, or is taken as down: go without it."""


class Redis:
    """What requests need of Redis; `request.state.redis` holds it."""

    def __init__(self, client: redis.asyncio.Redis, settings: CacheSettings) -> None:
        self.client = client
        self.timeout = settings.redis_timeout
        self.key_prefix = settings.redis_key_prefix
        self.outage = Outage(settings.redis_retry_interval)

    async def call(self, what: str, command: Callable[[], Awaitable[Result]]) -> Result:
        """`command()`'s result, within the timeout, counted as the request's `redis` wait."""
        if not self.outage.allows_attempt:
            raise RedisUnavailableError("taken as down")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                result = await command()
        except (RedisError, OSError, TimeoutError) as error:
            self.outage.failed(what, error)
            raise RedisUnavailableError(type(error).__name__) from error
        finally:
            add_waiting("redis", time.perf_counter() - started)
        self.outage.succeeded()
        return result


def create_client(settings: CacheSettings) -> redis.asyncio.Redis:
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        settings.redis_url.get_secret_value(),
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_timeout,  # waiting for a free connection
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        # No retries inside the client: a failure must reach Redis.call at
        # once, so the outage is seen and the request goes on without Redis.
        retry=Retry(NoBackoff(), 0),
    )
    return redis.asyncio.Redis(connection_pool=pool)


@asynccontextmanager
async def open_redis(settings: CacheSettings) -> AsyncIterator[State]:
    """The client for as long as the service runs; a Redis down at start-up is no reason
    not to start (requests go without it until it is back)."""
    client = create_client(settings)
    try:
        yield {"redis": Redis(client, settings)}
    finally:
        await client.aclose()
        await client.connection_pool.disconnect()
