import json
import logging

import httpx

from {{ cookiecutter.package_name }}.logs import configure_logging
from tests.log_capture import capture


async def test_the_shared_client_does_not_log_each_upstream_call(
    client: httpx.AsyncClient,
) -> None:
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    handlers, root_level, httpx_level = root.handlers[:], root.level, httpx_logger.level
    try:
        configure_logging("json", "INFO")  # as main.py does
        stream, _ = capture("json")
        await client.get("/upstream/search?token=secret")
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
        httpx_logger.setLevel(httpx_level)

    loggers = [json.loads(line)["logger"] for line in stream.getvalue().splitlines()]
    assert any(name.endswith(".requests") for name in loggers)  # the request's own line
    assert "httpx" not in loggers
    assert "secret" not in stream.getvalue()
