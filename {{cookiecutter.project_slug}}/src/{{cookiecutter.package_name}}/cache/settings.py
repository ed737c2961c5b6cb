"""Where Redis is, how long the service waits for it, and how it is used."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import BaseSettings


def _is_redis_url(url: SecretStr) -> SecretStr:
    if urlsplit(url.get_secret_value()).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return url


class RateLimit(BaseModel):
    """At most `requests` per `per_seconds` for each client, with bursts up to `requests`."""

    requests: PositiveInt
    per_seconds: PositiveFloat


class CacheSettings(BaseSettings):
    # Required: redis://[:password@]host:port/db (rediss:// for TLS).
    redis_url: Annotated[SecretStr, AfterValidator(_is_redis_url)]
    # Connections the service keeps to Redis; a request waits for a free one
    # no longer than REDIS_TIMEOUT.
    redis_max_connections: PositiveInt = 50
    # Seconds for any call to Redis, connecting and waiting for a connection
    # included: no request waits longer on Redis than this.
    redis_timeout: PositiveFloat = 0.5
    # After a failed call, Redis is left alone this many seconds (requests go
    # without it), and a Redis that stays down is logged once per interval.
    redis_retry_interval: PositiveFloat = 1.0
    # Put before every key, to share one Redis between services.
    redis_key_prefix: str = ""
{%- if cookiecutter.database != "none" %}
    # Seconds a cached item lives; writes invalidate it before they answer.
    cache_ttl_seconds: PositiveFloat = 60.0
{%- endif %}
    # Limits by path prefix (the longest matching prefix applies), per client.
    rate_limits: dict[str, RateLimit] = {"/": RateLimit(requests=600, per_seconds=60)}
    # Path prefixes that are never limited: the probes of the orchestrator.
    rate_limit_exempt: list[str] = ["/health"]
    # With Redis down: let requests through (logged and counted), or answer 503.
    rate_limit_fail_open: bool = True
