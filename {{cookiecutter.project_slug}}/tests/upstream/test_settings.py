import pytest

from {{ cookiecutter.package_name }}.settings import SettingsError, load_settings


def test_a_missing_upstream_base_url_is_named(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("UPSTREAM_BASE_URL")

    with pytest.raises(SettingsError, match="UPSTREAM_BASE_URL: Field required"):
        load_settings()


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
