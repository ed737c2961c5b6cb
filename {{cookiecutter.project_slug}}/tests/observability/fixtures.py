"""The observability feature's fixtures: every trace recorded, and sent to a real OTLP receiver."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.observability import watching
from tests.support.otlp_receiver import OtlpReceiver

PUBLISH_EVERY_SECONDS = 0.02  # in the tests; the service publishes every second


@pytest.fixture(scope="session")
def otlp_receiver_server() -> Iterator[OtlpReceiver]:
    with OtlpReceiver().running() as receiver:
        yield receiver


@pytest.fixture
def otlp_receiver(otlp_receiver_server: OtlpReceiver) -> OtlpReceiver:
    """The receiver, with the spans of earlier tests forgotten. An app sends what it
    still holds when its lifespan ends, so a test reads the spans after its client closed."""
    otlp_receiver_server.reset()
    return otlp_receiver_server


@pytest.fixture
def observability_settings(
    otlp_receiver: OtlpReceiver, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # Set before any app starts: a test waits 40 ms for the metrics, not a second.
    monkeypatch.setattr(watching, "PUBLISH_EVERY_SECONDS", PUBLISH_EVERY_SECONDS)
    # Every trace, so that every test of the suite runs the recording path too.
    return {"otel_exporter_otlp_endpoint": otlp_receiver.url, "otel_traces_sampler_arg": 1.0}


async def published() -> None:
    """Let the watchers copy what happened so far into the metrics.

    On the app's own event loop their next publication falls due within one
    interval: before this sleep of two ends.
    """
    await asyncio.sleep(2 * PUBLISH_EVERY_SECONDS)
