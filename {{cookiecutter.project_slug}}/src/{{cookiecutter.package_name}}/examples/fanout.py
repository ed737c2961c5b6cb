"""Several upstream calls at once: total time close to the slowest call, not the sum.

`GET /examples/fanout?path=a&path=b&path=c` GETs each path (which may
carry its own query string, percent-encoded: `path=search%3Fq%3Dx`) from the
upstream, all at the same time, through the shared client, each within
`EXAMPLES_FANOUT_CALL_TIMEOUT` seconds.

The partial-failure policy: one failed call does not fail the request.

- The answer lists one outcome per path, in the order asked: the upstream's
  status and body (`answered`: a 4xx is an answer too, as in the relay),
  or, for a call that failed, its error (502: unreachable or a server
  error; 504: no answer within its time limit, a wait for a free upstream
  slot included).
- 200 when at least one call was answered; 502 when every call failed.
- A path that is not valid (400) or too long (414) fails the request before
  any call is made.

The calls run in an `asyncio.TaskGroup`: each call turns the failures it
expects into an outcome, so any other error is a bug, and the group then
cancels the calls still running instead of leaving them behind (which
`asyncio.gather` would do).
"""

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.examples.settings import ExamplesSettings
from {{ cookiecutter.package_name }}.routing import feature_router
from {{ cookiecutter.package_name }}.upstream.client import Upstream, UpstreamDep
from {{ cookiecutter.package_name }}.upstream.relay import build_upstream_url, relay_to_upstream

router = feature_router(prefix="/examples", tags=["examples"])

# Calls one request may fan out to.
MAX_PATHS = 10


class CallOutcome(BaseModel):
    path: str
    # The upstream's status, or 502 / 504 when the call failed.
    status_code: int
    # The upstream answered (below 500): `body` holds its answer, else `error` says why not.
    answered: bool
    # The upstream's body as text, or why the call failed.
    body: str | None = None
    error: str | None = None


class FanOut(BaseModel):
    calls: list[CallOutcome]
    failed: int


async def call(upstream: Upstream, path: str, url: httpx.URL, time_limit: float) -> CallOutcome:
    try:
        response = await relay_to_upstream(upstream, url, time_limit)
    except HTTPException as failure:
        return CallOutcome(
            path=path, status_code=failure.status_code, answered=False, error=str(failure.detail)
        )
    return CallOutcome(
        path=path, status_code=response.status_code, answered=True, body=response.text
    )


def upstream_url(upstream: Upstream, path: str) -> httpx.URL:
    path, _, query = path.partition("?")
    # The query is percent-encoded, except for `=`, `&`, `+` and `%` escapes already made.
    return build_upstream_url(upstream.base_url, path, quote(query, safe="=&+%").encode())


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "A path has '.', '..' or control characters"},
    414: {"model": ErrorDetail, "description": "A path is too long"},
    502: {"model": FanOut, "description": "Every call failed; each outcome says why"},
}


@router.get("/fanout", response_model=FanOut, responses=ERRORS)
async def fan_out(
    upstream: UpstreamDep,
    request: Request,
    path: Annotated[list[str], Query(min_length=1, max_length=MAX_PATHS)],
) -> FanOut | JSONResponse:
    """GET every `path` from the upstream at once; see the module's docstring for failures."""
    settings: ExamplesSettings = request.state.settings
    # Every path is checked before the first call is made.
    urls = [upstream_url(upstream, each) for each in path]
    timeout = settings.examples_fanout_call_timeout
    async with asyncio.TaskGroup() as group:
        calls = [
            group.create_task(call(upstream, each, url, timeout))
            for each, url in zip(path, urls, strict=True)
        ]
    outcomes = [task.result() for task in calls]
    answer = FanOut(calls=outcomes, failed=sum(not outcome.answered for outcome in outcomes))
    if answer.failed == len(outcomes):
        return JSONResponse(answer.model_dump(), status_code=502)
    return answer
