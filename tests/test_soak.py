"""A soak: a served baked service, under a fixed number of requests at 256
concurrent connections (item writes and reads, and upstream relays), answers
every one as it should, and its memory and database connections stay flat.

Flat means, from the end of a warm-up at full concurrency (pools full, the
allocator grown to its working size) to the end of the soak:
- resident memory grows by at most `RSS_GROWTH_LIMIT`, 8 MiB: a leak of 3 KiB
  per request over the soak's 3,000 requests would exceed it, while the
  allocator's own noise here is 0.4 to 5 MiB;
- the service never holds more database connections than its pool allows
  (`pool_size + max_overflow`); once idle it keeps no more than after the
  warm-up, and none in a transaction.

And no request starves: none takes more than `STARVATION_FACTOR` times the
median, plus two seconds. Behind a fair queue the wait is spread evenly (the
slowest request took 1.3 to 2 times the median here, 5 times when other
processes loaded the machine); a tail far beyond that (100 times the median)
means some requests are passed over again and again, and at a slower moment
they wait past the pool timeout and get 503.

It prints what it measured (requests, errors, latency percentiles, memory,
connections): `pytest -rP tests/test_soak.py` shows it.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from tests.conftest import Bake, upstream_server
from tests.faults import (
    Outcome,
    ServiceLog,
    connection_states,
    database_name,
    described,
    migrated_database,
    raised_in,
    rss_bytes,
    send,
    server_errors,
)
from tests.options import Options
from tests.served import serve, service_environment

CONCURRENCY = 256
WARM_UP = 500
REQUESTS = 3_000
POOL_SIZE = 10  # the service's defaults
MAX_OVERFLOW = 10
MiB = 1024 * 1024
RSS_GROWTH_LIMIT = 8 * MiB
STARVATION_FACTOR = 5
# Clients give up after this; the pool timeout and the upstream timeout are 5 s.
HANG = 20.0


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with upstream_server.UpstreamServer().running() as server:
        yield server


@dataclass
class Mix:
    """What the n-th request is: of every 10, 3 create an item, 3 read one, 1
    lists a page, 1 renames an item and 2 go through the relay. Each comes
    with the status it must get."""

    created: list[int] = field(default_factory=list)

    async def send(self, client: httpx.AsyncClient, n: int) -> tuple[Outcome, int]:
        kind = n % 10
        if kind < 3 or not self.created:
            outcome = await send(client, "POST", "/items", {"name": f"soak {n}"})
            if outcome.status == 201:
                self.created.append(int(outcome.json()["id"]))
            return outcome, 201
        item = self.created[n % len(self.created)]
        if kind < 6:
            return await send(client, "GET", f"/items/{item}"), 200
        if kind == 6:
            return await send(client, "GET", f"/items?limit=20&offset={n % 200}"), 200
        if kind == 7:
            return await send(client, "PATCH", f"/items/{item}", {"name": f"renamed {n}"}), 200
        return await send(client, "GET", f"/upstream/things?n={n}"), 200


async def run_requests(
    client: httpx.AsyncClient, mix: Mix, first: int, count: int
) -> list[tuple[Outcome, int]]:
    """Requests `first` to `first + count` of the mix, `CONCURRENCY` at a time."""
    numbers = iter(range(first, first + count))
    results: list[tuple[Outcome, int]] = []

    async def connection() -> None:
        for n in numbers:
            results.append(await mix.send(client, n))

    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return results


@dataclass
class Measured:
    results: list[tuple[Outcome, int]] = field(default_factory=list)  # warm-up included
    seconds: float = 0.0  # of the soak, warm-up excluded
    rss_samples: list[int] = field(default_factory=list)
    connection_samples: list[int] = field(default_factory=list)
    rss_after_warm_up: int = 0
    rss_after_soak: int = 0
    idle_after_warm_up: Counter[str] = field(default_factory=Counter)
    idle_after_soak: Counter[str] = field(default_factory=Counter)

    def latencies(self) -> list[float]:
        return sorted(outcome.seconds for outcome, _ in self.results[WARM_UP:])

    def percentile_ms(self, share: float) -> float:
        latencies = self.latencies()
        return round(1000 * latencies[min(len(latencies) - 1, int(share * len(latencies)))], 1)


async def sample(pid: int, server_url: str, database: str, measured: Measured) -> None:
    """Every 0.25 s until cancelled: the service's memory and its database connections."""
    admin = await asyncpg.connect(server_url)
    try:
        while True:
            measured.rss_samples.append(rss_bytes(pid))
            measured.connection_samples.append(
                await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database
                )
            )
            await asyncio.sleep(0.25)
    finally:
        await admin.close()


