"""CRUD for items: the example resource to copy when adding your own."""

from typing import Annotated

from fastapi import HTTPException, Path, Query, status
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

{% if cookiecutter.auth == "oidc" -%}
from {{ cookiecutter.package_name }}.auth.dependencies import AUTH_ERRORS, writes_require_scopes
{% endif -%}
from {{ cookiecutter.package_name }}.database.sessions import ReadSessionDep, SessionDep
from {{ cookiecutter.package_name }}.errors import ErrorDetail
from {{ cookiecutter.package_name }}.items.models import MAX_ITEM_ID, Item, ItemCreate, ItemRead, ItemUpdate
from {{ cookiecutter.package_name }}.routing import Responses, feature_router

UNAVAILABLE: Responses = {
    503: {"model": ErrorDetail, "description": "The database is unavailable; retry later"},
}
# Only routes that take a body can meet these.
BAD_BODY: Responses = {
    400: {"model": ErrorDetail, "description": "The body is not readable JSON"},
    413: {"model": ErrorDetail, "description": "The body is too large"},
}
NOT_FOUND: Responses = {404: {"model": ErrorDetail}}

{% if cookiecutter.auth == "oidc" -%}
# Reading needs a valid bearer token; creating, changing and deleting also the scope items:write.
router = feature_router(
    prefix="/items",
    tags=["items"],
    responses=UNAVAILABLE | AUTH_ERRORS,
    dependencies=[writes_require_scopes("items:write")],
)
{% else -%}
router = feature_router(prefix="/items", tags=["items"], responses=UNAVAILABLE)
{%- endif %}

ItemId = Annotated[int, Path(ge=1, le=MAX_ITEM_ID)]


async def get_item_or_404(session: AsyncSession, item_id: int) -> Item:
    item = await session.get(Item, item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"item {item_id} not found")
    return item


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ItemRead, responses=BAD_BODY)
async def create_item(payload: ItemCreate, session: SessionDep) -> Item:
    item = Item.model_validate(payload)
    session.add(item)
    await session.commit()  # before answering: a 201 means the item is stored
    return item


@router.get("", response_model=list[ItemRead])
async def list_items(
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ITEM_ID)] = 0,
) -> list[Item]:
    result = await session.exec(select(Item).order_by(col(Item.id)).offset(offset).limit(limit))
    return list(result.all())


@router.get("/{item_id}", response_model=ItemRead, responses=NOT_FOUND)
async def read_item(item_id: ItemId, session: ReadSessionDep) -> Item:
    return await get_item_or_404(session, item_id)


@router.patch("/{item_id}", response_model=ItemRead, responses=NOT_FOUND | BAD_BODY)
async def update_item(item_id: ItemId, payload: ItemUpdate, session: SessionDep) -> Item:
    item = await get_item_or_404(session, item_id)
    item.sqlmodel_update(payload.model_dump(exclude_unset=True))
    await session.commit()
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: ItemId, session: SessionDep) -> None:
    item = await get_item_or_404(session, item_id)
    await session.delete(item)
    await session.commit()
