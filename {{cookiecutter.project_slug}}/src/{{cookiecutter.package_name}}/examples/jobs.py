"""Work that finishes after the response, with FastAPI's `BackgroundTasks`.

`POST /examples/jobs` answers 202 at once with the job's id and a `Location`;
the work runs after the response has been sent, in this process, and
`GET /examples/jobs/{id}` tells how it went. What a job does with the names
it was given is in `job_work.py`.

A job that fails is logged with its traceback and recorded as failed; nothing
is lost silently. The record of jobs is in memory and bounded, so it is lost
on restart: see README.md, "Work after the response", for when to use a
real queue instead.
"""

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.examples.job_work import work_for
from {{ cookiecutter.package_name }}.routing import feature_router

logger = logging.getLogger(__name__)

router = feature_router(prefix="/examples/jobs", tags=["examples"])

JobStatus = Literal["pending", "running", "done", "failed"]
FINISHED = ("done", "failed")


# No NUL character: most storage refuses or mishandles it.
Name = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]


class JobRequest(BaseModel):
    names: list[Name] = Field(min_length=1, max_length=100)


class Job(BaseModel):
    id: uuid.UUID
    status: JobStatus = "pending"
    # What the job produced, or why it failed.
    detail: str | None = None


class JobBoardFullError(Exception):
    """Every job the board keeps is still pending or running."""


class JobBoard:
    """The latest jobs and how they went, in memory and bounded.

    When full, it forgets the oldest finished job to make room; a job still
    pending or running is never forgotten (its client may still ask), so
    when no job has finished, a new one is refused.
    """

    def __init__(self, kept: int) -> None:
        self._jobs: OrderedDict[uuid.UUID, Job] = OrderedDict()
        self._kept = kept

    def add(self) -> Job:
        if len(self._jobs) >= self._kept:
            finished = next((j for j in self._jobs.values() if j.status in FINISHED), None)
            if finished is None:
                raise JobBoardFullError
            del self._jobs[finished.id]
        job = Job(id=uuid.uuid4())
        self._jobs[job.id] = job
        return job

    def get(self, job_id: uuid.UUID) -> Job | None:
        return self._jobs.get(job_id)


async def get_job_board(request: Request) -> JobBoard:
    jobs: JobBoard = request.state.jobs
    return jobs


JobBoardDep = Annotated[JobBoard, Depends(get_job_board)]


async def run_job(job: Job, work: Callable[[], Awaitable[str]]) -> None:
    """Run `work` for `job` and record how it ended.

    Nobody is waiting for the answer any more, so an error cannot reach a
    client: it is logged with its traceback (and the request's id) instead,
    and the job is marked failed for whoever asks about it.
    """
    job.status = "running"
    try:
        job.detail = await work()
    except Exception:
        logger.exception("job %s failed", job.id)
        job.status, job.detail = "failed", "the job failed; the service log has the reason"
    except asyncio.CancelledError:
        logger.warning("job %s was cancelled: the service stopped before it finished", job.id)
        job.status, job.detail = "failed", "cancelled: the service stopped before it finished"
        raise
    else:
        job.status = "done"


SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "The body is not readable JSON"},
    413: {"model": ErrorDetail, "description": "The body is too large"},
    503: {"model": ErrorDetail, "description": "Too many jobs in progress; retry later"},
}


@router.post("", status_code=status.HTTP_202_ACCEPTED, responses=SUBMIT_ERRORS)
async def submit_job(
    payload: JobRequest,
    background: BackgroundTasks,
    jobs: JobBoardDep,
    request: Request,
    response: Response,
) -> Job:
    """Accept the names, answer 202 at once, and do the job after the response."""
    try:
        job = jobs.add()
    except JobBoardFullError:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "too many jobs in progress, try again later"
        ) from None
    background.add_task(run_job, job, work_for(request, payload.names))
    response.headers["Location"] = request.url_for("read_job", job_id=job.id).path
    return job


@router.get("/{job_id}", responses={404: {"model": ErrorDetail, "description": "No such job"}})
async def read_job(job_id: uuid.UUID, jobs: JobBoardDep) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"job {job_id} not found")
    return job
