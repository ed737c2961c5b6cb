"""The upstream service, reached through one shared HTTP client.

- `settings.py`: its base URL, the timeout and the limits;
- `client.py`: the shared client, opened and closed with the service (the
  lifespan part), and `UpstreamDep`, what routes use it through;
- `relay.py`: safe upstream URLs, and calls bounded in concurrency and time;
- `routes.py`: `GET /upstream/{path}`, the relay.
"""
