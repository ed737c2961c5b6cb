"""The service's log lines, captured in the tests through its own handler."""

import io
import logging

from {{ cookiecutter.package_name }}.logs import LogFormat, build_handler


def capture(log_format: LogFormat) -> tuple[io.StringIO, logging.Handler]:
    """Send the root logger's lines through the service's own handler into a buffer."""
    stream = io.StringIO()
    handler = build_handler(log_format, stream)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return stream, handler
