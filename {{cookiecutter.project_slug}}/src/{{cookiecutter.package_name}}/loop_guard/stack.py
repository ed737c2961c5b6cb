"""Reading the loop thread's stack: is it waiting, which request is it serving, where is it."""

import traceback
from types import FrameType

# When the loop thread's innermost frame is in one of these modules, the loop
# is waiting for work, not blocked by it.
LOOP_MODULES = ("asyncio", "selectors", "uvloop")
STACK_DEPTH = 8


def is_loop_waiting(frame: FrameType) -> bool:
    module = str(frame.f_globals.get("__name__", ""))
    return module.split(".")[0] in LOOP_MODULES


def route_being_served(frame: FrameType) -> str:
    """The route of the request on the stack, read from its ASGI scope."""
    current: FrameType | None = frame
    while current is not None:
        scope = current.f_locals.get("scope")
        if isinstance(scope, dict) and scope.get("type") in ("http", "websocket"):
            route = scope.get("route")
            path = getattr(route, "path", None) or scope.get("path", "?")
            return f"{scope.get('method', 'WEBSOCKET')} {path}"
        current = current.f_back
    return "outside any request"


def format_stack(frame: FrameType) -> str:
    return "".join(traceback.format_stack(frame)[-STACK_DEPTH:]).rstrip()
