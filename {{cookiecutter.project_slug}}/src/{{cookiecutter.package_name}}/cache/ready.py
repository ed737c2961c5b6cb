"""Redis' readiness check: it answers PING.

Redis down is a reason not to be ready only when the rate limits fail closed:
otherwise the service works without it (requests unlimited, reads past the
cache), and taking every replica out of the load balancer would turn a
slower service into none. The outage is logged either way.
"""

from {{ cookiecutter.package_name }}.cache.client import Redis, RedisUnavailableError
from {{ cookiecutter.package_name }}.cache.rate_limits import RateLimiter
from {{ cookiecutter.package_name }}.errors import DependencyUnavailableError
from {{ cookiecutter.package_name }}.feature import State


async def redis_ready(state: State) -> None:
    redis: Redis = state["redis"]
    limiter: RateLimiter = state["rate_limiter"]
    try:
        await redis.call("readiness check", redis.client.ping)
    except RedisUnavailableError as error:
        if not limiter.fail_open:
            raise DependencyUnavailableError("redis", str(error)) from error
