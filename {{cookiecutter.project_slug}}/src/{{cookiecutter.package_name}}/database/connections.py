"""First come, first served turns at the pool's connections."""

import asyncio
from types import TracebackType

from {{ cookiecutter.package_name }}.errors import DependencyUnavailableError


class ConnectionQueue:
    """One turn per connection the pool can hand out, given in the order asked.

    SQLAlchemy's async pool lets a newcomer take a connection that was just
    returned, ahead of requests already waiting for one. Under a load much
    larger than the pool, a few requests then wait past the pool timeout
    while the rest are fast. Queueing for a turn first keeps the wait fair.

    A turn that is free is taken at once, with no timer; a request that has
    to wait waits at most `timeout` seconds, then is answered 503.
    """

    def __init__(self, size: int, timeout: float) -> None:
        self._turns = asyncio.Semaphore(size)
        self._timeout = timeout
        self.waiting = 0  # requests waiting for a turn now

    async def __aenter__(self) -> None:
        if not self._turns.locked():
            await self._turns.acquire()  # returns at once
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self._timeout):
                await self._turns.acquire()
        except TimeoutError:
            raise DependencyUnavailableError("database", "every connection is busy") from None
        finally:
            self.waiting -= 1

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._turns.release()
