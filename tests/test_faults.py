"""A served baked service answers with the right status, loses nothing it
acknowledged, leaks no connection and recovers by itself when what it depends
on fails: its database down, killed or saturated, its upstream slow, gone or
answering garbage, clients that leave mid-request, and a SIGTERM under load.

Everything is a real process on 127.0.0.1: PostgreSQL (a cluster of these
tests' own, which they stop and start), the service under uvicorn, and the
upstream servers. Bounds on time are generous, since other tests share the
machine: what is asserted is behaviour (statuses, counts, no hang).
"""

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import Bake, postgres, upstream_server
from tests.faults import (
    HostileUpstream,
    Outcome,
    ServiceLog,
    StoppableCluster,
    connection_states,
    database_name,
    described,
    locked_items,
    migrated_database,
    raised_in,
    refused_url,
    send,
    server_errors,
    stoppable_cluster,
    stored_items,
    wait_for,
    wait_for_lock_waiters,
)
from tests.options import Options
from tests.served import Served, serve, service_environment

PROJECT = Options("postgresql", "yes")
# Seconds a request waits for a pooled connection, or to open one, before 503.
POOL_TIMEOUT = 2.0
# A request with no answer this long after it was sent hangs: three times what
# it may rightly wait (for the pool, then to connect), plus slack for a busy
# machine. Clients give up here, and a request that had to is a failure.
HANG = 3 * POOL_TIMEOUT + 2
UPSTREAM_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def project(bake: Bake) -> Path:
    return bake(PROJECT)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with upstream_server.UpstreamServer().running() as server:
        yield server


@pytest.fixture(scope="module")
def stoppable() -> Iterator[StoppableCluster]:
    try:
        with stoppable_cluster() as cluster:
            yield cluster
    except postgres.ClusterUnavailableError as exc:
        pytest.fail(f"these tests need PostgreSQL server binaries: {exc}", pytrace=False)


@pytest.fixture
def cluster(stoppable: StoppableCluster) -> Iterator[StoppableCluster]:
    """The stoppable cluster, running; started again if a test left it stopped."""
    yield stoppable
    if not stoppable.is_running():
        stoppable.start()


def client_for(served: Served, timeout: float = HANG) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=served.url, timeout=timeout)


def statuses(outcomes: list[Outcome]) -> list[int | None]:
    return [outcome.status for outcome in outcomes]


# ------------------------------------------------------- database down at start-up

ITEM_ROUTES = [
    ("POST", "/items", {"name": "lamp"}),
    ("GET", "/items", None),
    ("GET", "/items/1", None),
    ("PATCH", "/items/1", {"name": "desk"}),
    ("DELETE", "/items/1", None),
]


@pytest.mark.parametrize("outage", ["refusing-connections", "shutting-down"])
def test_a_service_started_without_its_database_answers_503_then_recovers_by_itself(
    project: Path,
    cluster: StoppableCluster,
    upstream: Any,
    outage: str,
) -> None:
    """`refusing-connections`: PostgreSQL is stopped. `shutting-down`: a smart
    shutdown waits for its last client to leave, and meanwhile answers every
    new connection with "the database system is shutting down" (asyncpg's
    CannotConnectNowError), as PostgreSQL does while it stops or starts."""
    database_url = migrated_database(project, cluster.url)
    env = service_environment(
        project,
        database_url=database_url,
        upstream_base_url=upstream.url,
        database_pool_timeout=str(POOL_TIMEOUT),
    )
    log = ServiceLog()

    async def scenario() -> None:
        holder = await asyncpg.connect(cluster.url)  # the client a smart shutdown waits for
        try:
            if outage == "shutting-down":
                cluster.stop("smart", wait=False)
                await wait_for("new connections refused", lambda: refuses_connections(cluster))
            else:
                cluster.stop("fast")
            with serve(project, env) as served:
                log.follow(served)
                async with client_for(served) as client:
                    await outage_then_recovery(client, lambda: restart(cluster, holder))
        finally:
            holder.terminate()

    async def outage_then_recovery(
        client: httpx.AsyncClient, comeback: Callable[[], Awaitable[None]]
    ) -> None:
        liveness = await send(client, "GET", "/health")
        readiness = await send(client, "GET", "/health/ready")
        items = [await send(client, *route) for route in ITEM_ROUTES]

        assert liveness.status == 200, liveness
        problems = server_errors([readiness, *items], allowed=[503])
        assert not problems, f"{described(problems)}\nthe service raised:\n{raised(log)}"
        assert statuses([readiness, *items]) == [503] * (1 + len(ITEM_ROUTES)), [readiness, *items]
        assert all(outcome.seconds < POOL_TIMEOUT + 2 for outcome in items), items

        # The database comes back while requests keep arriving: on the way,
        # none may get anything but a 503, and then every route works again.
        during_comeback = await poll_while(client, comeback())
        problems = server_errors(during_comeback, allowed=[503])
        assert not problems, f"{described(problems)}\nthe service raised:\n{raised(log)}"
        await wait_for("ready again", lambda: answers(client, "/health/ready", 200), seconds=15)
        await assert_every_item_route_works(client)

    asyncio.run(scenario())


