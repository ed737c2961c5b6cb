"""The authentication settings: unsafe algorithms are refused, naming the variable."""

import pytest

from {{ cookiecutter.package_name }}.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    "algorithms",
    ['["none"]', '["RS256","none"]', '["HS1"]', "[]"],
    ids=["none", "none-too", "unknown", "empty"],
)
def test_unsafe_or_unknown_algorithms_are_refused(
    environment: pytest.MonkeyPatch, algorithms: str
) -> None:
    environment.setenv("AUTH_ALGORITHMS", algorithms)

    with pytest.raises(SettingsError, match="AUTH_ALGORITHMS"):
        load_settings()


def test_asymmetric_algorithms_are_the_default_and_hs256_only_when_listed(
    environment: pytest.MonkeyPatch,
) -> None:
    assert load_settings().auth_algorithms == ["RS256", "ES256"]

    environment.setenv("AUTH_ALGORITHMS", '["HS256"]')

    assert load_settings().auth_algorithms == ["HS256"]


@pytest.mark.parametrize(
    "issuer", ["login.example.com", "ftp://login.example.com", "https://u:p@x.example"]
)
def test_an_issuer_that_is_not_an_http_url_is_refused(
    environment: pytest.MonkeyPatch, issuer: str
) -> None:
    environment.setenv("AUTH_ISSUER", issuer)

    with pytest.raises(SettingsError, match="AUTH_ISSUER"):
        load_settings()
