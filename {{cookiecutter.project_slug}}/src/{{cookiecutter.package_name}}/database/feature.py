"""The database as a feature: its settings, its lifespan part and its readiness check."""

from {{ cookiecutter.package_name }}.database.engine import open_database
from {{ cookiecutter.package_name }}.database.ready import database_ready
from {{ cookiecutter.package_name }}.database.settings import DatabaseSettings
from {{ cookiecutter.package_name }}.feature import Feature

__all__ = ["FEATURE", "DatabaseSettings"]

FEATURE = Feature(name="database", lifespan=open_database, ready=database_ready)
