"""CPU-heavy work in a process pool, so the event loop keeps serving meanwhile.

`GET /examples/primes?below=N` counts the primes below N. The computation
runs in a worker process of a pool created in the lifespan and shut down
with it. The event loop only awaits the result, so other requests are
served while it runs, and the work uses a second core.

Why a process and not `asyncio.to_thread`: pure-Python work holds the GIL,
so a thread would still stall the loop's thread for most of the time.
A thread is right for blocking calls that release the GIL (file I/O, most C
libraries, `hashlib`).

A computation cannot be stopped once a worker runs it, not even when its
client has gone. So each one is bounded (`EXAMPLES_PRIMES_MAX_BELOW`), and
the pool takes at most two tasks per worker at a time, running or queued:
beyond that, requests get 503 at once rather than queueing without end.
"""

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.examples.primes import count_primes
from {{ cookiecutter.package_name }}.examples.settings import ExamplesSettings
from {{ cookiecutter.package_name }}.routing import feature_router

logger = logging.getLogger(__name__)

router = feature_router(prefix="/examples", tags=["examples"])

Result = TypeVar("Result")


class WorkerPoolBusyError(Exception):
    """Every worker has its share of tasks already."""


class WorkerPool:
    """A bounded process pool that replaces itself when one of its workers dies.

    A worker killed mid-task (by the kernel's out-of-memory killer, say)
    breaks a `ProcessPoolExecutor` for good: every later task would fail.
    Here the tasks that met the broken pool fail, and the next get a new one.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = self._new_executor()
        self.slots = asyncio.Semaphore(2 * workers)  # one running and one waiting, per worker

    def _new_executor(self) -> ProcessPoolExecutor:
        # "spawn" starts each worker as a fresh interpreter. Linux's default,
        # "fork", would copy this process mid-flight: its event loop, its
        # threads and any lock one of them holds.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    async def run(self, function: Callable[..., Result], *args: Any) -> Result:
        """`function(*args)` in a worker process.

        Raises WorkerPoolBusyError when the pool has its fill of tasks, and
        BrokenProcessPool when the worker died.
        """
        if self.slots.locked():
            raise WorkerPoolBusyError
        executor = self.executor
        try:
            async with self.slots:
                return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            if executor is self.executor:  # the first task to see it replaces the pool
                logger.error("a worker process died; starting a new process pool")
                self.executor = self._new_executor()
                executor.shutdown(wait=False)
            raise

    async def shutdown(self) -> None:
        # Waiting for the workers to exit blocks: it runs in a thread.
        await asyncio.to_thread(self.executor.shutdown, wait=True, cancel_futures=True)


@asynccontextmanager
async def open_worker_pool(settings: ExamplesSettings) -> AsyncIterator[WorkerPool]:
    """Create the pool at start-up (its workers start at the first task); stop them at shutdown."""
    pool = WorkerPool(settings.examples_cpu_workers)
    try:
        yield pool
    finally:
        await pool.shutdown()


class PrimeCount(BaseModel):
    below: int
    primes: int


@router.get(
    "/primes",
    responses={503: {"model": ErrorDetail, "description": "Every worker is busy, or one died"}},
)
async def primes(below: Annotated[int, Query(ge=0)], request: Request) -> PrimeCount:
    """Count the primes below `below`, in a worker process."""
    settings: ExamplesSettings = request.state.settings
    if below > settings.examples_primes_max_below:
        # The bound is a setting, so it is checked here, and answered in the
        # same shape as FastAPI's own validation errors.
        limit = settings.examples_primes_max_below
        raise RequestValidationError(
            [
                {
                    "type": "less_than_equal",
                    "loc": ("query", "below"),
                    "msg": f"Input should be less than or equal to {limit}",
                    "input": below,
                    "ctx": {"le": limit},
                }
            ]
        )
    pool: WorkerPool = request.state.worker_pool
    try:
        count = await pool.run(count_primes, below)
    except WorkerPoolBusyError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "every worker is busy, try again later"
        ) from None
    except BrokenProcessPool:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "the worker process died; try again"
        ) from None
    return PrimeCount(below=below, primes=count)
