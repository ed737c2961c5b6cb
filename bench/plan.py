"""What the benchmark serves and loads: the variants, the endpoints and the cells.

A cell is one variant loaded on one endpoint at one number of connections;
each round runs every cell once. Connection counts are those of the targets
(64 and 256) in a full run, and a few in a smoke run. A variant names the
server it runs under; how each server is started is in servers.py.
"""

from dataclasses import dataclass, field, replace
from typing import Literal

ServerName = Literal["uvicorn", "granian"]


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    app: str  # the ASGI app, `module:attribute`; `{package}` is the baked package
    env: dict[str, str] = field(default_factory=dict)
    server: ServerName = "uvicorn"
    bake: str | None = None  # another bake of the template than the default one (servers.py)
    # Headers of every request wrk sends; `{NAME}` is the environment's setting NAME.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # as loaded; `{id}` is drawn at random from the seeded ids
    random_item: bool = False


@dataclass(frozen=True)
class Cell:
    endpoint: Endpoint
    connections: int
    variant: Variant

    @property
    def key(self) -> str:
        return f"{self.endpoint.name}@{self.connections}/{self.variant.name}"


def under_granian(variant: Variant) -> Variant:
    """The same app and settings, served by granian instead of uvicorn."""
    return replace(
        variant,
        name=f"{variant.name}-granian",
        description=f"{variant.description}; served by granian",
        server="granian",
    )


# Every variant runs without an access log; the baked service writes its own
# line per request, so it gets the same treatment: LOG_REQUESTS=false.
BAKED = Variant(
    "baked",
    "the baked service, as baked, with its request log off like every access log here",
    "{package}.main:app",
    {"LOG_REQUESTS": "false"},
)
BAKED_UNOBSERVED = Variant(
    "baked-no-observability",
    "the baked service, baked with observability=no",
    "{package}.main:app",
    {"LOG_REQUESTS": "false"},
    bake="no-observability",
)
BAKED_AUTH = Variant(
    "baked-auth",
    "the baked service, baked with auth=oidc; every request carries a valid bearer token",
    "{package}.main:app",
    {"LOG_REQUESTS": "false"},
    bake="auth",
    headers={"Authorization": "Bearer {BENCH_BEARER_TOKEN}"},
)
BAKED_TRACED_ALL = Variant(
    "baked-traced-all",
    "the baked service recording and sending every trace (OTEL_TRACES_SAMPLER_ARG=1)",
    "{package}.main:app",
    {"LOG_REQUESTS": "false", "OTEL_TRACES_SAMPLER_ARG": "1"},
)
BAKED_CACHED = Variant(
    "baked-cache",
    "the baked service, baked with cache=redis: item reads answered from Redis once warm; "
    "no rate limit, which the load (one client) would hit",
    "{package}.main:app",
    {"LOG_REQUESTS": "false", "RATE_LIMITS": "{}"},
    bake="cache",
)
BAKED_BARE = Variant(
    "baked-bare",
    "the baked service with its per-request middleware removed",
    "apps.baked_bare:app",
)
RAW = Variant(
    "raw",
    "bare Starlette routes, raw asyncpg (fetchrow, fetch), aiohttp used directly",
    "apps.raw_stack:app",
)
HTTPX_RELAY = Variant("httpx", "a Starlette relay over plain httpx", "apps.httpx_relay:app")
SYNC = Variant(
    "sync",
    "the sync style: def routes, sync Session over psycopg, default pool (5 + 10)",
    "apps.sync_style:app",
)
SYNC_POOL_40 = Variant(
    "sync-pool40",
    "the sync style with a 40-connection pool",
    "apps.sync_style:app",
    {"SYNC_POOL_SIZE": "40"},
)
NAIVE = Variant(
    "naive",
    "the naive async peer: the FastAPI and SQLModel tutorials' session dependency, pool 10 + 10",
    "apps.naive_peer:app",
)
# The same server on both sides of a ratio: granian against granian.
BAKED_GRANIAN = under_granian(BAKED)
NAIVE_GRANIAN = under_granian(NAIVE)
STUB = Variant("stub", "the upstream stub itself, loaded directly", "apps.upstream_stub:app")
# Where the baked service sends its traces; never loaded itself.
OTLP_SINK = Variant("otlp-sink", "an OTLP/HTTP receiver that keeps nothing", "apps.otlp_sink:app")

SERVED_VARIANTS = (
    BAKED,
    BAKED_UNOBSERVED,
    BAKED_AUTH,
    BAKED_TRACED_ALL,
    BAKED_CACHED,
    BAKED_BARE,
    RAW,
    HTTPX_RELAY,
    SYNC,
    SYNC_POOL_40,
    NAIVE,
    BAKED_GRANIAN,
    NAIVE_GRANIAN,
)

HEALTH = Endpoint("health", "/health")
ITEM = Endpoint("item", "/items/{id}", random_item=True)
# One item read over and over: with the cache, every read after the first is a hit.
HOT_ITEM = Endpoint("hot-item", "/items/1")
ITEMS = Endpoint("items", "/items?limit=20")
UPSTREAM = Endpoint("upstream", "/upstream/things")
STUB_CAPACITY = Endpoint("stub", "/things")


@dataclass(frozen=True)
class Concurrency:
    standard: int  # the targets' 64
    high: int  # the targets' 256

    @property
    def stub_check(self) -> int:
        """Connections that show the stub's own ceiling, well above any relay's."""
        return 4 * self.high


FULL = Concurrency(standard=64, high=256)
# A smoke run checks that everything answers and every number is computed,
# not what the numbers are: one level of a few connections is enough.
SMOKE = Concurrency(standard=8, high=8)


def build_cells(concurrency: Concurrency) -> list[Cell]:
    """Every cell of a round, in the order a round runs them, each once."""
    standard, high = concurrency.standard, concurrency.high
    rows: list[tuple[Endpoint, int, tuple[Variant, ...]]] = [
        (HEALTH, standard, (RAW, BAKED_BARE, NAIVE, BAKED, BAKED_UNOBSERVED)),
        (HEALTH, standard, (NAIVE_GRANIAN, BAKED_GRANIAN)),
        (ITEM, standard, (RAW, SYNC, SYNC_POOL_40, NAIVE, BAKED, BAKED_UNOBSERVED)),
        (ITEM, standard, (BAKED_TRACED_ALL, BAKED_CACHED, NAIVE_GRANIAN, BAKED_GRANIAN)),
        (ITEM, standard, (BAKED_AUTH,)),
        (HOT_ITEM, standard, (NAIVE, BAKED, BAKED_CACHED)),
        (ITEMS, standard, (RAW, SYNC, SYNC_POOL_40, NAIVE, BAKED, NAIVE_GRANIAN, BAKED_GRANIAN)),
        (ITEM, high, (SYNC, SYNC_POOL_40, BAKED, BAKED_GRANIAN)),
        (UPSTREAM, standard, (RAW, HTTPX_RELAY, SYNC, BAKED, BAKED_GRANIAN)),
        (UPSTREAM, high, (RAW, HTTPX_RELAY, SYNC, BAKED, BAKED_GRANIAN)),
        (STUB_CAPACITY, concurrency.stub_check, (STUB,)),
    ]
    cells = [
        Cell(endpoint, connections, variant)
        for endpoint, connections, variants in rows
        for variant in variants
    ]
    return list({cell.key: cell for cell in cells}.values())
