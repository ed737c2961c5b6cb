"""Every route answers through Pydantic's JSON serializer, or builds its own response.

A route with a response model (or a return type) and the default response
class is serialized straight to JSON bytes by Pydantic's Rust core, with no
Python dict in between (FastAPI 0.130 and later). A route that returns a
`Response` of its own, or no body at all, needs no serializer.
"""

import typing

from fastapi import FastAPI
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import Response


def builds_its_own_response(route: APIRoute) -> bool:
    returns = typing.get_type_hints(route.endpoint).get("return")
    return isinstance(returns, type) and issubclass(returns, Response)


def serialized_by_pydantic(route: APIRoute) -> bool:
    default_class = isinstance(route.response_class, DefaultPlaceholder)
    return route.response_field is not None and default_class


def test_every_route_is_serialized_by_pydantic_or_builds_its_own_response(app: FastAPI) -> None:
    routes = [
        (f"{sorted(route.methods or ())} {context.path}", route)
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute)
    ]
    slow = [
        name
        for name, route in routes
        if not (
            serialized_by_pydantic(route)
            or builds_its_own_response(route)
            or route.status_code == 204
        )
    ]

    assert routes
    assert slow == []
