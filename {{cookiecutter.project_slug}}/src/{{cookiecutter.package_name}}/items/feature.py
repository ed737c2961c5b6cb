"""Items as a feature: their routes. Their table comes with the database's migrations."""

from {{ cookiecutter.package_name }}.feature import Feature
from {{ cookiecutter.package_name }}.items.routes import router

FEATURE = Feature(name="items", routers=(router,))
