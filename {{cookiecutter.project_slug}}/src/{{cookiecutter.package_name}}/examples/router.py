"""Every example's routes, under `/examples`."""

from {{ cookiecutter.package_name }}.examples import cpu{% if cookiecutter.http_client == "yes" %}, fanout{% endif %}, jobs, rooms

EXAMPLE_ROUTERS = (jobs.router, rooms.router, cpu.router{% if cookiecutter.http_client == "yes" %}, fanout.router{% endif %})
