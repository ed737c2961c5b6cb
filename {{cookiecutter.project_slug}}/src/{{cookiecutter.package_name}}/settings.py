"""Configuration: one typed class, read from the environment and from `.env`.

Each field comes from the environment variable of the same name in upper
case (`docs_enabled` from `DOCS_ENABLED`). Defaults are the safe ones for
production; `.env.example` lists every variable. Each feature keeps its own
settings in its package; `FeatureSettings` (features.py) combines them.
"""

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from {{ cookiecutter.package_name }}.features import FeatureSettings
from {{ cookiecutter.package_name }}.logs import LogFormat

# Any case is accepted: `warning` is how uvicorn and gunicorn spell it.
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR"],
    BeforeValidator(lambda level: level.upper() if isinstance(level, str) else level),
]


class SettingsError(RuntimeError):
    """The configuration is missing or invalid; the message names each variable."""


class Settings(FeatureSettings, BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = {{ cookiecutter.project_name | literal }}
    # Serve the API docs (/docs, /redoc, their assets) and the schema (/openapi.json).
    docs_enabled: bool = True
    # Browser origins allowed to call the API, as a JSON list; none by default.
    cors_allow_origins: list[str] = []
    # Larger request bodies are refused with 413.
    max_request_body_bytes: PositiveInt = 1_048_576
    # "json" for a log pipeline (one object per line), "text" for people.
    log_format: LogFormat = "text"
    log_level: LogLevel = "INFO"
    # One log line per request (method, path, status, duration, request id).
    log_requests: bool = True


def load_settings() -> Settings:
    """Read the settings, or fail with a message naming each bad variable."""
    from_environment: dict[str, Any] = {}  # required values come from the environment
    try:
        return Settings(**from_environment)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    # Name the variable and the rule, never the value: it may be a secret.
    problems = [
        f"{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors()
    ]
    return "invalid configuration: " + "; ".join(problems)
