"""Reported beside the targets, with no bound: what the server alone changes.

The baked service under granian against itself under uvicorn, on every cell
where both run; the baked service against the naive peer with granian on
both sides, so that the ratio compares the apps and not the servers; and the
baked service recording every trace against itself baked without observability. Each
row gives throughput and p99 as ratios, and the CPU per request of both.
"""

from dataclasses import dataclass

from measure import CellMeasurement, Cells
from plan import BAKED, BAKED_GRANIAN, BAKED_TRACED_ALL, BAKED_UNOBSERVED, NAIVE_GRANIAN


@dataclass(frozen=True)
class Comparison:
    endpoint: str
    measure: str  # e.g. "baked: granian / uvicorn"
    throughput: float | None  # ratio of successful responses per second; None: no denominator
    p99: float | None  # ratio of p99 latencies (lower is better for the numerator)
    detail: str  # the numbers the ratios come from

    def as_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "measure": self.measure,
            "throughput": None if self.throughput is None else round(self.throughput, 3),
            "p99": None if self.p99 is None else round(self.p99, 3),
            "detail": self.detail,
        }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def cpu_text(measurement: CellMeasurement) -> str:
    cpu = measurement.cpu_ms_per_response
    return "-" if cpu is None else f"{cpu:.2f}"


def compare_cells(measure: str, first: CellMeasurement, second: CellMeasurement) -> Comparison:
    cell = first.cell
    stalled = [m.cell.variant.name for m in (first, second) if m.stalled]
    return Comparison(
        endpoint=f"{cell.endpoint.path}, {cell.connections} conn.",
        measure=measure,
        throughput=ratio(first.ok_per_second, second.ok_per_second),
        p99=ratio(first.p99_ms, second.p99_ms),
        detail=(
            f"{first.ok_per_second:.0f} / {second.ok_per_second:.0f} req/s, "
            f"p99 {first.p99_ms:.1f} / {second.p99_ms:.1f} ms, "
            f"CPU {cpu_text(first)} / {cpu_text(second)} ms/req."
            + (f" ({', '.join(stalled)} stalled)" if stalled else "")
        ),
    )


def server_comparisons(measurements: list[CellMeasurement]) -> list[Comparison]:
    cells = Cells(measurements)
    rows = []
    for granian in cells.of_variant(BAKED_GRANIAN):
        uvicorn = cells.get(granian.cell.endpoint, granian.cell.connections, BAKED)
        rows.append(compare_cells("baked: granian / uvicorn", granian, uvicorn))
    for naive in cells.of_variant(NAIVE_GRANIAN):
        baked = cells.get(naive.cell.endpoint, naive.cell.connections, BAKED_GRANIAN)
        rows.append(compare_cells("both under granian: baked / naive peer", baked, naive))
    for traced in cells.of_variant(BAKED_TRACED_ALL):
        off = cells.get(traced.cell.endpoint, traced.cell.connections, BAKED_UNOBSERVED)
        rows.append(compare_cells("every trace recorded and sent / observability off", traced, off))
    return rows
