"""The service is stateless: instances share nothing but the database, and migrations
are safe to run again, or from several processes at once."""

import asyncio
import os
import subprocess

import asyncpg
import httpx

from tests.conftest import Bake, assert_succeeded, python_tool, run
from tests.options import Options
from tests.served import create_database, migrate, serve, service_environment


def test_two_instances_serve_the_same_data(bake: Bake, postgres_server: str) -> None:
    project = bake(Options("postgresql", "no"))
    env = service_environment(project, database_url=create_database(postgres_server))
    migrate(project, env)

    with serve(project, env) as first, serve(project, env) as second:
        created = [
            httpx.post(f"{instance.url}/items", json={"name": f"via {port}"}).json()
            for instance, port in ((first, "first"), (second, "second"))
        ]
        renamed = httpx.patch(f"{second.url}/items/{created[0]['id']}", json={"name": "renamed"})
        deleted = httpx.delete(f"{first.url}/items/{created[1]['id']}")
        seen_by_first = httpx.get(f"{first.url}/items").json()
        seen_by_second = httpx.get(f"{second.url}/items").json()
        gone = httpx.get(f"{second.url}/items/{created[1]['id']}")

    assert (renamed.status_code, deleted.status_code, gone.status_code) == (200, 204, 404)
    assert seen_by_first == seen_by_second == [{**created[0], "name": "renamed"}]


def test_migrations_from_several_processes_at_once_leave_one_correct_schema(
    bake: Bake, postgres_server: str
) -> None:
    project = bake(Options("postgresql", "no"))
    database_url = create_database(postgres_server)
    env = service_environment(project, database_url=database_url)

    processes = [
        subprocess.Popen(
            python_tool("alembic", "upgrade", "head"),
            cwd=project,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0] * 4, "\n".join(outputs)
    migrate(project, env)  # and once more, afterwards: nothing to do
    assert_succeeded(run(python_tool("alembic", "check"), cwd=project, env=env))
    assert asyncio.run(alembic_versions(database_url)) == ["0001"]


async def alembic_versions(database_url: str) -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT version_num FROM alembic_version")
        return [row["version_num"] for row in rows]
    finally:
        await connection.close()
