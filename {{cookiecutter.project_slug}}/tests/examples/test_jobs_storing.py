"""Jobs that store items: the answer never waits for the database, and a failure is logged."""

import asyncio
import io
import json
import logging

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from {{ cookiecutter.package_name }}.logs import build_handler
from tests.database.locks import item_table_locked
from tests.examples.jobs import finished


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


@pytest.mark.changes_schema
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
