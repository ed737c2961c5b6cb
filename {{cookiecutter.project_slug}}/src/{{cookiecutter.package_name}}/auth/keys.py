"""The provider's signing keys, cached; refreshed by one fetch however many requests wait.

- A known key is answered from the cache at once, even once the cache is
  stale: a refresh then starts in the background, and while the provider is
  down the stale keys keep serving.
- A token naming an unknown key id waits for one refresh (the provider may
  have rotated its key); every request that arrives meanwhile waits for that
  same refresh instead of starting its own.
- Refreshes are at least `min_interval` seconds apart, whatever starts them,
  so tokens naming made-up key ids cannot flood the provider.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping

from jwt import PyJWK

from {{ cookiecutter.package_name }}.errors import DependencyUnavailableError

logger = logging.getLogger(__name__)

# Fetches the keys: returns them by key id, and the seconds they may be cached.
FetchKeys = Callable[[], Awaitable[tuple[Mapping[str, PyJWK], float]]]


class UnknownKeyError(Exception):
    """The token names a key id the provider does not publish, even after a refresh."""


class SigningKeys:
    def __init__(self, fetch: FetchKeys, min_interval: float) -> None:
        self._fetch = fetch
        self._min_interval = min_interval
        self._keys: Mapping[str, PyJWK] = {}
        self._fresh_until = -math.inf
        self._last_attempt = -math.inf
        self._refreshing: asyncio.Task[None] | None = None
        self._last_failure = "not fetched yet"

    @property
    def available(self) -> bool:
        return bool(self._keys)

    async def key_for(self, key_id: str) -> PyJWK:
        """The key named `key_id`: raises `UnknownKeyError`, or
        `DependencyUnavailableError` when there are no keys at all."""
        key = self._keys.get(key_id)
        if key is not None:
            if time.monotonic() >= self._fresh_until:
                self._start_refresh()  # the stale key serves meanwhile
            return key
        await self.refresh()
        key = self._keys.get(key_id)
        if key is not None:
            return key
        if not self._keys:
            raise self.unavailable()
        raise UnknownKeyError(key_id)

    async def refresh(self) -> None:
        """Wait for the refresh under way, or start one unless the last was too recent."""
        task = self._start_refresh()
        if task is not None:
            # Shielded: a waiter that gives up must not cancel the others' refresh.
            await asyncio.shield(task)

    def _start_refresh(self) -> "asyncio.Task[None] | None":
        if self._refreshing is None and time.monotonic() - self._last_attempt >= self._min_interval:
            self._last_attempt = time.monotonic()
            self._refreshing = asyncio.create_task(self._refresh(), name="refresh signing keys")
        return self._refreshing

    async def _refresh(self) -> None:
        try:
            keys, max_age = await self._fetch()
        except Exception as exc:  # whatever went wrong, the cached keys stay in place
            self._last_failure = f"{type(exc).__name__}: {exc}"
            stale = "keeping the cached keys" if self._keys else "no keys to serve"
            logger.warning("fetching the signing keys failed (%s); %s", self._last_failure, stale)
        else:
            self._keys = keys
            self._fresh_until = time.monotonic() + max_age
        finally:
            self._refreshing = None

    def unavailable(self) -> DependencyUnavailableError:
        """The 503 for when there are no keys, with the last failure for the log."""
        error = DependencyUnavailableError("identity provider", "no signing keys")
        error.__cause__ = RuntimeError(self._last_failure)
        return error

    async def close(self) -> None:
        """Stop a refresh under way (at shutdown)."""
        if self._refreshing is not None:
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
