"""The observability feature's fixtures: every trace recorded, and sent to a real OTLP receiver."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.otlp_receiver import OtlpReceiver


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
def observability_settings(otlp_receiver: OtlpReceiver) -> dict[str, Any]:
    # Every trace, so that every test of the suite runs the recording path too.
    return {"otel_exporter_otlp_endpoint": otlp_receiver.url, "otel_traces_sampler_arg": 1.0}