def test_a_soak_at_256_connections_answers_every_request_with_flat_memory_and_connections(
    bake: Bake, postgres_server: str, upstream: Any, record_property: Any
) -> None:
    project = bake(Options("postgresql", "yes"))
    database_url = migrated_database(project, postgres_server)
    database = database_name(database_url)
    env = service_environment(project, database_url=database_url, upstream_base_url=upstream.url)
    log = ServiceLog()
    measured = Measured()

    async def soak() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        with serve(project, env) as served:
            log.follow(served)
            pid = served.process.pid
            async with httpx.AsyncClient(
                transport=AiohttpTransport(limits=limits), base_url=served.url, timeout=HANG
            ) as client:
                mix = Mix()
                measured.results += await run_requests(client, mix, 0, WARM_UP)
                await asyncio.sleep(0.5)  # overflow connections go back and close
                measured.idle_after_warm_up = await connection_states(postgres_server, database)
                measured.rss_after_warm_up = rss_bytes(pid)

                sampler = asyncio.create_task(sample(pid, postgres_server, database, measured))
                started = time.perf_counter()
                measured.results += await run_requests(client, mix, WARM_UP, REQUESTS)
                measured.seconds = time.perf_counter() - started
                sampler.cancel()
                with suppress(asyncio.CancelledError):
                    await sampler

                await asyncio.sleep(0.5)
                measured.idle_after_soak = await connection_states(postgres_server, database)
                measured.rss_after_soak = rss_bytes(pid)

    asyncio.run(soak())

    wrong = [
        f"expected {expected}: {outcome}"
        for outcome, expected in measured.results
        if outcome.status != expected
    ]
    errors = server_errors(outcome for outcome, _ in measured.results)
    figures = {
        "requests": len(measured.results),
        "concurrency": CONCURRENCY,
        "errors": len(errors),
        "wrong statuses": len(wrong),
        "statuses": dict(Counter(outcome.status for outcome, _ in measured.results)),
        "requests/s": round(REQUESTS / measured.seconds),
        "p50 ms": measured.percentile_ms(0.50),
        "p95 ms": measured.percentile_ms(0.95),
        "p99 ms": measured.percentile_ms(0.99),
        "max ms": measured.percentile_ms(1.0),
        "RSS MiB after warm-up": round(measured.rss_after_warm_up / MiB, 1),
        "RSS MiB after soak": round(measured.rss_after_soak / MiB, 1),
        "RSS MiB peak": round(max(measured.rss_samples, default=0) / MiB, 1),
        "connections idle after warm-up": measured.idle_after_warm_up.total(),
        "connections idle after soak": measured.idle_after_soak.total(),
        "connections peak": max(measured.connection_samples, default=0),
    }
    summary = ", ".join(f"{name}: {value}" for name, value in figures.items())
    print(f"soak: {summary}")
    for name, value in figures.items():
        record_property(name, value)

    assert not errors, f"{described(errors)}\nthe service raised:\n{raised_in(log.text())}"
    assert not wrong, described(wrong)
    latencies = measured.latencies()
    slowest, median = latencies[-1], latencies[len(latencies) // 2]
    assert slowest <= STARVATION_FACTOR * median + 2, f"requests starve: {summary}"
    assert measured.rss_after_soak - measured.rss_after_warm_up <= RSS_GROWTH_LIMIT, summary
    assert max(measured.connection_samples, default=0) <= POOL_SIZE + MAX_OVERFLOW, summary
    idle_before, idle_after = measured.idle_after_warm_up, measured.idle_after_soak
    assert idle_after.total() <= max(idle_before.total(), POOL_SIZE), summary
    assert set(idle_after) <= {"idle"}, idle_after
