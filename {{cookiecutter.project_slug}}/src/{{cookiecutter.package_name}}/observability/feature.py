"""Observability as a feature: its settings, its middleware, `/metrics`, and what it watches."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.middleware import Middleware

from {{ cookiecutter.package_name }}.feature import Feature, State
{%- if cookiecutter.cache == "redis" %}
from {{ cookiecutter.package_name }}.observability.cache import watch_rate_limits
{%- endif %}
{%- if cookiecutter.database != "none" %}
from {{ cookiecutter.package_name }}.observability.database import watch_database
{%- endif %}
from {{ cookiecutter.package_name }}.observability.middleware import Telemetry, TelemetryMiddleware
from {{ cookiecutter.package_name }}.observability.routes import router
from {{ cookiecutter.package_name }}.observability.settings import ObservabilitySettings
from {{ cookiecutter.package_name }}.observability.tracing import open_tracer_provider
{%- if cookiecutter.http_client == "yes" %}
from {{ cookiecutter.package_name }}.observability.upstream import watch_upstream
{%- endif %}
from {{ cookiecutter.package_name }}.observability.watching import WatcherFactory, watch_loop_guard, watching

__all__ = ["FEATURE", "ObservabilitySettings"]

WATCHERS: list[WatcherFactory] = [
    watch_loop_guard,
{%- if cookiecutter.database != "none" %}
    watch_database,
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
    watch_upstream,
{%- endif %}
{%- if cookiecutter.cache == "redis" %}
    watch_rate_limits,
{%- endif %}
]


@asynccontextmanager
async def observe(settings: ObservabilitySettings, state: State) -> AsyncIterator[State]:
    """Trace and measure the service for as long as it runs; every other feature is open."""
    async with open_tracer_provider(settings) as provider, watching(WATCHERS, state, provider):
        yield {"telemetry": Telemetry(provider.get_tracer("{{ cookiecutter.package_name }}"))}


FEATURE = Feature(
    name="observability",
    routers=(router,),
    middleware=(Middleware(TelemetryMiddleware),),
    instrumentation=observe,
)
