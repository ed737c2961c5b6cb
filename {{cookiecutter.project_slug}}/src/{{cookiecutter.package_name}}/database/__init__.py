"""The database: async SQLModel sessions over {% if cookiecutter.database == "postgresql" %}asyncpg (PostgreSQL){% else %}aiosqlite (SQLite){% endif %}.

- `settings.py`: the URL and the pool's size and timeout;
- `engine.py`: the engine, opened and closed with the service (the lifespan part);
- `connections.py`: first come, first served turns at the pool's connections;
- `sessions.py`: the session dependencies, `SessionDep` and `ReadSessionDep`;
- `faults.py`: which errors mean "unavailable", answered 503;
- `timing.py`: each query's time, for the `db` entry of Server-Timing;
- `ready.py`: the readiness check, `SELECT 1`.
"""