def raised(log: ServiceLog) -> str:
    """What the running service raised so far (given a second to print it)."""
    return raised_in(log.text(timeout=1))


async def refuses_connections(cluster: StoppableCluster) -> bool:
    try:
        connection = await asyncpg.connect(cluster.url)
    except asyncpg.CannotConnectNowError:
        return True
    await connection.close()
    return False


async def restart(cluster: StoppableCluster, holder: asyncpg.Connection) -> None:
    """Let the database come back: the client a smart shutdown waits for leaves,
    the server stops, then starts again."""
    holder.terminate()

    async def stopped() -> bool:
        return not await asyncio.to_thread(cluster.is_running)

    await wait_for("PostgreSQL stopped", stopped)
    await asyncio.to_thread(cluster.start)


async def poll_while(client: httpx.AsyncClient, work: Awaitable[None]) -> list[Outcome]:
    """Send readiness checks and item reads, one after the other, until `work` is done."""
    task = asyncio.ensure_future(work)
    outcomes = []
    while not task.done():
        outcomes.append(await send(client, "GET", "/health/ready"))
        outcomes.append(await send(client, "GET", "/items"))
        await asyncio.sleep(0.02)
    await task
    return outcomes


async def answers(client: httpx.AsyncClient, path: str, status: int) -> bool:
    return (await send(client, "GET", path)).status == status


async def assert_every_item_route_works(client: httpx.AsyncClient) -> None:
    created = await send(client, "POST", "/items", {"name": "lamp"})
    assert created.status == 201, created
    path = f"/items/{created.json()['id']}"
    expected = [("GET", path, None, 200), ("PATCH", path, {"name": "desk"}, 200)]
    expected += [("GET", "/items", None, 200), ("DELETE", path, None, 204)]
    for method, route, body, status in expected:
        outcome = await send(client, method, route, body)
        assert outcome.status == status, outcome


# ------------------------------------------------------ database killed under load

