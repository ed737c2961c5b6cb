"""The issue's targets, as ratios between cells measured in the same run.

Absolute requests per second on a shared two-core machine mean little; a
ratio between two variants loaded in the same interleaved rounds does.
Every target compares the baked service with a baseline, an ideal, or itself.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace

from comparisons import cpu_text
from measure import CellMeasurement, Cells
from plan import (
    BAKED,
    BAKED_AUTH,
    BAKED_BARE,
    BAKED_CACHED,
    BAKED_UNOBSERVED,
    HEALTH,
    HOT_ITEM,
    ITEM,
    ITEMS,
    NAIVE,
    RAW,
    STUB,
    STUB_CAPACITY,
    SYNC,
    SYNC_POOL_40,
    UPSTREAM,
    Concurrency,
    Endpoint,
    Variant,
)

AT_LEAST = (">=", operator.ge)
AT_MOST = ("<=", operator.le)


@dataclass(frozen=True)
class TargetResult:
    endpoint: str
    measure: str  # what the value is, e.g. "baked / Starlette + asyncpg"
    value: float | None  # None when it cannot be computed (a baseline stalled)
    bound: str  # e.g. ">= 0.22"
    met: bool
    detail: str  # the numbers the value comes from

    def as_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "measure": self.measure,
            "value": None if self.value is None else round(self.value, 3),
            "target": self.bound,
            "met": self.met,
            "detail": self.detail,
        }


def compare(
    endpoint: str,
    measure: str,
    numerator: float,
    denominator: float,
    bound: tuple[str, Callable[[float, float], bool]],
    threshold: float,
    unit: str = "req/s",
) -> TargetResult:
    symbol, holds = bound
    value = numerator / denominator if denominator > 0 else None
    return TargetResult(
        endpoint=endpoint,
        measure=measure,
        value=value,
        bound=f"{symbol} {threshold:g}",
        met=value is not None and holds(value, threshold),
        detail=f"{numerator:.0f} / {denominator:.0f} {unit}",
    )


def throughput_ratio(
    cells: Cells,
    endpoint: Endpoint,
    connections: int,
    baseline: Variant,
    threshold: float,
    label: str,
) -> TargetResult:
    """baked / baseline on one cell; a stalled baked run meets no target."""
    baked = cells.get(endpoint, connections, BAKED)
    base = cells.get(endpoint, connections, baseline)
    result = compare(
        f"{endpoint.path}, {connections} conn.",
        f"baked / {label}",
        baked.ok_per_second,
        base.ok_per_second,
        AT_LEAST,
        threshold,
    )
    if baked.stalled:
        return replace(result, met=False, detail="baked stalled")
    if base.stalled:
        return replace(result, detail=f"{result.detail} ({label} stalled)")
    return result


def evaluate(
    measurements: list[CellMeasurement], concurrency: Concurrency, upstream_latency_s: float
) -> list[TargetResult]:
    cells = Cells(measurements)
    standard, high = concurrency.standard, concurrency.high
    upstream = cells.get(UPSTREAM, standard, BAKED)
    ideal = standard / upstream_latency_s
    return [
        throughput_ratio(cells, HEALTH, standard, RAW, 0.4, "bare Starlette"),
        throughput_ratio(cells, HEALTH, standard, BAKED_BARE, 0.9, "baked without its middleware"),
        throughput_ratio(cells, HEALTH, standard, NAIVE, 0.9, "naive async peer"),
        observability_cost(cells, HEALTH, standard, 0.85),
        throughput_ratio(cells, ITEM, standard, RAW, 0.17, "Starlette + raw asyncpg"),
        throughput_ratio(cells, ITEM, standard, NAIVE, 1.0, "naive async peer"),
        throughput_ratio(cells, ITEM, standard, SYNC_POOL_40, 1.4, "sync style, 40-conn. pool"),
        observability_cost(cells, ITEM, standard, 0.9),
        auth_cost(cells, ITEM, standard, 0.9),
        cache_gain(cells, standard, BAKED, "baked uncached", 2.0),
        cache_gain(cells, standard, NAIVE, "naive async peer", 2.0),
        throughput_ratio(cells, ITEMS, standard, RAW, 0.18, "Starlette + raw asyncpg"),
        throughput_ratio(cells, ITEMS, standard, NAIVE, 1.0, "naive async peer"),
        throughput_ratio(cells, ITEMS, standard, SYNC_POOL_40, 1.4, "sync style, 40-conn. pool"),
        compare(
            f"{UPSTREAM.path}, {standard} conn.",
            f"baked / ideal ({standard} conn. / {upstream_latency_s * 1000:g} ms)",
            upstream.ok_per_second,
            ideal,
            AT_LEAST,
            0.9,
        ),
        compare(
            f"{UPSTREAM.path}, {standard} conn.",
            "baked p99 / p50",
            upstream.p99_ms,
            upstream.p50_ms,
            AT_MOST,
            2.0,
            unit="ms",
        ),
        errors_of(cells.get(UPSTREAM, high, BAKED), f"{UPSTREAM.path}, {high} conn."),
        throughput_ratio(cells, UPSTREAM, high, SYNC, 2.0, "sync style"),
        sync_default_stalls(cells, standard, high),
        baked_never_stalls(cells),
        stub_headroom(cells, concurrency),
    ]


def observability_cost(
    cells: Cells, endpoint: Endpoint, connections: int, threshold: float
) -> TargetResult:
    """The default bake (observability on, 1% of traces recorded and sent) against the same
    answers with observability=no; the detail gives both CPU times per request."""
    on = cells.get(endpoint, connections, BAKED)
    off = cells.get(endpoint, connections, BAKED_UNOBSERVED)
    result = compare(
        f"{endpoint.path}, {connections} conn.",
        "observability on (1% sampled) / off",
        on.ok_per_second,
        off.ok_per_second,
        AT_LEAST,
        threshold,
    )
    cpu = f"; CPU {cpu_text(on)} / {cpu_text(off)} ms/req."
    stalled = [m.cell.variant.name for m in (on, off) if m.stalled]
    if stalled:
        return replace(result, met=False, detail=f"{', '.join(stalled)} stalled")
    return replace(result, detail=result.detail + cpu)


def auth_cost(cells: Cells, endpoint: Endpoint, connections: int, threshold: float) -> TargetResult:
    """A bake with auth=oidc, each request with a valid token, against the default bake's
    unauthenticated answers; the detail gives both CPU times per request."""
    on = cells.get(endpoint, connections, BAKED_AUTH)
    off = cells.get(endpoint, connections, BAKED)
    result = compare(
        f"{endpoint.path}, {connections} conn.",
        "authenticated / unauthenticated",
        on.ok_per_second,
        off.ok_per_second,
        AT_LEAST,
        threshold,
    )
    stalled = [m.cell.variant.name for m in (on, off) if m.stalled]
    if stalled:
        return replace(result, met=False, detail=f"{', '.join(stalled)} stalled")
    return replace(result, detail=f"{result.detail}; CPU {cpu_text(on)} / {cpu_text(off)} ms/req.")


def cache_gain(
    cells: Cells, connections: int, baseline: Variant, label: str, threshold: float
) -> TargetResult:
    """One item read over and over: the cache=redis bake (hits) against an uncached read."""
    cached = cells.get(HOT_ITEM, connections, BAKED_CACHED)
    base = cells.get(HOT_ITEM, connections, baseline)
    result = compare(
        f"{HOT_ITEM.path}, {connections} conn.",
        f"cached read / {label}",
        cached.ok_per_second,
        base.ok_per_second,
        AT_LEAST,
        threshold,
    )
    stalled = [m.cell.variant.name for m in (cached, base) if m.stalled]
    if stalled:
        return replace(result, met=False, detail=f"{', '.join(stalled)} stalled")
    return replace(
        result, detail=f"{result.detail}; CPU {cpu_text(cached)} / {cpu_text(base)} ms/req."
    )


def errors_of(measurement: CellMeasurement, endpoint: str) -> TargetResult:
    errors = measurement.errors
    return TargetResult(
        endpoint=endpoint,
        measure="baked errors (socket, non-2xx, timeouts)",
        value=float(errors.total),
        bound="= 0",
        met=errors.total == 0 and not measurement.stalled,
        detail=f"{errors.socket} socket, {errors.http} non-2xx, {errors.timeouts} timeouts",
    )


def sync_default_stalls(cells: Cells, standard: int, high: int) -> TargetResult:
    """Not a target of the baked service: the failure the targets are set against, confirmed.

    The deadlock is a race at 64 connections, so a level counts as stalled
    when any of the sync style's database cells at that level stalled.
    """
    levels = sorted({standard, high})
    database_cells = [m for m in cells.of_variant(SYNC) if m.cell.endpoint in (ITEM, ITEMS)]
    stalled_at = {m.cell.connections for m in database_cells if m.stalled}
    return TargetResult(
        endpoint=f"database routes, {' and '.join(map(str, levels))} conn.",
        measure="sync style, default pool: levels where it stalled",
        value=float(len(stalled_at & set(levels))),
        bound=f"= {len(levels)} (it stalls)",
        met=set(levels) <= stalled_at,
        detail=", ".join(
            f"{m.cell.key}: {m.stalled_runs} of {len(m.runs) + (m.warmup is not None)} runs stalled"
            for m in database_cells
        ),
    )


def baked_never_stalls(cells: Cells) -> TargetResult:
    baked = cells.of_variant(BAKED)
    stalled = [m.cell.key for m in baked if m.stalled]
    errors = sum(m.errors.total for m in baked)
    return TargetResult(
        endpoint=f"all {len(baked)} baked cells",
        measure="baked stalled cells + errors",
        value=float(len(stalled) + errors),
        bound="= 0",
        met=not stalled and errors == 0,
        detail=f"{len(stalled)} stalled{': ' + ', '.join(stalled) if stalled else ''}, "
        f"{errors} errors",
    )


def stub_headroom(cells: Cells, concurrency: Concurrency) -> TargetResult:
    """The stub must not be what limits a relay: it serves 1.5x the most any relay asked."""
    stub = cells.get(STUB_CAPACITY, concurrency.stub_check, STUB)
    relays = [m for m in cells.by_key.values() if m.cell.endpoint == UPSTREAM]
    busiest = max(relays, key=lambda m: m.ok_per_second)
    return compare(
        f"upstream stub, {concurrency.stub_check} conn.",
        f"stub capacity / busiest relay ({busiest.cell.key})",
        stub.ok_per_second,
        busiest.ok_per_second,
        AT_LEAST,
        1.5,
    )
