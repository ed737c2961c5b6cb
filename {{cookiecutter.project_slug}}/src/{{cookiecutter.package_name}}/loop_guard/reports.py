"""What the guard reports: blocks, which fail the tests, and pauses, which do not.

A block comes from the logger `<package>.loop_guard`: the tests fail on any
warning of it, and it names the route and the line. A pause comes from
`<package>.loop_guard.pauses`: the loop was late for causes outside the code.
"""

import logging
from dataclasses import dataclass

logger = logging.getLogger(__package__)
pause_logger = logging.getLogger(f"{__package__}.pauses")


@dataclass(frozen=True)
class LoopBlock:
    route: str  # e.g. "GET /items/{item_id}", or "outside any request"
    stack: str  # where the loop thread was, innermost frame last
    held_for: float  # seconds the code held the loop


@dataclass(frozen=True)
class LoopPause:
    late: float  # seconds the heartbeat was late
    causes: dict[str, float]  # seconds of each cause, e.g. {"garbage collection": 0.21}


def report_block(block: LoopBlock) -> LoopBlock:
    logger.warning(
        "event loop blocked for %.0f ms by %s; move blocking work to "
        "asyncio.to_thread or a process pool. The loop was here:\n%s",
        block.held_for * 1000,
        block.route,
        block.stack,
    )
    return block


def report_pause(pause: LoopPause) -> LoopPause:
    causes = ", ".join(
        f"{cause} {seconds * 1000:.0f} ms" for cause, seconds in pause.causes.items()
    )
    pause_logger.warning(
        "event loop paused for %.0f ms by causes outside the code: %s",
        pause.late * 1000,
        causes,
    )
    return pause
