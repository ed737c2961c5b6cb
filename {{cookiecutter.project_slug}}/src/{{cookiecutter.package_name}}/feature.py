"""What a feature is: the parts one plug-in adds to the service.

Every feature, the core's own health probes and loop guard included, is a
package whose `feature.py` builds one `Feature` from its parts. `features.py`
lists them; `lifespan.py` opens their lifespans in that order, then their
instrumentation, and `app.py` adds their routers, middleware and exception
handlers. README.md, "How the service is built", walks through adding one.
"""

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.middleware import Middleware

# The lifespan state: what the features' lifespans yielded, merged; Starlette
# hands a copy of it to every request as `request.state`.
State = Mapping[str, Any]
# Called with the app's settings: opens the feature's resources, yields what
# requests need of them (entries of the lifespan state), closes them after.
FeatureLifespan = Callable[[Any], AbstractAsyncContextManager[State]]
# Returns when the feature can do its work; raises `DependencyUnavailableError`
# (errors.py) when it cannot. `/health/ready` runs every check, within a time limit.
ReadinessCheck = Callable[[State], Awaitable[None]]
ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]
# Called with the app's settings and the lifespan state once every feature's
# lifespan is open: hooks into what the others opened (their pools, clients,
# the loop guard) to watch or use them, yields entries of its own, unhooks after.
FeatureInstrumentation = Callable[[Any, State], AbstractAsyncContextManager[State]]


@dataclass(frozen=True)
class Feature:
    # Its package and its tests' folder; its entry in /health/ready's checks.
    name: str
    lifespan: FeatureLifespan | None = None
    routers: tuple[APIRouter, ...] = ()
    ready: ReadinessCheck | None = None
    exception_handlers: Mapping[type[Exception], ExceptionHandler] = field(default_factory=dict)
    # Pure ASGI middleware around every HTTP request, inside the request
    # context (its id is set, and fields it adds to the context reach the log lines).
    middleware: tuple[Middleware, ...] = ()
    instrumentation: FeatureInstrumentation | None = None
