"""The read-through cache of item reads, against a real Redis and database: hits and
misses, invalidation by writes, no stale read under concurrency, and Redis failing."""

import asyncio
import random
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.cache.client import open_redis
from {{ cookiecutter.package_name }}.cache.items import ItemCache
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support.redis import RedisServer
from tests.support.serving import client_for, server_timing
from tests.support.waiting import wait_for


async def create(client: httpx.AsyncClient, name: str) -> int:
    response = await client.post("/items", json={"name": name})
    assert response.status_code == 201, response.text
    item_id: int = response.json()["id"]
    return item_id


def cache_outcome(response: httpx.Response) -> str:
    """`hit`, `miss` or `bypass`, from the response's Server-Timing."""
    (entry,) = [name for name in server_timing(response) if name.startswith("cache;")]
    return entry.removeprefix("cache;desc=")


async def test_a_read_fills_the_cache_and_the_next_is_a_hit(client: httpx.AsyncClient) -> None:
    item_id = await create(client, "lamp")

    first, second = await client.get(f"/items/{item_id}"), await client.get(f"/items/{item_id}")

    assert (cache_outcome(first), cache_outcome(second)) == ("miss", "hit")
    assert second.json() == first.json() == {"id": item_id, "name": "lamp", "description": None}
    assert second.headers["content-type"] == "application/json"
    assert "db" in server_timing(first)
    assert "db" not in server_timing(second)


