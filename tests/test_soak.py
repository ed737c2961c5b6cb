"""A soak: a served baked service, under a fixed number of requests at 256
concurrent connections (item writes and reads, and upstream relays), answers
every one as it should, and its memory and database connections stay flat.

Flat means:
- over the second half of the soak, resident memory grows by at most
  `RSS_GROWTH_LIMIT`, 4 MiB: a leak of 3 KiB per request over its 1,500
  requests would exceed it. The first half is left out because the service
  is still growing to its working size in it (its pools, the allocator's
  arenas): under a load that stretched the soak to a minute, memory grew
  5.8 MiB in the first half and 1.0 MiB in the second. A leak grows as much
  in each half;
- from the end of a warm-up at full concurrency to the end of the soak, the
  service never holds more database connections than its pool allows
  (`pool_size + max_overflow`); once idle it keeps no more than after the
  warm-up, and none in a transaction.

The service's event-loop guard names no route: at 256 connections its loop
is late because hundreds of requests are ready at once, each a short step,
which is a pause, not a block. uvicorn runs the service on uvloop, which
calls each step from C; a guard that took all of them for one step once
reported "blocked for 111 ms by GET /items/{item_id}" here.

And no request starves, that is, is passed over: none is answered after more
than `OVERTAKEN_LIMIT` (twice `CONCURRENCY`) requests that were sent after
it. Behind the first-come queue in front of the pool only the requests that
need no database connection (the relays) get ahead of a waiting one: in
four fair soaks the most overtaken request was passed by 192 to 197 later
ones (67 to 232 requests/s; one of them with the service stopped for 7 s).
Without the queue, 1,433 to 1,440: some requests are passed over again and
again.

The check counts overtaking, not time. A pause of the whole service (a busy
machine can stop it for seconds) delays every request in flight and lets
none get ahead. A check on time ("no request takes more than 5 times the
median of the requests sent around it, plus 2 s") fails whenever the service
is stopped for 7 s (SIGSTOP) mid-soak: the requests in flight when the pause
began are compared with those sent after it, which never saw it. It also
failed the template's CI twice, with p50 about 1 s and p95 6 to 7 s; a
later CI run showed the same tail (p95 8.6 s, nearly all of it inside the
service's app) with no pause (the longest time without an answer 0.39 s)
and no request overtaken by more than 207. What makes that tail is not
known. The longest time with no answer at all is reported, so a pause shows.

The soak checks leaks and fairness, not speed. With 256 connections each
sending its next request as soon as the last is answered, every request waits
about 256 / throughput seconds (Little's law). At the service's 5 s pool and
upstream timeouts that would assert a throughput floor of about 50 requests a
second, which a two-core machine misses whenever another test loads it
(53 requests/s, 947 answers 503 after the pool timeout, with the benchmark's
smoke run alongside and the guard stress's load). So the soak's service waits
up to `TIMEOUT` seconds instead. The 503 of a pool that stays busy is
tested in test_faults.py; throughput belongs to the benchmark.

For the same reason both servers, the service and its upstream, keep an idle
connection open for `HANG` seconds rather than uvicorn's 5. A client must give
up an idle connection before its server does; when a load delays each side's
event loop by seconds, a server's 5 s timer closes connections on which the
client's next request is already on its way, and that request fails with
"connection reset by peer" (seen here: 75 requests to the service, and
through the relay 3 answers 502 "upstream connection failed").

It prints what it measured (requests, errors, latency percentiles, memory,
connections): `pytest -rP tests/test_soak.py` shows it.
"""

import asyncio
import bisect
import itertools
import re
import statistics
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
REQUESTS = 3_000  # in two halves
POOL_SIZE = 10  # the service's defaults
MAX_OVERFLOW = 10
MiB = 1024 * 1024
RSS_GROWTH_LIMIT = 4 * MiB  # over the second half
OVERTAKEN_LIMIT = 2 * CONCURRENCY
# The service's pool and upstream timeouts in the soak (see above); clients
# give up after `HANG`.
TIMEOUT = 30.0
HANG = 60


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with upstream_server.UpstreamServer().running(timeout_keep_alive=HANG) as server:
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


