"""The read-through cache of `GET /items/{id}`, which never answers a read with a value
older than a write acknowledged before the read began.

Each item has a hash in Redis holding a version, bumped by every write, and
the cached body with the version it was read at. A read looks both up in one
call and answers from the cache only when they agree. On a miss it notes the
version, reads the database, and stores the body only if the version is still
the one it noted (one atomic script): a write that committed meanwhile has
bumped it, so a slow reader can never store the old value over the new one.
A write bumps the version after its commit and before its answer leaves.

What cannot be bumped (Redis down or too slow during a write) starts a new
epoch, part of every key, as soon as Redis answers again: everything cached
before is then ignored. README.md, "Redis: the cache and the rate limits",
walks through the races.
"""

import re
import time
from contextlib import suppress
from dataclasses import dataclass

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.cache.client import Redis, RedisUnavailableError
from {{ cookiecutter.package_name }}.cache.routes import matching_route
from {{ cookiecutter.package_name }}.timing import add_waiting

ITEM_PATH = re.compile(r"/items/([1-9][0-9]{0,9})")

# KEYS[1]: the epoch. ARGV[1]: the item's key prefix (before the epoch), ARGV[2]: its id.
# Returns the epoch, the version, and the body when it was read at that version.
LOOK_UP = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local item = ARGV[1] .. epoch .. ':' .. ARGV[2]
local found = redis.call('HMGET', item, 'version', 'body_version', 'body')
local version = found[1] or '0'
if found[3] and found[2] == version then return {epoch, version, found[3]} end
return {epoch, version}
"""
# KEYS[1]: the item's hash. ARGV: the version noted before reading, the body, the TTL in ms.
FILL = """
if (redis.call('HGET', KEYS[1], 'version') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'body_version', ARGV[1], 'body', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
# KEYS[1]: the epoch. ARGV: the item's key prefix, its id, the TTL in ms.
INVALIDATE = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local item = ARGV[1] .. epoch .. ':' .. ARGV[2]
redis.call('HINCRBY', item, 'version', 1)
redis.call('HDEL', item, 'body', 'body_version')
redis.call('PEXPIRE', item, ARGV[3])
return 1
"""


@dataclass(frozen=True)
class Lookup:
    item_key: str
    version: bytes
    body: bytes | None
    started: float  # time.monotonic()


class ItemCache:
    """The items' entries in Redis; `request.state.item_cache` holds it."""

    def __init__(self, redis: Redis, ttl_seconds: float) -> None:
        self.redis = redis
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.ttl_seconds = ttl_seconds
        self.epoch_key = f"{redis.key_prefix}items:epoch"
        self.item_prefix = f"{redis.key_prefix}items:"
        self.look_up_script = redis.client.register_script(LOOK_UP)
        self.fill_script = redis.client.register_script(FILL)
        self.invalidate_script = redis.client.register_script(INVALIDATE)
        # The outages (and failed invalidations) already covered by a new epoch.
        self.epoch_covers = 0
        self.invalidations_failed = 0

    async def look_up(self, item_id: str) -> Lookup:
        await self.start_epoch_if_needed()
        started = time.monotonic()
        epoch, version, *body = await self.redis.call(
            "cache read",
            lambda: self.look_up_script(keys=[self.epoch_key], args=[self.item_prefix, item_id]),
        )
        item_key = f"{self.item_prefix}{epoch.decode()}:{item_id}"
        return Lookup(item_key, version, body[0] if body else None, started)

    async def fill(self, lookup: Lookup, body: bytes) -> None:
        # Past the TTL, the version noted may have expired with its hash and
        # restarted at 0: a fill that slow could match it with an old body.
        if time.monotonic() - lookup.started >= self.ttl_seconds:
            return
        await self.redis.call(
            "cache fill",
            lambda: self.fill_script(
                keys=[lookup.item_key], args=[lookup.version, body, self.ttl_ms]
            ),
        )

    async def invalidate(self, item_id: str) -> None:
        try:
            await self.redis.call(
                "cache invalidation",
                lambda: self.invalidate_script(
                    keys=[self.epoch_key], args=[self.item_prefix, item_id, self.ttl_ms]
                ),
            )
        except RedisUnavailableError:
            # The write stands; what Redis holds of the item may not. Until a
            # new epoch is started, no read trusts the cache.
            self.invalidations_failed += 1
            raise

    async def start_epoch_if_needed(self) -> None:
        """After an outage or a failed invalidation, move every key to a new epoch first:
        Redis may hold values older than writes it never heard of (or, restarted
        from a snapshot, versions older than ones it had)."""
        seen = self.redis.outage.count + self.invalidations_failed
        if seen == self.epoch_covers:
            return
        await self.redis.call("new cache epoch", lambda: self.redis.client.incr(self.epoch_key))
        self.epoch_covers = seen


class ItemCacheMiddleware:
    """Answers `GET /items/{id}` from the cache, fills it on a miss, invalidates on writes.

    It sits around the items' routes, which stay as they are. `Server-Timing`
    gains `cache;desc=hit`, `miss` or `bypass` (Redis down: the database answers);
    the time spent on Redis is in its `redis` entry.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route: BaseRoute | None = None

    def read_route(self, scope: Scope) -> BaseRoute | None:
        """The app's route for `GET /items/{item_id}`, found once."""
        if self.route is None:
            self.route = matching_route(scope)
        return self.route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = ITEM_PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
        elif scope["method"] == "GET":
            await self.read_through(scope, receive, send, match.group(1))
        elif scope["method"] in ("PATCH", "DELETE"):
            await self.invalidate_after_write(scope, receive, send, match.group(1))
        else:
            await self.app(scope, receive, send)

    async def read_through(self, scope: Scope, receive: Receive, send: Send, item_id: str) -> None:
        cache: ItemCache = scope["state"]["item_cache"]
        try:
            lookup = await cache.look_up(item_id)
        except RedisUnavailableError:
            add_waiting("cache;desc=bypass", 0.0)
            await self.app(scope, receive, send)
            return
        if lookup.body is not None:
            add_waiting("cache;desc=hit", 0.0)
            scope["route"] = self.read_route(scope)  # as the router would (routes.py)
            await send_json(send, lookup.body)
            return
        add_waiting("cache;desc=miss", 0.0)
        status, chunks = 0, []

        async def send_and_keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, send_and_keep)
        if status == 200:
            with suppress(RedisUnavailableError):  # the next read fills it
                await cache.fill(lookup, b"".join(chunks))

    async def invalidate_after_write(
        self, scope: Scope, receive: Receive, send: Send, item_id: str
    ) -> None:
        cache: ItemCache = scope["state"]["item_cache"]
        invalidated = False

        async def invalidate() -> None:
            nonlocal invalidated
            invalidated = True
            # On failure, a new epoch is started before the cache is read again.
            with suppress(RedisUnavailableError):
                await cache.invalidate(item_id)

        async def send_once_invalidated(message: Message) -> None:
            # Before the answer leaves: once the client knows of the write, no
            # read may find the old value. A 4xx wrote nothing.
            if message["type"] == "http.response.start" and not 400 <= message["status"] < 500:
                await invalidate()
            await send(message)

        try:
            await self.app(scope, receive, send_once_invalidated)
        except Exception:
            if not invalidated:  # the commit may have happened before the failure
                await invalidate()
            raise


async def send_json(send: Send, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
