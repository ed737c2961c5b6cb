"""Logging: readable text or one JSON object per line, every line tagged with
the id of the request it belongs to."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]

# The id of the request being served; "-" outside any request. Each request
# runs in a task of its own, so concurrent requests never see each other's id.
request_id: ContextVar[str] = ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
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
{%- if cookiecutter.http_client == "yes" %}
    # httpx logs each request it sends at INFO, with the whole URL: a second
    # line per relayed request, and any secret a query string carries.
    logging.getLogger("httpx").setLevel(logging.WARNING)
{%- endif %}
