"""Redis: rate limits shared by every replica{% if cookiecutter.database != "none" %}, and a read-through cache of item reads{% endif %}.

- `settings.py`: where Redis is, its timeouts, what it is used for;
- `client.py`: the client, opened with the service, and how a call to it fails;
- `outage.py`: what the service does while Redis is down (bypass, one log line per interval);
- `rate_limits.py`: the limits, counted atomically in Redis, as middleware;
- `routes.py`: the route of a request answered before the router runs;
{%- if cookiecutter.database != "none" %}
- `items.py`: the read-through cache of `GET /items/{id}`.
{%- endif %}

README.md, "Redis: the cache and the rate limits", explains the design.
"""
