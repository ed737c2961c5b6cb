"""The health probes as a feature: their setting and their routes."""

from {{ cookiecutter.package_name }}.feature import Feature
from {{ cookiecutter.package_name }}.health.routes import HealthSettings, router

__all__ = ["FEATURE", "HealthSettings"]

FEATURE = Feature(name="health", routers=(router,))
