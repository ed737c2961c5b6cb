import importlib
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.api_docs.assets import MEDIA_TYPES
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings, SettingsError, load_settings
from tests import PROJECT_ROOT
from tests.support.serving import client_for


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


@pytest.mark.parametrize("spelling", ["warning", "Warning", "WARNING"])
def test_the_log_level_is_read_in_any_case(environment: pytest.MonkeyPatch, spelling: str) -> None:
    environment.setenv("LOG_LEVEL", spelling)

    assert load_settings().log_level == "WARNING"


def test_an_unknown_log_level_is_named_with_the_accepted_ones(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("LOG_LEVEL", "loud")

    with pytest.raises(SettingsError, match="LOG_LEVEL: Input should be 'DEBUG', 'INFO'"):
        load_settings()


def test_main_builds_the_app_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.delitem(sys.modules, "{{ cookiecutter.package_name }}.main", raising=False)

    main = importlib.import_module("{{ cookiecutter.package_name }}.main")

    assert isinstance(main.app, FastAPI)


async def test_the_api_docs_can_be_switched_off(settings: Settings) -> None:
    paths = [
        "/docs",
        "/redoc",
        "/openapi.json",
        "/docs/oauth2-redirect",
        *(f"/docs/assets/{name}" for name in MEDIA_TYPES),
    ]
    async with client_for(create_app(settings)) as client:
        shown = [(await client.get(path)).status_code for path in paths]
    hidden = settings.model_copy(update={"docs_enabled": False})

    async with client_for(create_app(hidden)) as client:
        responses = [await client.get(path) for path in paths]

    assert shown == [200] * len(paths)
    assert [response.status_code for response in responses] == [404] * len(paths)


def test_every_setting_is_in_env_example_and_in_the_readme() -> None:
    variables = {name.upper() for name in Settings.model_fields}
    env_example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert {name for name in variables if f"{name}=" not in env_example} == set()
    assert {name for name in variables if f"| `{name}` |" not in readme} == set()
