"""What the examples read from the environment; `Settings` includes it."""
{% if cookiecutter.http_client == "yes" %}
from pydantic import PositiveFloat, PositiveInt
{%- else %}
from pydantic import PositiveInt
{%- endif %}
from pydantic_settings import BaseSettings


class ExamplesSettings(BaseSettings):
    # Finished jobs whose outcome GET /examples/jobs/{id} still knows; the
    # oldest are forgotten first, so the record never grows without bound.
    examples_jobs_kept: PositiveInt = 1000
    # Clients one WebSocket room admits at once; the next is turned away.
    examples_room_max_clients: PositiveInt = 100
    # Longest WebSocket message a client may send, in bytes.
    examples_message_max_bytes: PositiveInt = 4096
    # Processes that run CPU-heavy work, created at start-up.
    examples_cpu_workers: PositiveInt = 2
    # Largest `below` that GET /examples/primes accepts: a bound on the work
    # (and memory, one byte per number) that a single request may ask for.
    examples_primes_max_below: PositiveInt = 20_000_000
{%- if cookiecutter.http_client == "yes" %}
    # Seconds each call of GET /examples/fanout may take; a slower call is
    # reported as timed out while the others still count.
    examples_fanout_call_timeout: PositiveFloat = 1.0
{%- endif %}
