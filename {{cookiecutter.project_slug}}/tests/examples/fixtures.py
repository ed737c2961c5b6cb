"""The examples' routes, for the loop guard's tour of every route (test_loop_guard.py)."""

ROUTE_REQUESTS: dict[tuple[str, str], tuple[str, object]] = {
    ("POST", "/examples/jobs"): ("/examples/jobs", {"names": ["lamp"]}),
    ("GET", "/examples/jobs/{job_id}"): ("/examples/jobs/" + "0" * 32, None),
    ("GET", "/examples/primes"): ("/examples/primes?below=100000", None),
{%- if cookiecutter.http_client == "yes" %}
    ("GET", "/examples/fanout"): ("/examples/fanout?path=a&path=b", None),
{%- endif %}
}
