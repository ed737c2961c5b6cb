"""A relay with plain httpx: one shared `AsyncClient` on httpx's own connection pool.

The same Starlette route as the raw stack's aiohttp relay, and the same
ceiling of 100 upstream connections as the baked service, so the only
difference is the HTTP client and its pool.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class State(TypedDict):
    upstream: httpx.AsyncClient


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[State]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        base_url=os.environ["UPSTREAM_BASE_URL"], limits=limits, timeout=5.0
    ) as upstream:
        yield State(upstream=upstream)


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def relay(request: Request) -> Response:
    upstream: httpx.AsyncClient = request.state.upstream
    answer = await upstream.get(f"/{request.path_params['path']}")
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


app = Starlette(
    routes=[Route("/health", health), Route("/upstream/{path:path}", relay)],
    lifespan=lifespan,
)
