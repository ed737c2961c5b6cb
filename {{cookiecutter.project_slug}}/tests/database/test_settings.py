import pytest

from {{ cookiecutter.package_name }}.settings import {% if cookiecutter.database == "postgresql" %}SettingsError, {% endif %}load_settings
{%- if cookiecutter.database == "postgresql" %}


def test_a_missing_database_url_is_named(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("DATABASE_URL")

    with pytest.raises(SettingsError, match="DATABASE_URL: Field required"):
        load_settings()


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
{%- else %}


def test_the_database_defaults_to_a_local_sqlite_file(environment: pytest.MonkeyPatch) -> None:
    url = load_settings().database_url.get_secret_value()

    assert url == "sqlite+aiosqlite:///./{{ cookiecutter.package_name }}.db"
{%- endif %}
