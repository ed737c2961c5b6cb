"""Work after the response: 202 at once, the work afterwards, failures logged."""

import asyncio
{%- if cookiecutter.database != "none" %}
import io
import json
{%- endif %}
import logging
import uuid
{%- if cookiecutter.database != "none" %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
{%- endif %}

import httpx
import pytest
{%- if cookiecutter.database != "none" %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
{%- endif %}

from {{ cookiecutter.package_name }}.examples.jobs import Job, JobBoard, JobBoardFullError, run_job
{%- if cookiecutter.database != "none" %}
from {{ cookiecutter.package_name }}.logs import build_handler
{%- endif %}


async def finished(client: httpx.AsyncClient, location: str) -> dict[str, str]:
    """The job at `location`, once it is done or failed."""
    for _ in range(200):
        job: dict[str, str] = (await client.get(location)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job at {location} did not finish: {job}")


async def test_a_job_is_accepted_with_202_and_done_after_the_response(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/examples/jobs", json={"names": [" lamp", "desk", "lamp "]})

    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "pending"
    assert response.headers["location"] == f"/examples/jobs/{accepted['id']}"
    job = await finished(client, response.headers["location"])
    assert job["status"] == "done"
{%- if cookiecutter.database != "none" %}
    assert job["detail"].startswith("stored 3 items: ids ")
    ids = job["detail"].removeprefix("stored 3 items: ids ").split(", ")
    names = [(await client.get(f"/items/{item_id}")).json()["name"] for item_id in ids]
    assert names == [" lamp", "desk", "lamp "]
{%- else %}
    assert job["detail"] == "2 distinct names: lamp, desk"
{%- endif %}
{%- if cookiecutter.database != "none" %}


@asynccontextmanager
async def item_table_locked(database: str) -> AsyncIterator[AsyncConnection]:
    """Hold a write lock on the item table, from a connection of the test's own."""
    engine = create_async_engine(database)
    try:
        async with engine.connect() as connection:
{%- if cookiecutter.database == "postgresql" %}
            await connection.execute(text("LOCK TABLE item IN ACCESS EXCLUSIVE MODE"))
{%- else %}
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
{%- endif %}
            yield connection
            await connection.rollback()
    finally:
        await engine.dispose()


async def test_the_answer_does_not_wait_for_the_work(server_url: str, database: str) -> None:
    # While the table is locked the job cannot store anything, yet the 202 comes back.
    async with httpx.AsyncClient(base_url=server_url) as client:
        async with item_table_locked(database):
            response = await asyncio.wait_for(
                client.post("/examples/jobs", json={"names": ["lamp"]}), timeout=2
            )
            assert response.status_code == 202
            still = (await client.get(response.headers["location"])).json()
            assert still["status"] in ("pending", "running")

        job = await finished(client, response.headers["location"])
        assert job["status"] == "done"


async def test_a_failed_job_is_logged_with_its_reason_and_marked_failed(
    client: httpx.AsyncClient, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE item"))
    await engine.dispose()

    service_log = io.StringIO()
    handler = build_handler("json", service_log)  # the service's own log handler
    logging.getLogger().addHandler(handler)
    try:
        response = await client.post("/examples/jobs", json={"names": ["lamp"]})
        job = await finished(client, response.headers["location"])
    finally:
        logging.getLogger().removeHandler(handler)

    assert response.status_code == 202
    assert job["status"] == "failed"
    assert job["detail"] == "the job failed; the service log has the reason"
    [record] = [r for r in caplog.records if r.name.endswith("examples.jobs")]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"job {job['id']} failed"
    logged = [json.loads(line) for line in service_log.getvalue().splitlines()]
    [entry] = [entry for entry in logged if entry["logger"].endswith("examples.jobs")]
{%- if cookiecutter.database == "postgresql" %}
    assert 'relation "item" does not exist' in entry["exception"]
{%- else %}
    assert "no such table: item" in entry["exception"]
{%- endif %}
    assert entry["request_id"] == response.headers["x-request-id"]  # the request that submitted it
{%- endif %}


async def test_run_job_records_and_logs_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    async def work() -> str:
        raise ValueError("no such printer")

    job = Job(id=uuid.uuid4())
    await run_job(job, work)

    assert job.status == "failed"
    [record] = [r for r in caplog.records if r.name.endswith("examples.jobs")]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "no such printer" in caplog.text


@pytest.mark.parametrize(
    "body",
    [{"names": []}, {"names": [""]}, {"names": ["x"] * 101}, {"names": "lamp"}, {}],
    ids=["no-names", "empty-name", "too-many", "not-a-list", "missing"],
)
async def test_a_bad_request_is_refused_before_any_job_starts(
    client: httpx.AsyncClient, body: object
) -> None:
    response = await client.post("/examples/jobs", json=body)

    assert response.status_code == 422


async def test_an_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/examples/jobs/{uuid.uuid4()}")

    assert response.status_code == 404


def test_a_full_job_board_forgets_the_oldest_finished_job() -> None:
    board = JobBoard(kept=3)
    first, second, third = board.add(), board.add(), board.add()
    second.status, third.status = "done", "failed"

    fourth = board.add()

    assert board.get(second.id) is None  # the oldest finished; the older `first` still runs
    assert [board.get(job.id) for job in (first, third, fourth)] == [first, third, fourth]


def test_when_no_job_has_finished_a_new_one_is_refused() -> None:
    board = JobBoard(kept=2)
    board.add(), board.add()

    with pytest.raises(JobBoardFullError):
        board.add()
