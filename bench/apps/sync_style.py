"""The sync style, as a team writes it by following the best-known full-stack template.

`def` routes (FastAPI runs each in its thread pool of 40), a sync SQLModel
`Session` per request from a generator dependency, over psycopg, a
`response_model` on every route, and one shared sync `httpx.Client` for the
upstream. The engine keeps SQLAlchemy's default pool (5 connections plus 10
overflow) unless `SYNC_POOL_SIZE` sets a fixed pool of that many connections.

The dependency's teardown, which returns the connection to the pool, needs a
thread of its own: when every thread waits for a connection, none is left to
give one back, and the service stalls until the pool timeout (30 s) fails them.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from sqlalchemy.engine import make_url
from sqlmodel import Field, Session, SQLModel, col, create_engine, select


class ItemBase(SQLModel):
    name: str = Field(max_length=255)
    description: str | None = None


class Item(ItemBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class ItemPublic(ItemBase):
    id: int


def engine_options() -> dict[str, Any]:
    if pool_size := os.environ.get("SYNC_POOL_SIZE"):
        return {"pool_size": int(pool_size), "max_overflow": 0}
    return {}


database_url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
engine = create_engine(database_url, **engine_options())


def get_db() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.http = httpx.Client(base_url=os.environ["UPSTREAM_BASE_URL"], timeout=5.0)
    yield
    app.state.http.close()
    engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items", response_model=list[ItemPublic])
def read_items(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    return session.exec(select(Item).order_by(col(Item.id)).offset(offset).limit(limit)).all()


@app.get("/items/{item_id}", response_model=ItemPublic)
def read_item(session: SessionDep, item_id: int) -> Any:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@app.get("/upstream/{path:path}")
def relay(path: str, request: Request) -> Response:
    http: httpx.Client = request.app.state.http
    answer = http.get(f"/{path}")
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )
