"""Errors the service answers itself, all shaped `{"detail": "..."}`.

- `DependencyUnavailableError` -> 503: a backing service cannot be used right
  now; the client should retry. Features raise it, or turn their own faults
  into it.
- A crash before the response started -> 500 (`INTERNAL_ERROR`), answered by
  the request middleware so that it carries the request's headers too.
"""

import json
import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import Message

from {{ cookiecutter.package_name }}.feature import ExceptionHandler

logger = logging.getLogger(__name__)

INTERNAL_ERROR_BODY = json.dumps({"detail": "Internal Server Error"}).encode()


class ErrorDetail(BaseModel):
    detail: str


class DependencyUnavailableError(Exception):
    """`dependency` cannot be used right now, because of `reason`: answered 503."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable ({reason})")
        self.dependency = dependency
        self.reason = reason


async def answer_unavailable(_request: Request, exc: DependencyUnavailableError) -> JSONResponse:
    # The client learns the kind of failure; the log keeps the whole reason.
    logger.warning("%s unavailable: %s", exc.dependency, exc.__cause__ or exc.reason)
    detail = f"{exc.dependency} unavailable ({exc.reason}), try again later"
    return JSONResponse({"detail": detail}, status_code=503)


ERROR_HANDLERS: dict[type[Exception], ExceptionHandler] = {
    DependencyUnavailableError: answer_unavailable,
}


def internal_error_messages() -> tuple[Message, Message]:
    """A new 500 answer (its start message gets headers added by the middleware)."""
    start = {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(INTERNAL_ERROR_BODY)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": INTERNAL_ERROR_BODY}
