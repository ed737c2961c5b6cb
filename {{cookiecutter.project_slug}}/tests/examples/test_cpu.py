"""CPU-heavy work in the process pool: right answers, and the loop stays free meanwhile."""

import asyncio
import multiprocessing
import os
import signal

import httpx
import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.examples.primes import count_primes
from tests.support.serving import client_for
from tests.support.waiting import polled

# The largest computation the tests' settings allow: about half a second of CPU.
LONGEST = "/examples/primes?below=10000000"


@pytest.mark.parametrize(
    ("below", "primes"),
    [(0, 0), (2, 0), (3, 1), (10, 4), (11, 4), (100, 25), (7919, 999), (7920, 1000)],
)
def test_count_primes(below: int, primes: int) -> None:
    assert count_primes(below) == primes


async def test_the_route_counts_in_a_worker_process(client: httpx.AsyncClient) -> None:
    response = await client.get("/examples/primes", params={"below": 1_000_000})

    assert response.status_code == 200
    assert response.json() == {"below": 1_000_000, "primes": 78_498}


async def test_more_work_than_the_setting_allows_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/examples/primes", params={"below": 10_000_001})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "below"]
    assert error["msg"] == "Input should be less than or equal to 10000000"


async def test_other_requests_are_served_while_the_work_runs(client: httpx.AsyncClient) -> None:
    # The event-loop guard (conftest.py) fails this test if the loop is held
    # for more than 250 ms at any point; here, the loop must also get through
    # several requests before the computation ends.
    computing = asyncio.create_task(client.get(LONGEST))
    await asyncio.sleep(0.2)  # the worker has started on it

    for _ in range(5):
        assert (await client.get("/health")).status_code == 200
    assert not computing.done()

    assert (await computing).json()["primes"] == 664_579


async def test_the_same_work_on_the_event_loop_would_hold_it(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The pitfall the pool avoids, shown by the event-loop guard."""

    @app.get("/primes-on-the-loop")
    async def primes_on_the_loop() -> int:
        return count_primes(10_000_000)

    await client.get("/primes-on-the-loop")
    await asyncio.sleep(0.05)  # the guard reports once the loop is free again

    [warning] = [r.getMessage() for r in caplog.records if r.name.endswith(".loop_guard")]
    assert "by GET /primes-on-the-loop" in warning
    caplog.clear()  # the block was on purpose: the conftest check must not fail this test


async def test_a_worker_that_dies_fails_its_request_and_the_next_gets_a_new_pool(
    client: httpx.AsyncClient,
) -> None:
    computing = asyncio.create_task(client.get(LONGEST))
    [worker] = await polled(multiprocessing.active_children, seconds=1)  # started for this task
    os.kill(worker.pid or 0, signal.SIGKILL)  # before or during the task: either way it is lost

    assert (await computing).status_code == 503
    response = await client.get("/examples/primes", params={"below": 100})
    assert response.json() == {"below": 100, "primes": 25}


async def test_the_workers_stop_with_the_service(app: FastAPI) -> None:
    async with client_for(app) as client:
        await client.get("/examples/primes", params={"below": 100})
        assert len(multiprocessing.active_children()) == 1

    # active_children() also reaps the workers that have exited
    assert await polled(lambda: not multiprocessing.active_children())
    assert multiprocessing.active_children() == []


async def test_more_tasks_than_the_pool_takes_get_503_at_once(client: httpx.AsyncClient) -> None:
    # One worker takes two tasks, one running and one waiting; a third is refused.
    running = asyncio.create_task(client.get(LONGEST))
    waiting = asyncio.create_task(client.get("/examples/primes", params={"below": 100}))
    taken = [running, waiting]
    await asyncio.sleep(0.1)

    refused = await client.get("/examples/primes", params={"below": 100})

    assert refused.status_code == 503
    assert refused.json() == {"detail": "every worker is busy, try again later"}
    assert [(await task).status_code for task in taken] == [200, 200]
