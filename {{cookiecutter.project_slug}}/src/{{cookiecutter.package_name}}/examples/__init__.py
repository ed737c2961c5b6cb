"""Small, tested examples of the async patterns a service needs beyond CRUD.

- `jobs.py` and `job_work.py`: work that finishes after the response (`BackgroundTasks`);
- `rooms.py`: a WebSocket broadcast room;
- `primes.py` and `cpu.py`: CPU-heavy work in a process pool;
{%- if cookiecutter.http_client == "yes" %}
- `fanout.py`: several upstream calls at once, with a per-call timeout;
{%- endif %}
- `router.py`: all of them under `/examples`;
- `feature.py`: their settings, lifespan part and routes, as a feature.

This package's `__init__` imports nothing on purpose, which is why the
feature is built in `feature.py`: the process pool's workers import
`primes.py`, and should not pay for FastAPI to do it.
"""
