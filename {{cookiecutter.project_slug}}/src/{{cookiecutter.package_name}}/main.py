"""The ASGI entry point: `uvicorn {{ cookiecutter.package_name }}.main:app`.

Importing this module reads the settings, so it fails at once, naming the
variable, when the configuration is missing or invalid. Tests build their
own app with `create_app(settings)` and never import this module.
"""

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.logs import configure_logging
from {{ cookiecutter.package_name }}.settings import load_settings

settings = load_settings()
configure_logging(settings.log_format, settings.log_level)
app = create_app(settings)
