"""Logging: readable text or one JSON object per line, every line tagged with
the id of the request it belongs to, and the fields features add to it."""

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import IO, Any, Literal

from starlette.types import Scope

from {{ cookiecutter.package_name }}.request_context import RequestContext, current_request

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request)s] %(message)s"

request_logger = logging.getLogger("{{ cookiecutter.package_name }}.requests")


class RequestIdFilter(logging.Filter):
    """Tags each record with the id of the request being served ("-" outside any)
    and the fields features added to its context (`RequestContext.log_fields`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request.get()
        request_id = context.id if context is not None else "-"
        fields = dict((context.log_fields if context is not None else None) or {})
        record.request_id, record.request_fields = request_id, fields
        # The text format's `[4f0c... name=value ...]`
        record.request = " ".join([request_id, *(f"{k}={v}" for k, v in fields.items())])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={"fields": {...}}` adds fields of its own."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            **getattr(record, "request_fields", {}),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def build_handler(log_format: LogFormat, stream: IO[str] = sys.stderr) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    return handler


def configure_logging(log_format: LogFormat, level: str) -> None:
    """Send every log line, uvicorn's included, through one handler on the root logger."""
    root = logging.getLogger()
    root.handlers[:] = [build_handler(log_format)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # RequestContextMiddleware writes one line per request, with more in it.
    logging.getLogger("uvicorn.access").disabled = True


def log_request(scope: Scope, context: RequestContext) -> None:
    """The request's line: method, path, status and duration (until its last byte was sent).

    Work done after the answer (background tasks) is not the request's time.
    """
    elapsed = (context.answered or time.perf_counter()) - context.started
    duration_ms = round(elapsed * 1000, 3)
    method, path, status = scope["method"], scope["path"], context.status or 500
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    request_logger.info(
        "%s %s %s %.1fms", method, path, status, duration_ms, extra={"fields": fields}
    )
