"""Redis: a read-through cache for item reads and rate limits shared by every replica.

- `settings.py`: where Redis is, its timeouts, the cache's time to live, the limits;
- `client.py`: the client, opened with the service, and how a call to it fails;
- `outage.py`: what the service does while Redis is down (bypass, one log line per interval);
- `rate_limits.py`: the limits, counted atomically in Redis, as middleware;
- `items.py`: the read-through cache of `GET /items/{id}` (with a database).

README.md, "Redis: the cache and the rate limits", explains the design.
"""