@dataclass(frozen=True)
class Answered:
    sent_at: float  # perf_counter when it was sent
    outcome: Outcome
    expected: int  # the status it must get

    @property
    def answered_at(self) -> float:
        return self.sent_at + self.outcome.seconds


async def run_requests(
    client: httpx.AsyncClient, mix: Mix, first: int, count: int
) -> list[Answered]:
    """Requests `first` to `first + count` of the mix, `CONCURRENCY` at a time."""
    numbers = iter(range(first, first + count))
    results: list[Answered] = []

    async def connection() -> None:
        for n in numbers:
            sent_at = time.perf_counter()
            outcome, expected = await mix.send(client, n)
            results.append(Answered(sent_at, outcome, expected))

    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return results


def overtaken(answered: list[Answered]) -> list[tuple[Answered, int]]:
    """Each answer, with how many requests sent after it were answered before it."""
    in_order = sorted(answered, key=lambda one: one.sent_at)
    later_answers: list[float] = []  # answer times of the requests sent later, sorted
    counted = []
    for one in reversed(in_order):
        answered_at = one.answered_at
        counted.append((one, bisect.bisect_left(later_answers, answered_at)))
        bisect.insort(later_answers, answered_at)
    return counted


def longest_silence(answered: list[Answered]) -> float:
    """The longest time, in seconds, during which no request was answered."""
    times = sorted(one.answered_at for one in answered)
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def served(outcome: Outcome) -> str:
    """How much of a request's time the service itself counted, the rest being
    before its app saw the request or after it answered."""
    if outcome.served_in is None:
        return "the service's time unknown"
    return f"{outcome.served_in:.2f} s of it in the service's app"


def database_activity(samples: list[tuple[float, str]], during: list[Answered]) -> str:
    """What the service's database sessions were doing while the `during` requests
    waited, by how often the sampler saw it: a stall in the database shows here."""
    start = min(one.sent_at for one in during)
    end = max(one.answered_at for one in during)
    seen = Counter(activity for at, activity in samples if start <= at <= end)
    return "\n".join(f"{count:5d} x {activity}" for activity, count in seen.most_common(12))


@dataclass
class Measured:
    results: list[Answered] = field(default_factory=list)  # warm-up included
    seconds: float = 0.0  # of the soak, warm-up excluded
    rss_samples: list[int] = field(default_factory=list)
    connection_samples: list[int] = field(default_factory=list)
    # (perf_counter, what one busy database session was doing), every sample
    activity_samples: list[tuple[float, str]] = field(default_factory=list)
    rss_after_warm_up: int = 0
    rss_after_first_half: int = 0
    rss_after_soak: int = 0
    idle_after_warm_up: Counter[str] = field(default_factory=Counter)
    idle_after_soak: Counter[str] = field(default_factory=Counter)

    def latencies(self) -> list[float]:
        return sorted(one.outcome.seconds for one in self.results[WARM_UP:])

    def percentile_ms(self, share: float) -> float:
        latencies = self.latencies()
        return round(1000 * latencies[min(len(latencies) - 1, int(share * len(latencies)))], 1)


def waiting(session: asyncpg.Record) -> str:
    """A session's wait event from pg_stat_activity: a lock, I/O, the client; or none."""
    if session["wait_event_type"] is None:
        return "not waiting"
    return f"waiting for {session['wait_event_type']} {session['wait_event']}"


async def sample(pid: int, server_url: str, database: str, measured: Measured) -> None:
    """Every 0.25 s until cancelled: the service's memory, its database
    connections, and what those not idle are doing."""
    admin = await asyncpg.connect(server_url)
    try:
        while True:
            measured.rss_samples.append(rss_bytes(pid))
            sessions = await admin.fetch(
                "SELECT state, wait_event_type, wait_event, left(query, 60) AS query "
                "FROM pg_stat_activity WHERE datname = $1",
                database,
            )
            measured.connection_samples.append(len(sessions))
            now = time.perf_counter()
            measured.activity_samples += [
                (now, f"{one['state']}, {waiting(one)}: {' '.join(one['query'].split())[:60]}")
                for one in sessions
                if one["state"] not in (None, "idle")
            ]
            await asyncio.sleep(0.25)
    finally:
        await admin.close()


