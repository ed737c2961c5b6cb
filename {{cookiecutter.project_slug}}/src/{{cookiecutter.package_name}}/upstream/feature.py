"""The upstream as a feature: its settings, its lifespan part (the shared client) and the relay."""

from {{ cookiecutter.package_name }}.feature import Feature
from {{ cookiecutter.package_name }}.upstream.client import open_upstream
from {{ cookiecutter.package_name }}.upstream.routes import router
from {{ cookiecutter.package_name }}.upstream.settings import UpstreamSettings

__all__ = ["FEATURE", "UpstreamSettings"]

FEATURE = Feature(name="upstream", lifespan=open_upstream, routers=(router,))
