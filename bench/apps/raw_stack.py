"""The raw stack the baked service sits on: Starlette routes, asyncpg, aiohttp.

The floor of what one worker can do: no validation, no ORM, no dependency
injection. `/health` is a bare Starlette route; the item routes run one
asyncpg statement each on a pool; `/upstream/...` calls the upstream with
aiohttp used directly. Clients are opened in the lifespan, as in the baked
service, with the same ceilings (20 database connections, 100 upstream ones).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import aiohttp
import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SELECT_ITEM = "SELECT id, name, description FROM item WHERE id = $1"
SELECT_ITEMS = "SELECT id, name, description FROM item ORDER BY id LIMIT $1 OFFSET $2"


class State(TypedDict):
    pool: asyncpg.Pool
    upstream: aiohttp.ClientSession
    upstream_base_url: str


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[State]:
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=10, max_size=20)
    connector = aiohttp.TCPConnector(limit=100)
    timeout = aiohttp.ClientTimeout(total=5)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as upstream:
            yield State(
                pool=pool,
                upstream=upstream,
                upstream_base_url=os.environ["UPSTREAM_BASE_URL"].rstrip("/"),
            )
    finally:
        await pool.close()


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def read_item(request: Request) -> JSONResponse:
    pool: asyncpg.Pool = request.state.pool
    row = await pool.fetchrow(SELECT_ITEM, request.path_params["item_id"])
    if row is None:
        return JSONResponse({"detail": "item not found"}, status_code=404)
    return JSONResponse(dict(row))


async def list_items(request: Request) -> JSONResponse:
    pool: asyncpg.Pool = request.state.pool
    limit = int(request.query_params.get("limit", "20"))
    offset = int(request.query_params.get("offset", "0"))
    rows = await pool.fetch(SELECT_ITEMS, limit, offset)
    return JSONResponse([dict(row) for row in rows])


async def relay(request: Request) -> Response:
    upstream: aiohttp.ClientSession = request.state.upstream
    url = f"{request.state.upstream_base_url}/{request.path_params['path']}"
    async with upstream.get(url) as answer:
        body = await answer.read()
        return Response(body, status_code=answer.status, media_type=answer.content_type)


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/items", list_items),
        Route("/items/{item_id:int}", read_item),
        Route("/upstream/{path:path}", relay),
    ],
    lifespan=lifespan,
)
