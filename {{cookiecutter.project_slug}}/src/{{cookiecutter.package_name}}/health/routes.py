"""`/health` says the process serves; `/health/ready` runs every feature's readiness check."""

import asyncio
from collections.abc import Mapping

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, PositiveFloat
from pydantic_settings import BaseSettings

from {{ cookiecutter.package_name }}.errors import DependencyUnavailableError
from {{ cookiecutter.package_name }}.feature import ReadinessCheck, State
from {{ cookiecutter.package_name }}.routing import feature_router

router = feature_router(prefix="/health", tags=["health"])


class HealthSettings(BaseSettings):
    # Seconds /health/ready waits for its checks before it answers 503.
    health_check_timeout: PositiveFloat = 2.0


class Liveness(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    status: str = "ready"
    checks: dict[str, str]


class NotReady(BaseModel):
    detail: str
    checks: dict[str, str]


# Probes ask every few seconds, on every replica: the answer is made once, so
# a probe pays for no validation and no serialization.
LIVE = Liveness().model_dump_json().encode()


@router.get("", response_model=Liveness)
async def liveness() -> Response:
    """The process is up and serving. Does no I/O, so it stays fast under any load."""
    return Response(LIVE, media_type="application/json")


@router.get("/ready", response_model=Readiness, responses={503: {"model": NotReady}})
async def readiness(request: Request) -> Readiness | JSONResponse:
    """The service can do its work: every feature's check passes in time, all at once."""
    settings: HealthSettings = request.state.settings
    checks: Mapping[str, ReadinessCheck] = request.state.readiness_checks
    state: State = request.scope["state"]
    time_limit = settings.health_check_timeout
    async with asyncio.TaskGroup() as group:
        running = {
            name: group.create_task(outcome(check, state, time_limit))
            for name, check in checks.items()
        }
    outcomes = {name: task.result() for name, task in running.items()}
    problems = [f"{name} {problem}" for name, problem in outcomes.items() if problem != "ok"]
    if not problems:
        return Readiness(checks=outcomes)
    not_ready = NotReady(detail="; ".join(problems), checks=outcomes)
    return JSONResponse(status_code=503, content=not_ready.model_dump())


async def outcome(check: ReadinessCheck, state: State, time_limit: float) -> str:
    """`ok`, or what went wrong: no answer in time, or why it is unavailable."""
    try:
        async with asyncio.timeout(time_limit):
            await check(state)
    except TimeoutError:
        return f"no answer within {time_limit:g} s"
    except DependencyUnavailableError as unavailable:
        return f"unreachable ({unavailable.reason})"
    return "ok"
