{%- if cookiecutter.database != "none" -%}
"""What a background job does: store the names it was given as items.

It runs after the answer was sent, when the request's session is closed, so
it opens a session of its own, and waits its turn for a connection like a
request does.
"""

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import Request

from {{ cookiecutter.package_name }}.database.engine import Database
from {{ cookiecutter.package_name }}.items.models import Item


def work_for(request: Request, names: list[str]) -> Callable[[], Awaitable[str]]:
    """The job's work, ready to run after the response."""
    return partial(store_names, request.state.database, names)


async def store_names(database: Database, names: list[str]) -> str:
    async with database.connections, database.sessionmaker() as session:
        items = [Item(name=name) for name in names]
        session.add_all(items)
        await session.commit()
    return f"stored {len(items)} items: ids " + ", ".join(str(item.id) for item in items)
{%- else -%}
"""What a background job does: clean up the names it was given.

It trims them and drops repeats; the result is kept in the job's record.
"""

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import Request


def work_for(_request: Request, names: list[str]) -> Callable[[], Awaitable[str]]:
    """The job's work, ready to run after the response."""
    return partial(clean_names, names)


async def clean_names(names: list[str]) -> str:
    """Trim each name and drop repeats, keeping the first of each."""
    distinct = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    return f"{len(distinct)} distinct names: " + ", ".join(distinct)
{%- endif %}
