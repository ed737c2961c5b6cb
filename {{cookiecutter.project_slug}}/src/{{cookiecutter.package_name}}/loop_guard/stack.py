"""Reading the loop thread from the watchdog: is it waiting, whose request, where is it.

Nothing here reads another thread's local variables: on Python 3.11,
reading `f_locals` of a frame that another thread is running crashed the
interpreter (once, under load: a segfault in the watchdog). The request
comes from the running task's context instead, where the middleware keeps it
(`current_request`), and the stack is read from code objects and line numbers
only.
"""

import asyncio
import gc
import inspect
import traceback
from contextvars import Context
from types import FrameType

from {{ cookiecutter.package_name }}.request_context import current_request

# When the loop thread's innermost frame is in one of these modules, the loop
# is waiting for work, not blocked by it.
LOOP_MODULES = ("asyncio", "selectors", "uvloop")
STACK_DEPTH = 8


def is_loop_waiting(frame: FrameType) -> bool:
    module = str(frame.f_globals.get("__name__", ""))
    return module.split(".")[0] in LOOP_MODULES


# A frame running one of these is a coroutine's: the loop resumes it, step by step.
COROUTINE_FLAGS = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR


def loop_driver(frame: FrameType) -> frozenset[FrameType]:
    """The frames that run the loop, seen from `frame`, which the loop is running.

    Read on the loop thread, from within a step: they are the frames below
    its coroutines (`asyncio.run`, `run_until_complete`, ...). uvloop calls
    each step from C, so its step's outermost frame is called by these.
    """
    while frame.f_back is not None and frame.f_code.co_flags & COROUTINE_FLAGS:
        frame = frame.f_back
    driver = set()
    below: FrameType | None = frame
    while below is not None:
        driver.add(below)
        below = below.f_back
    return frozenset(driver)


def step_being_run(frame: FrameType, driver: frozenset[FrameType]) -> FrameType:
    """The frame that stands for the step of the loop that `frame` is in.

    asyncio's loop runs each step (a callback, or one step of a task) in a
    call of `Handle._run`: a frame of its own for each step, so two samples
    in the same one caught the same step. uvloop calls steps from C, and
    the step's outermost frame stands for it: for a plain callback a new
    frame for each call, for a task its coroutine, the same for each of its
    steps.
    """
    while frame.f_back is not None:
        caller = frame.f_back
        if caller.f_code.co_name == "_run" and caller.f_globals.get("__name__") == "asyncio.events":
            return caller
        if caller in driver:
            break
        frame = caller
    return frame


def route_being_served(loop: asyncio.AbstractEventLoop) -> str:
    """The route of the request whose task the loop is running, e.g. "GET /items/{item_id}".

    A task the request started (`asyncio.gather`, a task group) runs in a
    copy of its context, so it names the request's route too.
    """
    task = asyncio.current_task(loop)
    context = task_context(task) if task is not None else None
    request = context.get(current_request) if context is not None else None
    if request is None:
        return "outside any request"
    # The router adds the matched route to the very scope the middleware kept.
    route = request.scope.get("route")
    return f"{request.scope['method']} {getattr(route, 'path', None) or request.scope['path']}"


def task_context(task: "asyncio.Task[object]") -> Context | None:
    """The context `task` runs in. Python 3.12 added `Task.get_context`;
    3.11's task shows its context only to the garbage collector, which
    visits it first (`TaskObj_traverse`)."""
    if hasattr(task, "get_context"):
        return task.get_context()  # type: ignore[no-any-return]
    return next((ref for ref in gc.get_referents(task) if isinstance(ref, Context)), None)


def format_stack(frame: FrameType) -> str:
    return "".join(traceback.format_stack(frame)[-STACK_DEPTH:]).rstrip()
