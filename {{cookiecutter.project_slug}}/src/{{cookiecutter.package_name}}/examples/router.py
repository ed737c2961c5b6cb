"""Every example's routes, under `/examples`."""

from fastapi import APIRouter

from {{ cookiecutter.package_name }}.examples import cpu{% if cookiecutter.http_client == "yes" %}, fanout{% endif %}, jobs, rooms

examples_router = APIRouter(prefix="/examples", tags=["examples"])
examples_router.include_router(jobs.router)
examples_router.include_router(rooms.router)
examples_router.include_router(cpu.router)
{%- if cookiecutter.http_client == "yes" %}
examples_router.include_router(fanout.router)
{%- endif %}
