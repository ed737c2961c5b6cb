"""Liveness and readiness probes: `/health` and `/health/ready`."""