POOL_SIZE = 4
MAX_OVERFLOW = 4
WRITERS = 24


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"], ids=["stop-fast", "stop-immediate"])
def test_the_database_killed_under_load_loses_no_acknowledged_item_and_leaks_no_connection(
    project: Path,
    cluster: StoppableCluster,
    upstream: Any,
    stop_mode: str,
) -> None:
    """`fast` ends every session with "terminating connection due to administrator
    command"; `immediate` kills the server outright, so that the next start
    replays its write-ahead log. Writes and reads are in flight throughout."""
    database_url = migrated_database(project, cluster.url)
    database = database_name(database_url)
    env = service_environment(
        project,
        database_url=database_url,
        upstream_base_url=upstream.url,
        database_pool_size=str(POOL_SIZE),
        database_max_overflow=str(MAX_OVERFLOW),
        database_pool_timeout=str(POOL_TIMEOUT),
    )
    log = ServiceLog()
    load = WriteAndReadLoad()

    async def scenario() -> tuple[int, int, Counter[str], Outcome, list[Outcome]]:
        with serve(project, env) as served:
            log.follow(served)
            async with client_for(served) as client, asyncio.timeout(60):
                async with load.running(client, WRITERS):
                    await load.wait_for_requests(100)
                    await asyncio.to_thread(cluster.stop, stop_mode)
                    killed_at = len(load.outcomes)
                    await asyncio.sleep(1)  # the load goes on with no database
                    await asyncio.to_thread(cluster.start)
                    restarted_at = len(load.outcomes)
                    await load.wait_for_requests(restarted_at + 200)
                states = await settled_connections(cluster.url, database)
                ready = await send(client, "GET", "/health/ready")
            whole_pool = await whole_pool_serving(served, database_url, POOL_SIZE + MAX_OVERFLOW)
        return killed_at, restarted_at, states, ready, whole_pool

    killed_at, restarted_at, states, ready, whole_pool = asyncio.run(scenario())

    problems = server_errors(load.outcomes, allowed=[503])
    assert not problems, f"{described(problems)}\nthe service raised:\n{raised_in(log.text())}"
    while_down = Counter(statuses(load.outcomes[killed_at:restarted_at]))
    after = Counter(statuses(load.outcomes[restarted_at:]))
    assert while_down[503] > 0, f"no request met the outage: {while_down}"
    assert after[201] >= 30, f"writes did not recover after the restart: {after}"
    stored = asyncio.run(stored_items(database_url))
    lost = {item: name for item, name in load.acknowledged.items() if stored.get(item) != name}
    assert not lost, f"{len(lost)} of {len(load.acknowledged)} items answered 201 are gone: {lost}"
    assert states["idle in transaction"] == 0, states
    assert states.total() <= POOL_SIZE, f"connections left after the load: {states}"
    assert ready.status == 200, ready
    assert statuses(whole_pool) == [200] * (POOL_SIZE + MAX_OVERFLOW), (
        f"the pool lost connections: {whole_pool}"
    )


class WriteAndReadLoad:
    """Writers that each create an item, read it back, and now and then list
    items, until told to stop; after an error a writer backs off briefly, as a
    client would. Records every outcome, and every item answered 201."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.acknowledged: dict[int, str] = {}
        self.stopping = asyncio.Event()

    @asynccontextmanager
    async def running(self, client: httpx.AsyncClient, writers: int) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self.write_and_read(client, n)) for n in range(writers)]
        try:
            yield
        finally:
            self.stopping.set()
            await asyncio.gather(*tasks)

    async def write_and_read(self, client: httpx.AsyncClient, writer: int) -> None:
        for round_ in range(10_000):
            if self.stopping.is_set():
                return
            name = f"writer {writer} round {round_}"
            created = await self.record(send(client, "POST", "/items", {"name": name}))
            if created.status == 201:
                item = int(created.json()["id"])
                self.acknowledged[item] = name
                await self.record(send(client, "GET", f"/items/{item}"))
            else:
                await asyncio.sleep(0.05)
            if round_ % 4 == 0:
                await self.record(send(client, "GET", "/items?limit=5"))

    async def record(self, request: Awaitable[Outcome]) -> Outcome:
        outcome = await request
        self.outcomes.append(outcome)
        return outcome

    async def wait_for_requests(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.outcomes) >= count

        await wait_for(f"{count} requests answered", enough, seconds=30)


async def settled_connections(server_url: str, database: str) -> Counter[str]:
    """The service's connections once it is idle (waiting up to 5 s for them to
    settle: overflow ones closed, none in a transaction); the caller asserts."""
    states: Counter[str] = Counter()

    async def settled() -> bool:
        nonlocal states
        states = await connection_states(server_url, database)
        return states.total() <= POOL_SIZE and set(states) <= {"idle"}

    with suppress(AssertionError):
        await wait_for("connections settled", settled, seconds=5)
    return states


async def whole_pool_serving(served: Served, database_url: str, capacity: int) -> list[Outcome]:
    """`capacity` slow requests at once, held past the pool timeout: each gets a
    connection of its own, so all answer 200, unless the pool lost one (checked
    out and never given back) and the last request is turned away with 503."""
    async with client_for(served) as client:
        async with locked_items(database_url):
            requests = [send(client, "GET", "/items") for _ in range(capacity)]
            tasks = [asyncio.ensure_future(request) for request in requests]
            await asyncio.sleep(POOL_TIMEOUT + 1)
        return list(await asyncio.gather(*tasks))


# ------------------------------------------------------------------- pool exhausted

SMALL_POOL = {"database_pool_size": "2", "database_max_overflow": "1"}
SMALL_POOL_CAPACITY = 3


@pytest.fixture(scope="module")
def small_pool_service(
    project: Path, postgres_server: str, upstream: Any
) -> Iterator[tuple[Served, str]]:
    """A service whose pool has 2 connections and 1 overflow, and its database's URL."""
    database_url = migrated_database(project, postgres_server)
    env = service_environment(
        project,
        database_url=database_url,
        upstream_base_url=upstream.url,
        database_pool_timeout=str(POOL_TIMEOUT),
        **SMALL_POOL,
    )
    with serve(project, env) as served:
        yield served, database_url


