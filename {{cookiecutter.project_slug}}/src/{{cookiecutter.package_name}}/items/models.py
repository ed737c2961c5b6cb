"""The `Item` table and the schemas of its API.

`Item` is the table; `ItemCreate`, `ItemUpdate` and `ItemRead` are what the
API accepts and returns, so a client can never set `id` or send unknown fields
into the table.
"""

from sqlmodel import Field, SQLModel

# `item.id` is a 32-bit integer column: larger ids cannot exist.
MAX_ITEM_ID = 2_147_483_647
# Text may not hold the NUL character, which SQL databases refuse or mishandle.
NO_NUL = {"pattern": r"^[^\x00]*$"}


class ItemBase(SQLModel):
    name: str = Field(min_length=1, max_length=255, schema_extra=NO_NUL)
    description: str | None = Field(default=None, max_length=10_000, schema_extra=NO_NUL)


class Item(ItemBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class ItemCreate(ItemBase):
    pass


class ItemRead(ItemBase):
    id: int


class ItemUpdate(SQLModel):
    """Partial update: only the fields present in the request change.

    `name` may be left out but not set to null: the column is NOT NULL.
    """

    name: str = Field(default=None, min_length=1, max_length=255, schema_extra=NO_NUL)
    description: str | None = Field(default=None, max_length=10_000, schema_extra=NO_NUL)