async def test_a_hit_is_named_by_its_route_like_any_read(
    app: FastAPI, client_headers: dict[str, str]
) -> None:
    """Whatever names requests by route (the request metrics) sees the route template."""
    routes: list[str | None] = []

    async def noting_routes(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "GET":
            routes.append(getattr(scope.get("route"), "path", None))

    async with client_for(noting_routes, headers=client_headers) as client:
        item_id = await create(client, "lamp")
        await client.get(f"/items/{item_id}")
        assert cache_outcome(await client.get(f"/items/{item_id}")) == "hit"

    assert routes == ["/items/{item_id}", "/items/{item_id}"]


async def test_updates_and_deletes_are_read_at_once(client: httpx.AsyncClient) -> None:
    item_id = await create(client, "lamp")
    await client.get(f"/items/{item_id}")  # cached

    patched = await client.patch(f"/items/{item_id}", json={"name": "brass lamp"})
    after_patch = await client.get(f"/items/{item_id}")
    await client.delete(f"/items/{item_id}")
    after_delete = await client.get(f"/items/{item_id}")

    assert patched.status_code == 200
    assert (after_patch.json()["name"], cache_outcome(after_patch)) == ("brass lamp", "miss")
    assert after_delete.status_code == 404
    assert cache_outcome(await client.get(f"/items/{item_id}")) == "miss"  # 404s are not kept


async def test_a_slow_reader_never_stores_a_value_older_than_a_write(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """The race itself, step by step: a reader misses and reads the old row; a write
    commits and answers; the reader then offers the old row: it is refused."""
    item_id = await create(client, "old")
    async with open_redis(settings) as state:
        slow_reader = ItemCache(state["redis"], settings.cache_ttl_seconds)
        missed = await slow_reader.look_up(str(item_id))
        old_body = (await client.get(f"/items/{item_id}")).content
        await client.patch(f"/items/{item_id}", json={"name": "new"})

        await slow_reader.fill(missed, old_body)  # at last

    assert missed.body is None
    assert b'"old"' in old_body
    assert (await client.get(f"/items/{item_id}")).json()["name"] == "new"


async def test_a_write_redis_never_heard_of_is_not_hidden_by_the_cache(
    settings: Settings, redis_server: RedisServer, client_headers: dict[str, str]
) -> None:
    """Redis frozen (it keeps its data), a write answers without invalidating; once
    Redis is back, the old cached value is never served: a new epoch starts first."""
    fragile = with_updates(
        settings, redis_url=redis_server.url, redis_timeout=0.3, redis_retry_interval=0.2
    )
    async with client_for(create_app(fragile), headers=client_headers) as client:
        item_id = await create(client, "old")
        await client.get(f"/items/{item_id}")
        assert cache_outcome(await client.get(f"/items/{item_id}")) == "hit"

        redis_server.freeze()
        try:
            during = await client.get(f"/items/{item_id}")
            patched = await client.patch(f"/items/{item_id}", json={"name": "new"})
        finally:
            redis_server.thaw()
        await asyncio.sleep(0.3)  # past the retry interval
        after = await client.get(f"/items/{item_id}")

    assert (during.status_code, cache_outcome(during)) == (200, "bypass")
    assert patched.status_code == 200
    assert (after.json()["name"], cache_outcome(after)) == ("new", "miss")


def with_updates(settings: Settings, **update: object) -> Settings:
    return Settings.model_validate(settings.model_dump() | update)


class Reads:
    """What readers saw: stale values, answers by status, cache outcomes."""

    def __init__(self) -> None:
        self.stale: list[str] = []
        self.statuses: dict[int, int] = {}
        self.outcomes: dict[str, int] = {}

    def saw(self, item_id: int, response: httpx.Response, acknowledged: int) -> None:
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        outcome = cache_outcome(response)
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if response.status_code == 200 and int(response.json()["description"]) < acknowledged:
            self.stale.append(
                f"item {item_id}: read {response.json()['description']}, "
                f"after write {acknowledged} was acknowledged ({outcome})"
            )


async def read_and_write(
    client: httpx.AsyncClient,
    acknowledged: dict[int, int],
    readers_per_item: int,
    writes: int,
    reads: Reads,
    until: asyncio.Event | None = None,
) -> None:
    """One writer per item, writing ever larger numbers into its description (`writes`
    times, or until `until` is set), and readers that check each read against the last
    write acknowledged before the read began; `acknowledged` holds that, by item id."""
    writing = dict.fromkeys(acknowledged, True)

    async def write(item_id: int) -> None:
        number, last = acknowledged[item_id], acknowledged[item_id] + writes
        while number < last if until is None else not until.is_set():
            number += 1
            answer = await client.patch(f"/items/{item_id}", json={"description": str(number)})
            assert answer.status_code == 200, answer.text
            acknowledged[item_id] = number
            await asyncio.sleep(random.random() * 0.01)
        writing[item_id] = False

    async def read(item_id: int) -> None:
        while writing[item_id]:
            before = acknowledged[item_id]
            reads.saw(item_id, await client.get(f"/items/{item_id}"), before)

    async with asyncio.TaskGroup() as group:
        for item_id in acknowledged:
            group.create_task(write(item_id))
            for _ in range(readers_per_item):
                group.create_task(read(item_id))


async def test_no_read_is_stale_with_200_concurrent_readers_and_writers(
    settings: Settings, client_headers: dict[str, str]
) -> None:
    patient = with_updates(settings, database_pool_timeout=60.0)
    reads = Reads()
    async with client_for(create_app(patient), headers=client_headers) as client:
        ids = [await create(client, f"item {number}") for number in range(20)]
        for item_id in ids:
            await client.patch(f"/items/{item_id}", json={"description": "0"})
        acknowledged = dict.fromkeys(ids, 0)
        for _round in range(8):  # 20 writers and 180 readers at once, each round
            await read_and_write(client, acknowledged, 9, writes=2, reads=reads)

    assert reads.stale == []
    assert set(reads.statuses) == {200}
    assert reads.outcomes.get("hit", 0) > 0, reads.outcomes
    assert reads.outcomes.get("miss", 0) > 0, reads.outcomes


async def test_a_write_invalidates_before_its_answer_leaves(
    settings: Settings, client_headers: dict[str, str]
) -> None:
    """At the moment the answer to a PATCH or DELETE starts, the cached item is gone."""
    app = create_app(settings)
    found_when_answered: list[bytes | None] = []
    async with open_redis(settings) as state:
        observer = ItemCache(state["redis"], settings.cache_ttl_seconds)

        async def watching(scope: Scope, receive: Receive, send: Send) -> None:
            async def send_watched(message: Message) -> None:
                if message["type"] == "http.response.start" and scope["method"] != "GET":
                    item_id = scope["path"].rsplit("/", 1)[-1]
                    found_when_answered.append((await observer.look_up(item_id)).body)
                await send(message)

            await app(scope, receive, send_watched)

        async with client_for(watching, headers=client_headers) as client:
            item_id = await create(client, "lamp")
            found_when_answered.clear()
            path = f"/items/{item_id}"
            writes: list[Callable[[], Awaitable[httpx.Response]]] = [
                lambda: client.patch(path, json={"name": "new"}),
                lambda: client.delete(path),
            ]
            for write in writes:
                await client.get(f"/items/{item_id}")
                assert cache_outcome(await client.get(f"/items/{item_id}")) == "hit"
                assert (await write()).status_code in (200, 204)

    assert found_when_answered == [None, None]


async def test_redis_killed_under_load_costs_no_error_and_no_stale_read(
    settings: Settings, redis_server: RedisServer, client_headers: dict[str, str]
) -> None:
    fragile = with_updates(
        settings,
        redis_url=redis_server.url,
        redis_retry_interval=0.2,
        redis_max_connections=20,
        database_pool_timeout=60.0,
    )
    reads = Reads()
    async with client_for(create_app(fragile), headers=client_headers) as client:
        ids = [await create(client, f"item {number}") for number in range(5)]
        for item_id in ids:
            await client.patch(f"/items/{item_id}", json={"description": "0"})

        done = asyncio.Event()
        acknowledged = dict.fromkeys(ids, 0)
        load = asyncio.create_task(read_and_write(client, acknowledged, 8, 0, reads, until=done))
        await asyncio.sleep(0.5)
        redis_server.kill()
        await asyncio.sleep(1.0)
        redis_server.start()
        await asyncio.sleep(1.0)
        done.set()
        await load

        async def hits_again() -> bool:
            return cache_outcome(await client.get(f"/items/{ids[0]}")) == "hit"

        await wait_for("reads to hit the cache again", hits_again)
        clients = int(redis_server.info("clients")["connected_clients"])

    assert reads.stale == []
    assert set(reads.statuses) == {200}
    assert reads.outcomes.get("bypass", 0) > 0, reads.outcomes
    # The pool never grows past its bound, killed connections included (+1: INFO's own).
    assert clients <= 20 + 1