def test_an_exhausted_pool_answers_503_after_the_pool_timeout_and_stays_healthy(
    small_pool_service: tuple[Served, str], postgres_server: str
) -> None:
    """Twice as many slow queries as the pool has connections: the first ones
    hold every connection (waiting for a lock on the item table), the others
    wait for the pool, and are turned away when its timeout passes."""
    served, database_url = small_pool_service
    turned_away_count = SMALL_POOL_CAPACITY

    async def scenario() -> tuple[list[Outcome], Outcome, list[Outcome], Outcome]:
        async with client_for(served) as client:
            async with locked_items(database_url):
                requests = [send(client, "GET", "/items") for _ in range(2 * SMALL_POOL_CAPACITY)]
                tasks = [asyncio.ensure_future(request) for request in requests]
                await wait_for_lock_waiters(
                    postgres_server, database_name(database_url), SMALL_POOL_CAPACITY
                )
                turned_away = await first_finished(tasks, turned_away_count)
                liveness = await send(client, "GET", "/health")
            all_answers = list(await asyncio.gather(*tasks))
            readiness = await send(client, "GET", "/health/ready")
        return turned_away, liveness, all_answers, readiness

    turned_away, liveness, all_answers, readiness = asyncio.run(scenario())

    assert statuses(turned_away) == [503] * turned_away_count, turned_away
    assert not server_errors(turned_away, allowed=[503]), turned_away
    assert all(POOL_TIMEOUT - 0.1 <= outcome.seconds < HANG for outcome in turned_away), turned_away
    assert Counter(statuses(all_answers)) == {503: turned_away_count, 200: SMALL_POOL_CAPACITY}
    assert liveness.status == 200, liveness
    assert liveness.seconds < POOL_TIMEOUT, f"/health waited for the pool: {liveness}"
    assert readiness.status == 200, readiness


async def first_finished(tasks: list[asyncio.Task[Outcome]], count: int) -> list[Outcome]:
    """The outcomes of the first `count` of `tasks` to finish, within `HANG`."""
    finished: list[Outcome] = []
    pending = set(tasks)
    while len(finished) < count:
        done, pending = await asyncio.wait(
            pending, timeout=HANG, return_when=asyncio.FIRST_COMPLETED
        )
        assert done, f"only {len(finished)} of {count} requests answered within {HANG:g} s"
        finished += [task.result() for task in done]
    return finished


# ------------------------------------------------------------ clients that leave


