"""Redis, watched: what the rate limits did besides letting a request through.

The limiter counts its own outcomes (`RateLimiter.outcomes`); they are copied
into a counter each second, so that requests let through unlimited while
Redis is down show on a dashboard, not only in the log.
"""

from collections import Counter as Tally

from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import Counter

from {{ cookiecutter.package_name }}.cache.rate_limits import RateLimiter
from {{ cookiecutter.package_name }}.feature import State
from {{ cookiecutter.package_name }}.observability.watching import Watcher

RATE_LIMIT_OUTCOMES = Counter(
    "rate_limit_outcomes",
    "Requests the rate limits did not simply count: `limited` (429), and, with Redis "
    "unavailable, `failed_open` (let through) or `failed_closed` (503).",
    ["outcome"],
)


class RateLimitWatcher:
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.published = Tally[str]()

    def publish(self) -> None:
        for outcome, requests in self.limiter.outcomes.items():
            if new := requests - self.published[outcome]:
                RATE_LIMIT_OUTCOMES.labels(outcome).inc(new)
        self.published = self.limiter.outcomes.copy()

    def close(self) -> None:
        pass  # it holds no hook


def watch_rate_limits(state: State, _provider: TracerProvider) -> Watcher:
    return RateLimitWatcher(state["rate_limiter"])
