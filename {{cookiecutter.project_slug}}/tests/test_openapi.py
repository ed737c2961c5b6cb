"""The API schema names every operation `<first tag>-<function name>`, once: the
names generated clients give their functions (README.md, "The API schema")."""

from collections import Counter

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


def test_every_operation_id_is_its_first_tag_and_its_function_name(app: FastAPI) -> None:
    # A route's context has the tags it gets from its routers too.
    expected = {
        (method.lower(), context.path_format): f"{(context.tags or ['default'])[0]}-{context.name}"
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
        for method in context.methods or ()
    }
    operations = {
        (method, path): operation["operationId"]
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    }

    assert operations
    assert operations == expected


def test_every_operation_id_is_unique(app: FastAPI) -> None:
    operation_ids = Counter(
        operation["operationId"]
        for methods in app.openapi()["paths"].values()
        for operation in methods.values()
    )

    assert [name for name, count in operation_ids.items() if count > 1] == []
