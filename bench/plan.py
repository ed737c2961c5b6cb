"""What the benchmark serves and loads: the variants, the endpoints and the cells.

A cell is one variant loaded on one endpoint at one number of connections;
each round runs every cell once. Connection counts are those of the targets
(64 and 256) in a full run, and a few in a smoke run.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    app: str  # the uvicorn app, `module:attribute`; `{package}` is the baked package
    env: dict[str, str] = field(default_factory=dict)


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


# Every variant runs with uvicorn's --no-access-log; the baked service writes
# its own line per request, so it gets the same treatment: LOG_REQUESTS=false.
BAKED = Variant(
    "baked",
    "the baked service, as baked, with its request log off like every access log here",
    "{package}.main:app",
    {"LOG_REQUESTS": "false"},
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
STUB = Variant("stub", "the upstream stub itself, loaded directly", "apps.upstream_stub:app")

SERVED_VARIANTS = (BAKED, BAKED_BARE, RAW, HTTPX_RELAY, SYNC, SYNC_POOL_40)

HEALTH = Endpoint("health", "/health")
ITEM = Endpoint("item", "/items/{id}", random_item=True)
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
        (HEALTH, standard, (RAW, BAKED_BARE, BAKED)),
        (ITEM, standard, (RAW, SYNC, SYNC_POOL_40, BAKED)),
        (ITEMS, standard, (RAW, SYNC, SYNC_POOL_40, BAKED)),
        (ITEM, high, (SYNC, SYNC_POOL_40, BAKED)),
        (UPSTREAM, standard, (RAW, HTTPX_RELAY, SYNC, BAKED)),
        (UPSTREAM, high, (RAW, HTTPX_RELAY, SYNC, BAKED)),
        (STUB_CAPACITY, concurrency.stub_check, (STUB,)),
    ]
    cells = [
        Cell(endpoint, connections, variant)
        for endpoint, connections, variants in rows
        for variant in variants
    ]
    return list({cell.key: cell for cell in cells}.values())
