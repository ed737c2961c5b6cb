"""Run the cells: a discarded warm-up, then interleaved rounds, with stalls contained.

Every round runs every cell once, starting one cell further along than the
round before, so that no cell always follows the same one and slow drifts
of a shared machine spread over all variants alike. A stalled server is
replaced by a fresh one, so that its stuck requests cannot spill over into
other cells; a cell whose measured run stalls is measured no more (it is
reported as stalled), and a stall in the warm-up is reported too.
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from load import Errors, RunResult, run_wrk
from plan import Cell, Endpoint, Variant
from servers import Servers


@dataclass(frozen=True)
class Schedule:
    rounds: int
    duration_s: int
    warmup_s: int  # 0: no warm-up
    item_count: int  # ids the random-id load draws from


@dataclass
class CellMeasurement:
    """A cell's warm-up and measured runs. Medians are of the measured runs that answered."""

    cell: Cell
    warmup: RunResult | None = None
    runs: list[RunResult] = field(default_factory=list)

    @property
    def stalled_runs(self) -> int:
        """Stalls, warm-up included: a stall is a stall, even when it is not timed."""
        every_run = [self.warmup, *self.runs] if self.warmup else self.runs
        return sum(run.stalled for run in every_run)

    @property
    def stalled(self) -> bool:
        return self.stalled_runs > 0

    @property
    def answered(self) -> list[RunResult]:
        return [run for run in self.runs if not run.stalled]

    @property
    def ok_per_second(self) -> float:
        return median_of([run.ok_per_second for run in self.answered])

    @property
    def p50_ms(self) -> float:
        return median_of([run.p50_ms for run in self.answered])

    @property
    def p99_ms(self) -> float:
        return median_of([run.p99_ms for run in self.answered])

    @property
    def cpu_ms_per_response(self) -> float | None:
        values = [cpu for run in self.answered if (cpu := run.cpu_ms_per_response) is not None]
        return statistics.median(values) if values else None

    @property
    def errors(self) -> Errors:
        return Errors(
            socket=sum(run.errors.socket for run in self.runs),
            http=sum(run.errors.http for run in self.runs),
            timeouts=sum(run.errors.timeouts for run in self.runs),
        )


class Cells:
    """The measurements of one run, looked up by endpoint, connections and variant."""

    def __init__(self, measurements: list[CellMeasurement]) -> None:
        self.by_key = {m.cell.key: m for m in measurements}

    def get(self, endpoint: Endpoint, connections: int, variant: Variant) -> CellMeasurement:
        return self.by_key[Cell(endpoint, connections, variant).key]

    def of_variant(self, variant: Variant) -> list[CellMeasurement]:
        return [m for m in self.by_key.values() if m.cell.variant == variant]


def median_of(values: list[float]) -> float:
    """The median, or 0 when every run stalled."""
    return statistics.median(values) if values else 0.0


Progress = Callable[[str], None]


def measure(
    cells: list[Cell], servers: Servers, schedule: Schedule, progress: Progress
) -> list[CellMeasurement]:
    def load(cell: Cell, duration_s: int) -> RunResult:
        cpu_before = servers.cpu_seconds(cell.variant)
        headers = {
            name: value.format(**servers.environment.settings)
            for name, value in cell.variant.headers.items()
        }
        result = run_cell(cell, servers.url(cell.variant), schedule, duration_s, headers)
        cpu_after = servers.cpu_seconds(cell.variant)
        if cpu_before is not None and cpu_after is not None:
            result = replace(result, server_cpu_s=cpu_after - cpu_before)
        if result.stalled:
            # A stalled server keeps its stuck requests: start the next run on a fresh one.
            servers.restart(cell.variant)
        return result

    measurements = {cell.key: CellMeasurement(cell) for cell in cells}
    if schedule.warmup_s:
        progress(f"warm-up: {len(cells)} cells, {schedule.warmup_s} s each, not timed")
        for cell in cells:
            measurements[cell.key].warmup = result = load(cell, schedule.warmup_s)
            if result.stalled:
                progress(f"warm-up {cell.key:28} STALLED")

    for round_index in range(schedule.rounds):
        start = round_index * len(cells) // schedule.rounds
        for cell in cells[start:] + cells[:start]:
            measurement = measurements[cell.key]
            if any(run.stalled for run in measurement.runs):
                continue  # a stalled cell is reported as such, not measured again
            result = load(cell, schedule.duration_s)
            measurement.runs.append(result)
            progress(describe(round_index, cell, result))
    return [measurements[cell.key] for cell in cells]


def run_cell(
    cell: Cell, base: str, schedule: Schedule, duration_s: int, headers: dict[str, str]
) -> RunResult:
    if cell.endpoint.random_item:
        return run_wrk(base + "/", cell.connections, duration_s, schedule.item_count, headers)
    return run_wrk(base + cell.endpoint.path, cell.connections, duration_s, headers=headers)


def describe(round_index: int, cell: Cell, result: RunResult) -> str:
    state = "STALLED" if result.stalled else f"{result.ok_per_second:8.0f} req/s"
    return (
        f"round {round_index + 1} {cell.key:28} {state}  p50 {result.p50_ms:7.1f} ms"
        f"  p99 {result.p99_ms:7.1f} ms  errors {result.errors.total}"
    )