def test_a_client_leaving_mid_request_leaves_its_connection_back_in_the_pool(
    small_pool_service: tuple[Served, str], postgres_server: str
) -> None:
    """Clients hang up while their requests hold every pooled connection. The
    requests finish without them, roll back (or commit, for a write) and give
    their connections back: none is left idle in a transaction, and the whole
    pool serves again."""
    served, database_url = small_pool_service
    database = database_name(database_url)

    async def scenario() -> tuple[Counter[str], list[Outcome]]:
        async with locked_items(database_url):
            async with client_for(served) as leaving:
                requests = [
                    send(leaving, "GET", "/items"),
                    send(leaving, "POST", "/items", {"name": "left behind"}),
                    send(leaving, "PATCH", "/items/1", {"name": "never mind"}),
                ]
                tasks = [asyncio.ensure_future(request) for request in requests]
                await wait_for_lock_waiters(postgres_server, database, SMALL_POOL_CAPACITY)
                for task in tasks:
                    task.cancel()  # the client hangs up: its connections close
                await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0.3)  # the server sees them go while the lock still holds

        async def all_idle() -> bool:
            return set(await connection_states(postgres_server, database)) <= {"idle"}

        await wait_for("connections idle after the clients left", all_idle)
        states = await connection_states(postgres_server, database)
        return states, await whole_pool_serving(served, database_url, SMALL_POOL_CAPACITY)

    states, whole_pool = asyncio.run(scenario())

    assert states["idle in transaction"] == 0, states
    assert states.total() <= SMALL_POOL_CAPACITY, states
    assert statuses(whole_pool) == [200] * SMALL_POOL_CAPACITY, (
        f"the pool lost connections: {whole_pool}"
    )


# ----------------------------------------------------------------- upstream faults


class Relays:
    """Served services, one per upstream, each started when a test first needs it."""

    def __init__(self, project: Path, postgres_server: str, stack: ExitStack) -> None:
        self.project = project
        self.postgres_server = postgres_server
        self.stack = stack
        self.services: dict[str, Served] = {}

    def to(self, upstream_url: str) -> Served:
        if upstream_url not in self.services:
            env = service_environment(
                self.project,
                database_url=self.postgres_server,  # never used by the relay
                upstream_base_url=upstream_url,
                upstream_timeout=str(UPSTREAM_TIMEOUT),
            )
            served = self.stack.enter_context(serve(self.project, env))
            self.services[upstream_url] = served
        return self.services[upstream_url]


@pytest.fixture(scope="module")
def relays(project: Path, postgres_server: str) -> Iterator[Relays]:
    with ExitStack() as stack:
        yield Relays(project, postgres_server, stack)


@pytest.fixture(scope="module")
def hostile_upstream() -> Iterator[HostileUpstream]:
    with HostileUpstream().running() as server:
        yield server


UPSTREAM_FAULTS = {
    # id: (upstream, path relayed, status the client gets)
    "slow-upstream-is-504": ("baked", "/slow?seconds=2.5", 504),
    "upstream-500-is-502": ("baked", "/status/500", 502),
    "upstream-503-is-502": ("baked", "/status/503", 502),
    "refused-connection-is-502": ("refused", "/things", 502),
    "garbage-instead-of-http-is-502": ("hostile", "/garbage", 502),
    "body-cut-short-is-502": ("hostile", "/cut-short", 502),
    "chunked-body-cut-short-is-502": ("hostile", "/cut-short-chunked", 502),
    "headers-cut-short-is-502": ("hostile", "/cut-in-the-headers", 502),
    "closed-without-an-answer-is-502": ("hostile", "/no-answer", 502),
    "html-error-page-is-502": ("hostile", "/html-error", 502),
    "answer-stalled-mid-body-is-504": ("hostile", "/stall", 504),
}


