"""The ASGI apps the benchmark serves next to the baked service.

Each module exposes `app`, served like the baked service (see servers.py),
and reads what it connects to from the environment:
`DATABASE_URL` (a postgresql:// URL) and `UPSTREAM_BASE_URL`.
"""
