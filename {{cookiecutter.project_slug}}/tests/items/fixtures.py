"""The items' routes, for the loop guard's tour of every route (test_loop_guard.py)."""

ROUTE_REQUESTS: dict[tuple[str, str], tuple[str, object]] = {
    ("POST", "/items"): ("/items", {"name": "lamp"}),
    ("GET", "/items"): ("/items", None),
    ("GET", "/items/{item_id}"): ("/items/1", None),
    ("PATCH", "/items/{item_id}"): ("/items/1", {"name": "brass lamp"}),
    ("DELETE", "/items/{item_id}"): ("/items/1", None),
}
