"""The naive async peer: the service a team writes from the FastAPI and SQLModel tutorials.

FastAPI, one engine and one `async_sessionmaker(expire_on_commit=False)` at
module level, a yield dependency (`async with SessionLocal() as session:
yield session`), `session.get` and `session.exec(select(...))`, a
`response_model` on every item route, the tutorial's `Query(le=100)` on the
list, no middleware. The pool is 10 + 10, as in the baked service. Each read
runs in a transaction of its own (BEGIN, SELECT, ROLLBACK), as a default
session does.

It is what the baked service must beat: everything the template adds has to
pay for itself against this.
"""

import os
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession


class ItemBase(SQLModel):
    name: str = Field(max_length=255)
    description: str | None = None


class Item(ItemBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class ItemRead(ItemBase):
    id: int


database_url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")
engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items", response_model=list[ItemRead])
async def list_items(
    session: SessionDep, offset: int = 0, limit: Annotated[int, Query(le=100)] = 100
) -> list[Item]:
    result = await session.exec(select(Item).order_by(col(Item.id)).offset(offset).limit(limit))
    return list(result.all())


@app.get("/items/{item_id}", response_model=ItemRead)
async def read_item(item_id: int, session: SessionDep) -> Item:
    item = await session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item
