"""The `Item` table and the schemas of its API.

`Item` is the table; `ItemCreate`, `ItemUpdate` and `ItemRead` are what the
API accepts and returns, so a client can never set `id` or send unknown fields
into the table.
"""

from pydantic import field_validator
from sqlmodel import Field, SQLModel


class ItemBase(SQLModel):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = None


class Item(ItemBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class ItemCreate(ItemBase):
    pass


class ItemRead(ItemBase):
    id: int


class ItemUpdate(SQLModel):
    """Partial update: only the fields present in the request change."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = None

    @field_validator("name")
    @classmethod
    def _name_is_not_null(cls, name: str | None) -> str:
        # Omitting `name` keeps it; sending `"name": null` would break the NOT NULL column.
        if name is None:
            raise ValueError("name cannot be null")
        return name
