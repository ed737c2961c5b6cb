"""The ASGI apps the benchmark serves next to the baked service.

Each module exposes `app`, served by uvicorn with the same flags as the baked
service, and reads what it connects to from the environment:
`DATABASE_URL` (a postgresql:// URL) and `UPSTREAM_BASE_URL`.
"""
