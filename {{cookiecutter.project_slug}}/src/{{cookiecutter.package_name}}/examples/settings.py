"""What the examples read from the environment; `Settings` includes it."""

from pydantic import PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings


class ExamplesSettings(BaseSettings):
    # Jobs whose outcome GET /examples/jobs/{id} knows: the oldest finished
    # jobs are forgotten first; when none has finished, new jobs get 503.
    examples_jobs_kept: PositiveInt = 1000
    # Clients one WebSocket room admits at once; the next is turned away.
    examples_room_max_clients: PositiveInt = 100
    # Longest WebSocket message a client may send, in bytes.
    examples_message_max_bytes: PositiveInt = 4096
    # Seconds a WebSocket client may take to accept a message; one that stops
    # reading is dropped after this long.
    examples_room_send_timeout: PositiveFloat = 5.0
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
