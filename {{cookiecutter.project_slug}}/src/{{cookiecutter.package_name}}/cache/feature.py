"""Redis as a feature: its settings, its client, and what uses it (rate limits, caches)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.middleware import Middleware

from {{ cookiecutter.package_name }}.cache.client import open_redis
{%- if cookiecutter.database != "none" %}
from {{ cookiecutter.package_name }}.cache.items import ItemCache, ItemCacheMiddleware
{%- endif %}
from {{ cookiecutter.package_name }}.cache.rate_limits import RateLimiter, RateLimitMiddleware
from {{ cookiecutter.package_name }}.cache.ready import redis_ready
from {{ cookiecutter.package_name }}.cache.settings import CacheSettings
from {{ cookiecutter.package_name }}.feature import Feature, State

__all__ = ["FEATURE", "CacheSettings"]


@asynccontextmanager
async def open_cache(settings: CacheSettings) -> AsyncIterator[State]:
    async with open_redis(settings) as state:
        redis = state["redis"]
        yield {
            **state,
            "rate_limiter": RateLimiter(redis, settings),
{%- if cookiecutter.database != "none" %}
            "item_cache": ItemCache(redis, settings.cache_ttl_seconds),
{%- endif %}
        }


FEATURE = Feature(
    name="cache",
    lifespan=open_cache,
    ready=redis_ready,
    middleware=(
        # The limits first: a refused request costs no cache look-up.
        Middleware(RateLimitMiddleware),
{%- if cookiecutter.database != "none" %}
        Middleware(ItemCacheMiddleware),
{%- endif %}
    ),
)