def test_a_soak_at_256_connections_answers_every_request_with_flat_memory_and_connections(
    bake: Bake, postgres_server: str, upstream: Any, record_property: Any
) -> None:
    project = bake(Options("postgresql", "yes"))
    database_url = migrated_database(project, postgres_server)
    database = database_name(database_url)
    env = service_environment(
        project,
        database_url=database_url,
        upstream_base_url=upstream.url,
        database_pool_timeout=str(TIMEOUT),
        upstream_timeout=str(TIMEOUT),
    )
    log = ServiceLog()
    measured = Measured()

    async def soak() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        with serve(project, env, options=["--timeout-keep-alive", str(HANG)]) as served:
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
                half = REQUESTS // 2
                measured.results += await run_requests(client, mix, WARM_UP, half)
                measured.rss_after_first_half = rss_bytes(pid)
                measured.results += await run_requests(client, mix, WARM_UP + half, half)
                measured.seconds = time.perf_counter() - started
                sampler.cancel()
                with suppress(asyncio.CancelledError):
                    await sampler

                await asyncio.sleep(0.5)
                measured.idle_after_soak = await connection_states(postgres_server, database)
                measured.rss_after_soak = rss_bytes(pid)

    asyncio.run(soak())

    service_log = log.text()
    guard_blocks = re.findall(r"event loop blocked for .*", service_log)
    guard_pauses = re.findall(r"event loop paused for .*", service_log)
    wrong = [
        f"expected {one.expected}: {one.outcome}"
        for one in measured.results
        if one.outcome.status != one.expected
    ]
    errors = server_errors(one.outcome for one in measured.results)
    passed_over = overtaken(measured.results[WARM_UP:])
    slowest = sorted(measured.results[WARM_UP:], key=lambda one: one.outcome.seconds)[
        -REQUESTS // 100 :
    ]
    slowest_total = [one.outcome.seconds for one in slowest]
    slowest_served = [one.outcome.served_in or 0.0 for one in slowest]
    figures = {
        "requests": len(measured.results),
        "concurrency": CONCURRENCY,
        "errors": len(errors),
        "wrong statuses": len(wrong),
        "statuses": dict(Counter(one.outcome.status for one in measured.results)),
        "requests/s": round(REQUESTS / measured.seconds),
        "p50 ms": measured.percentile_ms(0.50),
        "p95 ms": measured.percentile_ms(0.95),
        "p99 ms": measured.percentile_ms(0.99),
        "max ms": measured.percentile_ms(1.0),
        "slowest 1%, median ms": round(1000 * statistics.median(slowest_total), 1),
        "... of which in the service's app": round(1000 * statistics.median(slowest_served), 1),
        "most overtaken": max(count for _, count in passed_over),
        "longest without an answer, s": round(longest_silence(measured.results[WARM_UP:]), 2),
        "loop guard's blocks": len(guard_blocks),
        "loop guard's pauses": len(guard_pauses),
        "RSS MiB after warm-up": round(measured.rss_after_warm_up / MiB, 1),
        "RSS MiB after the first half": round(measured.rss_after_first_half / MiB, 1),
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

    assert not errors, f"{described(errors)}\nthe service raised:\n{raised_in(service_log)}"
    assert not wrong, described(wrong)
    starved = [(one, count) for one, count in passed_over if count > OVERTAKEN_LIMIT]
    assert not starved, (
        f"requests starve: {summary}\n"
        + described(
            [
                f"{one.outcome}, {served(one.outcome)}; overtaken by {n} later requests"
                for one, n in starved
            ]
        )
        + "\nmeanwhile the service's database sessions were seen\n"
        + database_activity(measured.activity_samples, [one for one, _ in starved])
    )
    assert not guard_blocks, "\n".join(guard_blocks)
    assert measured.rss_after_soak - measured.rss_after_first_half <= RSS_GROWTH_LIMIT, summary
    assert max(measured.connection_samples, default=0) <= POOL_SIZE + MAX_OVERFLOW, summary
    idle_before, idle_after = measured.idle_after_warm_up, measured.idle_after_soak
    assert idle_after.total() <= max(idle_before.total(), POOL_SIZE), summary
    assert set(idle_after) <= {"idle"}, idle_after
