"""Following a background job from its tests."""

import asyncio

import httpx


async def finished(client: httpx.AsyncClient, location: str) -> dict[str, str]:
    """The job at `location`, once it is done or failed."""
    for _ in range(200):
        job: dict[str, str] = (await client.get(location)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job at {location} did not finish: {job}")
