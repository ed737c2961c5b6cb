"""The route a request would reach, for answers given before the router runs.

The rate limits and the item cache answer some requests themselves; they put
the route in the scope as the router would, so that whatever names requests
by route (the request metrics) sees its template, never "unmatched".
"""

from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def matching_route(scope: Scope) -> BaseRoute | None:
    routes: list[BaseRoute] = scope["app"].router.routes
    return next((route for route in routes if route.matches(scope)[0] == Match.FULL), None)
