{%- set plugins = cookiecutter | plugins -%}
"""The features this service is built from, in the order their lifespans open.

This is the only list of them: `Settings` inherits `FeatureSettings`,
`lifespan.py` opens each feature's lifespan in this order (and closes them in
reverse), `app.py` adds their routers, and the tests load each feature's
fixtures from it. Adding a feature is adding its package and a line here;
README.md, "How the service is built", has a worked example.
"""

from pydantic_settings import BaseSettings
{% for plugin in plugins | sort(attribute="name") %}
from {{ cookiecutter.package_name }}.{{ plugin.name }} import feature as {{ plugin.name }}
{%- endfor %}


class FeatureSettings(
{%- for plugin in plugins if plugin.settings %}
    {{ plugin.name }}.{{ plugin.settings }},
{%- endfor %}
    BaseSettings,
):
    """The settings of every feature below; `Settings` adds the service's own."""


FEATURES = (
{%- for plugin in plugins %}
    {{ plugin.name }}.FEATURE,
{%- endfor %}
)