@pytest.mark.parametrize(
    ("upstream_kind", "path", "expected"), UPSTREAM_FAULTS.values(), ids=UPSTREAM_FAULTS.keys()
)
def test_an_upstream_fault_is_a_json_502_or_504_in_bounded_time(
    relays: Relays,
    upstream: Any,
    hostile_upstream: HostileUpstream,
    upstream_kind: str,
    path: str,
    expected: int,
) -> None:
    base_url = {"baked": upstream.url, "hostile": hostile_upstream.url, "refused": refused_url()}
    served = relays.to(base_url[upstream_kind])

    async def relay() -> Outcome:
        async with client_for(served, timeout=UPSTREAM_TIMEOUT + 10) as client:
            return await send(client, "GET", f"/upstream{path}")

    outcome = asyncio.run(relay())

    assert outcome.status == expected, outcome
    assert not server_errors([outcome], allowed=[expected]), outcome
    assert outcome.seconds < UPSTREAM_TIMEOUT + 3, outcome


def test_an_upstream_answer_that_is_not_json_is_relayed_as_it_is(
    relays: Relays, hostile_upstream: HostileUpstream
) -> None:
    """The relay passes answers through whatever their type; only a broken
    answer is the relay's error."""
    served = relays.to(hostile_upstream.url)

    response = httpx.get(f"{served.url}/upstream/not-json", timeout=UPSTREAM_TIMEOUT + 10)

    assert response.status_code == 200
    assert response.text == "plain words"
    assert response.headers["content-type"].startswith("text/plain")


# ------------------------------------------------------------- shutdown under load

IN_FLIGHT_RELAYS = 12
IN_FLIGHT_WRITES = 6


def test_sigterm_under_load_finishes_in_flight_requests_then_closes_cleanly(
    project: Path, cluster: StoppableCluster, upstream: Any
) -> None:
    """Slow relays, and writes waiting for a lock, are in flight when SIGTERM
    comes; the writes get the lock only after it. Every one must be answered
    and every write stored: the engine is still open for them. Then the
    lifespan closes the engine and the client, and nothing is logged as an
    error, nor does PostgreSQL see a client leave in the middle of a transaction."""
    database_url = migrated_database(project, cluster.url)
    env = service_environment(project, database_url=database_url, upstream_base_url=upstream.url)
    log = ServiceLog()
    upstream.reset()
    cluster_log_before = len(cluster.log_text())

    async def upstream_busy() -> bool:
        in_flight: int = upstream.in_flight
        return in_flight >= IN_FLIGHT_RELAYS

    async def scenario() -> list[Outcome]:
        with serve(project, env) as served:
            log.follow(served)
            async with client_for(served, timeout=30) as client:
                async with locked_items(database_url):
                    relays = [
                        send(client, "GET", f"/upstream/slow?seconds=2&n={n}")
                        for n in range(IN_FLIGHT_RELAYS)
                    ]
                    writes = [
                        send(client, "POST", "/items", {"name": f"in flight {n}"})
                        for n in range(IN_FLIGHT_WRITES)
                    ]
                    tasks = [asyncio.ensure_future(request) for request in relays + writes]
                    await wait_for_lock_waiters(
                        cluster.url, database_name(database_url), IN_FLIGHT_WRITES
                    )
                    await wait_for("relays in flight", upstream_busy)
                    served.process.send_signal(signal.SIGTERM)
                    await asyncio.sleep(0.5)
                outcomes = list(await asyncio.gather(*tasks))
            await asyncio.to_thread(served.process.wait, 30)
        return outcomes

    outcomes = asyncio.run(scenario())
    output = log.text()

    assert Counter(statuses(outcomes)) == {200: IN_FLIGHT_RELAYS, 201: IN_FLIGHT_WRITES}, described(
        [str(outcome) for outcome in outcomes]
    )
    stored = asyncio.run(stored_items(database_url))
    assert sorted(stored.values()) == sorted(f"in flight {n}" for n in range(IN_FLIGHT_WRITES))
    assert "Application shutdown complete" in output, output
    assert "Traceback" not in output, output
    assert "ERROR" not in output, output
    cluster_log = cluster.log_text()[cluster_log_before:]
    assert "unexpected EOF" not in cluster_log, cluster_log
