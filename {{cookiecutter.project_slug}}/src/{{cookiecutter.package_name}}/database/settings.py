"""What the engine and the migrations need; `migrations/env.py` reads it on its own."""

from pydantic import NonNegativeInt, PositiveFloat, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
{% if cookiecutter.database == "postgresql" %}
    # Required: a service must never quietly connect to a default database.
    # postgresql:// and postgres:// URLs are accepted and given the asyncpg driver.
    database_url: SecretStr
{%- else %}
    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///./{{ cookiecutter.package_name }}.db")
{%- endif %}
    database_pool_size: PositiveInt = 10
    database_max_overflow: NonNegativeInt = 10
    # Seconds a request waits for a pooled connection{% if cookiecutter.database == "postgresql" %} (or to open one){% endif %}
    # before it is answered with 503.
    database_pool_timeout: PositiveFloat = 5.0
    database_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _use_async_driver(cls, url: SecretStr) -> SecretStr:
        return SecretStr(with_async_driver(url.get_secret_value()))


def with_async_driver(url: str) -> str:
    """Give a database URL the async driver this service uses."""
    parsed = make_url(url)
{%- if cookiecutter.database == "postgresql" %}
    if parsed.drivername not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise ValueError("must be a postgresql:// URL")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
{%- else %}
    if parsed.drivername not in ("sqlite", "sqlite+aiosqlite"):
        raise ValueError("must be a sqlite:// URL")
    return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
{%- endif %}
