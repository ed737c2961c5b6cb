"""Redis taken as down: requests leave it alone a while; the log hears once per interval.

A failed call opens an interval of `retry_interval` seconds during which no
request tries Redis (each would fail, or wait out the timeout); the first call
after it tries again, so the service recovers on its own. While Redis stays
down, one warning per interval counts the failures, instead of a line per
request.
"""

import logging
import time

logger = logging.getLogger(__name__)


class Outage:
    def __init__(self, retry_interval: float) -> None:
        self.retry_interval = retry_interval
        self.next_attempt = 0.0  # time.monotonic() before which Redis is not tried
        self.down_since: float | None = None
        self.failures_unreported = 0
        self.next_report = 0.0
        # Outages seen since start-up: the item cache starts a new epoch after each.
        self.count = 0

    @property
    def allows_attempt(self) -> bool:
        return time.monotonic() >= self.next_attempt

    def failed(self, what: str, error: BaseException) -> None:
        now = time.monotonic()
        self.next_attempt = now + self.retry_interval
        self.failures_unreported += 1
        if self.down_since is None:
            self.down_since = now
            self.count += 1
        if now >= self.next_report:
            logger.warning(
                "Redis unavailable (%s on %s): %d failed calls in the last %g s; "
                "requests go without it until it answers again",
                type(error).__name__,
                what,
                self.failures_unreported,
                self.retry_interval,
            )
            self.failures_unreported = 0
            self.next_report = now + self.retry_interval

    def succeeded(self) -> None:
        if self.down_since is not None:
            logger.warning("Redis answers again after %.1f s", time.monotonic() - self.down_since)
            self.down_since = None
            self.failures_unreported = 0
            self.next_report = 0.0
