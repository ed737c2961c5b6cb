"""Configuration: one typed class, read from the environment and from `.env`.

Each field comes from the environment variable of the same name in upper
case (`docs_enabled` from `DOCS_ENABLED`). Defaults are the safe ones for
production; `.env.example` lists every variable.
{%- if cookiecutter.database != "none" or cookiecutter.http_client == "yes" or cookiecutter.examples == "yes" %}

A feature's settings live in the feature's module; `Settings` combines them.
{%- if cookiecutter.database != "none" %}
Database: `db.DatabaseSettings`.
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
Upstream: `upstream.UpstreamSettings`.
{%- endif %}
{%- if cookiecutter.examples == "yes" %}
Examples: `examples.settings.ExamplesSettings`.
{%- endif %}
{%- endif %}
"""

from typing import Literal

from pydantic import NonNegativeFloat, PositiveFloat, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
{% if cookiecutter.database != "none" %}
from {{ cookiecutter.package_name }}.db import DatabaseSettings{% endif %}
{%- if cookiecutter.examples == "yes" %}
from {{ cookiecutter.package_name }}.examples.settings import ExamplesSettings
{%- endif %}
from {{ cookiecutter.package_name }}.logs import LogFormat
{%- if cookiecutter.http_client == "yes" %}
from {{ cookiecutter.package_name }}.upstream import UpstreamSettings
{%- endif %}


class SettingsError(RuntimeError):
    """The configuration is missing or invalid; the message names each variable."""


class Settings(
{%- if cookiecutter.database != "none" %}DatabaseSettings, {% endif %}
{%- if cookiecutter.http_client == "yes" %}UpstreamSettings, {% endif %}
{%- if cookiecutter.examples == "yes" %}ExamplesSettings, {% endif %}BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = {{ cookiecutter.project_name | literal }}
    # Serve the interactive API docs at /docs and the schema at /openapi.json.
    docs_enabled: bool = True
    # Browser origins allowed to call the API, as a JSON list; none by default.
    cors_allow_origins: list[str] = []
    # Larger request bodies are refused with 413.
    max_request_body_bytes: PositiveInt = 1_048_576
    # Seconds /health/ready waits for its checks before it answers 503.
    health_check_timeout: PositiveFloat = 2.0
    # "json" for a log pipeline (one object per line), "text" for people.
    log_format: LogFormat = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # One log line per request (method, path, status, duration, request id).
    log_requests: bool = True
    # Warn, naming the route and the stack, when the event loop is held longer
    # than this (milliseconds); 0 turns the guard off.
    loop_block_threshold_ms: NonNegativeFloat = 100


def load_settings() -> Settings:
    """Read the settings, or fail with a message naming each bad variable."""
    try:
{%- if cookiecutter.database == "postgresql" or cookiecutter.http_client == "yes" %}
        return Settings()  # type: ignore[call-arg]  # required values come from the environment
{%- else %}
        return Settings()
{%- endif %}
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    # Name the variable and the rule, never the value: it may be a secret.
    problems = [
        f"{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors()
    ]
    return "invalid configuration: " + "; ".join(problems)
