import importlib
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings, SettingsError, load_settings
from tests import PROJECT_ROOT
from tests.serving import client_for

# Variables without a default, with values that pass validation.
{%- if cookiecutter.database == "postgresql" or cookiecutter.http_client == "yes" %}
REQUIRED: dict[str, str] = {
{%- if cookiecutter.database == "postgresql" %}
    "DATABASE_URL": "postgresql://service:secret@db.internal:5432/service",
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}
    "UPSTREAM_BASE_URL": "http://upstream.internal:8080/api",
{%- endif %}
}
{%- else %}
REQUIRED: dict[str, str] = {}
{%- endif %}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment in a directory without `.env`, with the required variables set."""
    monkeypatch.chdir(tmp_path)
    for name in [*REQUIRED, "DOCS_ENABLED", "HEALTH_CHECK_TIMEOUT"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_settings_come_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HEALTH_CHECK_TIMEOUT", "0.5")

    assert load_settings().health_check_timeout == 0.5


def test_settings_come_from_a_dotenv_file(environment: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("HEALTH_CHECK_TIMEOUT=0.25\n", encoding="utf-8")

    assert load_settings().health_check_timeout == 0.25


def test_an_invalid_value_is_reported_by_its_variable_name(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("HEALTH_CHECK_TIMEOUT", "-1")

    with pytest.raises(SettingsError, match="HEALTH_CHECK_TIMEOUT: Input should be greater than 0"):
        load_settings()
{%- if cookiecutter.database == "postgresql" or cookiecutter.http_client == "yes" %}


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_a_missing_required_variable_is_named(environment: pytest.MonkeyPatch, name: str) -> None:
    environment.delenv(name)

    with pytest.raises(SettingsError, match=f"{name}: Field required"):
        load_settings()
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg"])
def test_a_postgresql_url_gets_the_asyncpg_driver(
    environment: pytest.MonkeyPatch, scheme: str
) -> None:
    environment.setenv("DATABASE_URL", f"{scheme}://service:secret@db.internal/service")

    url = load_settings().database_url.get_secret_value()

    assert url == "postgresql+asyncpg://service:secret@db.internal/service"


def test_a_database_url_of_another_kind_is_refused_without_showing_it(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("DATABASE_URL", "mysql://service:hunter2@db.internal/service")

    with pytest.raises(SettingsError, match=r"DATABASE_URL: .*postgresql://") as raised:
        load_settings()
    assert "hunter2" not in str(raised.value)
{%- elif cookiecutter.database == "sqlite" %}


def test_the_database_defaults_to_a_local_sqlite_file(environment: pytest.MonkeyPatch) -> None:
    url = load_settings().database_url.get_secret_value()

    assert url == "sqlite+aiosqlite:///./{{ cookiecutter.package_name }}.db"
{%- endif %}
{%- if cookiecutter.http_client == "yes" %}


@pytest.mark.parametrize(
    "url",
    ["ftp://upstream.internal", "upstream.internal", "http://user:pw@upstream.internal"],
    ids=["not-http", "not-absolute", "credentials"],
)
def test_an_unusable_upstream_base_url_is_refused(
    environment: pytest.MonkeyPatch, url: str
) -> None:
    environment.setenv("UPSTREAM_BASE_URL", url)

    with pytest.raises(SettingsError, match="UPSTREAM_BASE_URL: "):
        load_settings()
{%- endif %}


def test_main_builds_the_app_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.delitem(sys.modules, "{{ cookiecutter.package_name }}.main", raising=False)

    main = importlib.import_module("{{ cookiecutter.package_name }}.main")

    assert isinstance(main.app, FastAPI)


async def test_the_api_docs_can_be_switched_off(settings: Settings) -> None:
    async with client_for(create_app(settings)) as client:
        assert (await client.get("/openapi.json")).status_code == 200
    hidden = settings.model_copy(update={"docs_enabled": False})

    async with client_for(create_app(hidden)) as client:
        responses = [await client.get(path) for path in ("/docs", "/openapi.json")]

    assert [response.status_code for response in responses] == [404, 404]


def test_every_setting_is_in_env_example_and_in_the_readme() -> None:
    variables = {name.upper() for name in Settings.model_fields}
    env_example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert {name for name in variables if f"{name}=" not in env_example} == set()
    assert {name for name in variables if f"| `{name}` |" not in readme} == set()
