"""Authentication as a feature: its settings, and the provider's signing keys, fetched
through the service's shared HTTP client when it has one, else through a client of its
own. Routes opt in through `dependencies.py`."""
{% if cookiecutter.http_client == "yes" %}
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings
from {{ cookiecutter.package_name }}.auth.shared_client import FEATURE
{%- else %}
from {{ cookiecutter.package_name }}.auth.own_client import FEATURE
from {{ cookiecutter.package_name }}.auth.settings import AuthSettings
{%- endif %}

__all__ = ["FEATURE", "AuthSettings"]
