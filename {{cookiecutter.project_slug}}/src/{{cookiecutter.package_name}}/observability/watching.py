"""What the other features tell the observability feature, and what it does with it.

A feature never imports this one: each offers a small hook of its own (the
loop guard's listeners, for one), and a watcher here uses it; the watchers of
features the service was not built with are not there. Counts and gauges that a feature
keeps are copied into the metrics every second, off the requests' path.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import Counter, Histogram

from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.loop_guard.guard import LoopBlockGuard
from {{ cookiecutter.package_name }}.loop_guard.reports import LoopBlock, LoopPause

PUBLISH_EVERY_SECONDS = 1.0

LOOP_LAG = Histogram(
    "event_loop_lag_seconds",
    "How late the loop guard's heartbeat woke up: the wait any ready request had on top.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
LOOP_BLOCKS = Counter(
    "event_loop_blocks", "Times code held the event loop past LOOP_BLOCK_THRESHOLD_MS (logged)."
)
LOOP_PAUSES = Counter(
    "event_loop_pauses", "Times the event loop was late for causes outside the code (logged)."
)


class Watcher(Protocol):
    def publish(self) -> None:
        """Copy what it watches into the metrics: every second, and once at the end."""

    def close(self) -> None:
        """Let go of the hooks it holds."""


# Given the lifespan state and the tracer provider; None when what it watches is not there.
WatcherFactory = Callable[[State, TracerProvider], Watcher | None]


class LoopGuardWatcher:
    """The loop guard's heartbeats, as the lag histogram, and its blocks and pauses, counted."""

    def __init__(self, guard: LoopBlockGuard) -> None:
        self.guard = guard
        guard.listeners.append(self.heard)

    def heard(self, late: float, report: LoopBlock | LoopPause | None) -> None:
        LOOP_LAG.observe(late)
        if isinstance(report, LoopBlock):
            LOOP_BLOCKS.inc()
        elif isinstance(report, LoopPause):
            LOOP_PAUSES.inc()

    def publish(self) -> None:
        pass  # recorded as the guard tells

    def close(self) -> None:
        self.guard.listeners.remove(self.heard)


def watch_loop_guard(state: State, _provider: TracerProvider) -> Watcher | None:
    guard: LoopBlockGuard | None = state.get("loop_guard")  # absent when it is turned off
    return LoopGuardWatcher(guard) if guard is not None else None


@contextlib.asynccontextmanager
async def watching(
    factories: Sequence[WatcherFactory], state: State, provider: TracerProvider
) -> AsyncIterator[None]:
    """Start every watcher that has something to watch; publish each second until the end."""
    watchers = [watcher for factory in factories if (watcher := factory(state, provider))]

    async def publish_every_second() -> None:
        while True:
            await asyncio.sleep(PUBLISH_EVERY_SECONDS)
            for watcher in watchers:
                watcher.publish()

    publishing = asyncio.create_task(publish_every_second())
    try:
        yield
    finally:
        publishing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publishing
        for watcher in watchers:
            watcher.publish()
            watcher.close()
