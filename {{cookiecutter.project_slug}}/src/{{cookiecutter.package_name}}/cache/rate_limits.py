"""Rate limits per client and group of routes, shared by every replica through Redis.

Each client has a bucket per group (the longest configured path prefix that
matches). The bucket is a GCRA, the token bucket written as one timestamp:
the time at which the bucket would be full again. One Lua script reads and
moves it atomically, on Redis' own clock, so any number of replicas count
against one limit, in one round trip.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.cache.client import Redis, RedisUnavailableError
from {{ cookiecutter.package_name }}.cache.routes import matching_route
from {{ cookiecutter.package_name }}.cache.settings import CacheSettings, RateLimit

# KEYS[1]: the bucket. ARGV[1]: microseconds per request at the sustained
# rate; ARGV[2]: the burst (the limit). Returns allowed (1 or 0), the requests
# left, microseconds until the next would be allowed, and until the bucket is full.
TAKE_ONE = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local full_at = tonumber(redis.call('GET', KEYS[1])) or now
if full_at < now then full_at = now end
local next_full_at = full_at + interval
local allowed_from = next_full_at - burst * interval
if now < allowed_from then
    return {0, 0, math.ceil(allowed_from - now), math.ceil(full_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.0f', next_full_at),
           'PX', math.ceil((next_full_at - now) / 1000))
return {1, math.floor((now - allowed_from) / interval), 0, math.ceil(next_full_at - now)}
"""


def client_key(scope: Scope) -> str:
    """Whom a request counts against: {% if cookiecutter.auth == "oidc" %}the token's subject once auth/callers.py has
    named the caller (`request.state.principal`), else {% endif %}the client's address, which the
    server took from the proxy headers it trusts (FORWARDED_ALLOW_IPS)."""
{%- if cookiecutter.auth == "oidc" %}
    principal = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"subject:{principal.subject}"
{%- endif %}
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: RateLimit
    remaining: int
    retry_after: float  # seconds
    reset: float  # seconds until the bucket is full again

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit.requests).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(self.reset)).encode()),
            (b"ratelimit-policy", f"{self.limit.requests};w={self.limit.per_seconds:g}".encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(max(1, math.ceil(self.retry_after))).encode()))
        return headers


class RateLimiter:
    """The limits of the settings, counted in Redis; `request.state.rate_limiter` holds it."""

    def __init__(self, redis: Redis, settings: CacheSettings) -> None:
        self.redis = redis
        self.take_one = redis.client.register_script(TAKE_ONE)
        # Longest prefix first: the most specific group applies.
        self.groups = sorted(settings.rate_limits.items(), key=lambda group: -len(group[0]))
        self.exempt = tuple(settings.rate_limit_exempt)
        self.fail_open = settings.rate_limit_fail_open
        self.retry_interval = settings.redis_retry_interval
        # Requests limited (429), or let through or refused because Redis could not be asked.
        self.outcomes = Counter[str]()

    def group_of(self, path: str) -> tuple[str, RateLimit] | None:
        if any(is_under(path, prefix) for prefix in self.exempt):
            return None
        return next(((p, limit) for p, limit in self.groups if is_under(path, p)), None)

    async def take(self, group: str, limit: RateLimit, client: str) -> Verdict:
        """Count one request of `client` in `group`; raises RedisUnavailableError."""
        key = f"{self.redis.key_prefix}ratelimit:{group}:{client}"
        interval = limit.per_seconds * 1_000_000 / limit.requests
        allowed, remaining, retry_us, reset_us = await self.redis.call(
            "rate limit", lambda: self.take_one(keys=[key], args=[interval, limit.requests])
        )
        return Verdict(bool(allowed), limit, remaining, retry_us / 1e6, reset_us / 1e6)


def is_under(path: str, prefix: str) -> bool:
    """`/items` covers `/items` and `/items/3`, not `/itemsets`; `/` covers everything."""
    return path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/")


class RateLimitMiddleware:
    """Answer 429 to a client over its group's limit; add `RateLimit-*` headers to the others.

    With Redis down, requests pass unlimited (counted in `outcomes`, logged by
    the outage), or are answered 503 when `RATE_LIMIT_FAIL_OPEN=false`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limiter: RateLimiter = scope["state"]["rate_limiter"]
        group = limiter.group_of(scope["path"])
        if group is None:
            await self.app(scope, receive, send)
            return
        try:
            verdict = await limiter.take(*group, client_key(scope))
        except RedisUnavailableError:
            scope["route"] = matching_route(scope)  # as the router would (routes.py)
            if limiter.fail_open:
                limiter.outcomes["failed_open"] += 1
                await self.app(scope, receive, send)
            else:
                limiter.outcomes["failed_closed"] += 1
                await answer(
                    send,
                    503,
                    "rate limiter unavailable, try again later",
                    [(b"retry-after", str(math.ceil(limiter.retry_interval)).encode())],
                )
            return
        if not verdict.allowed:
            scope["route"] = matching_route(scope)
            limiter.outcomes["limited"] += 1
            await answer(send, 429, "too many requests, see Retry-After", verdict.headers())
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *verdict.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
