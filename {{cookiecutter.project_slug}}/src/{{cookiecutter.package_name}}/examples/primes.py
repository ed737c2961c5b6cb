"""A CPU-bound computation, run by the process pool's workers.

This module imports only the standard library: each worker process imports
it to run `count_primes`, and starts faster the less it has to load.
"""

from math import isqrt


def count_primes(below: int) -> int:
    """How many primes are smaller than `below` (sieve of Eratosthenes).

    Plain Python loops, like most of a service's own CPU work (parsing,
    scoring, rendering): it holds the GIL from start to end, so a thread
    would not free the event loop, and never awaits, so the loop would be
    held for the whole computation. A worker process runs it instead.
    """
    if below < 3:
        return 0
    is_prime = bytearray([1]) * below
    is_prime[0] = is_prime[1] = 0
    for number in range(2, isqrt(below - 1) + 1):
        if is_prime[number]:
            for multiple in range(number * number, below, number):
                is_prime[multiple] = 0
    return is_prime.count(1)
