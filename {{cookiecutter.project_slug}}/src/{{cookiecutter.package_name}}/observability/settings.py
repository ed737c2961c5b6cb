"""What the traces are called, where they go, and how many are recorded.

The OpenTelemetry SDK reads the rest of the standard `OTEL_*` variables itself
from the environment (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES,
OTEL_BSP_*, ...); README.md, "Operate it", lists the ones that matter.
"""

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings

Ratio = Annotated[float, Field(ge=0, le=1)]


class ObservabilitySettings(BaseSettings):
    # The service's name on its traces (the `service.name` resource attribute).
    otel_service_name: str = {{ cookiecutter.project_slug | literal }}
    # An OTLP/HTTP collector, e.g. http://otel-collector:4318: traces go to
    # <it>/v1/traces. Unset, traces are made (their ids are in the logs and
    # are passed on to the services called) but sent nowhere.
    otel_exporter_otlp_endpoint: str | None = None
    # The traces' own endpoint, used as it is; overrides the one above.
    otel_exporter_otlp_traces_endpoint: str | None = None
    # Share of the traces this service starts that are recorded: 0.01 is 1%.
    # A trace a client started follows the client's decision (traceparent).
    otel_traces_sampler_arg: Ratio = 0.01

    @property
    def traces_endpoint(self) -> str | None:
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return self.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        return None
