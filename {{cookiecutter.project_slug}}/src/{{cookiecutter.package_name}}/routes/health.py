"""Liveness and readiness probes."""
{% if cookiecutter.database != "none" %}
import asyncio
{% endif %}
from fastapi import APIRouter, {% if cookiecutter.database != "none" %}Request, {% endif %}Response
{%- if cookiecutter.database != "none" %}
from fastapi.responses import JSONResponse
{%- endif %}
from pydantic import BaseModel
{%- if cookiecutter.database != "none" %}
from sqlalchemy.ext.asyncio import AsyncEngine

from {{ cookiecutter.package_name }}.db import is_unavailable, ping
from {{ cookiecutter.package_name }}.settings import Settings
{%- endif %}

router = APIRouter(prefix="/health", tags=["health"])


class Liveness(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    status: str = "ready"
    checks: dict[str, str]
{%- if cookiecutter.database != "none" %}


class NotReady(BaseModel):
    detail: str
    checks: dict[str, str]
{%- endif %}


# Probes ask every few seconds, on every replica: the answer is made once, so
# a probe pays for no validation and no serialization.
LIVE = Liveness().model_dump_json().encode()


@router.get("", response_model=Liveness)
async def liveness() -> Response:
    """The process is up and serving. Does no I/O, so it stays fast under any load."""
    return Response(LIVE, media_type="application/json")


{% if cookiecutter.database != "none" -%}
@router.get("/ready", response_model=Readiness, responses={503: {"model": NotReady}})
async def readiness(request: Request) -> Readiness | JSONResponse:
    """The service can do its work: the database answers `SELECT 1` in time."""
    settings: Settings = request.state.settings
    engine: AsyncEngine = request.state.engine
    try:
        async with asyncio.timeout(settings.health_check_timeout):
            await ping(engine)
    except TimeoutError:
        problem = f"no answer within {settings.health_check_timeout:g} s"
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        problem = f"unreachable ({type(exc).__name__})"
    else:
        return Readiness(checks={"database": "ok"})
    return JSONResponse(
        status_code=503,
        content=NotReady(detail=f"database {problem}", checks={"database": problem}).model_dump(),
    )
{%- else -%}
@router.get("/ready")
async def readiness() -> Readiness:
    """The service can do its work. It has no backing service to check."""
    return Readiness(checks={})
{%- endif %}
