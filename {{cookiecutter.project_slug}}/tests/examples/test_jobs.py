"""Work after the response: 202 at once, the work afterwards, failures logged."""

import logging
import uuid

import httpx
import pytest

from {{ cookiecutter.package_name }}.examples.jobs import Job, JobBoard, JobBoardFullError, run_job
from tests.examples.jobs import finished


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
