"""Observability: Prometheus metrics at /metrics, OpenTelemetry traces, trace ids in the logs.

- `directory.py`: where the workers' metric files go, set before prometheus-client loads;
- `settings.py`: the service's name on its traces, where they go, how many are kept;
- `tracing.py`: the tracer provider: its sampler and its OTLP exporter;
- `middleware.py`: each request's server span, duration metric and log fields;
- `watching.py`: what the other features tell it (the loop guard, ...), published each second;
- `process.py`: each worker's CPU, memory and open files, read when Prometheus scrapes;
- `routes.py`: `GET /metrics`;
- `feature.py`: all of it as a feature.
"""

from {{ cookiecutter.package_name }}.observability.directory import use_a_metrics_directory

# prometheus-client picks its multiprocess mode when it is first imported, and
# every module of this package imports it after this line has run.
use_a_metrics_directory()
