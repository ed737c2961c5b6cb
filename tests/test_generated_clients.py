"""Clients generated from a served instance's schema work, as the baked README says:
a Python client (openapi-python-client) creates, reads, lists, updates and deletes
an item against the service, and a TypeScript client (@hey-api/openapi-ts)
compiles with `tsc --noEmit`. Their functions are named after the operation ids,
`<first tag>-<function name>`.

The TypeScript tools come from the npm registry, at the versions pinned below.
"""

import importlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.conftest import Bake, assert_succeeded, installed_tool, run
from tests.options import Options
from tests.served import Served, serve_with_a_database

# @hey-api/openapi-ts 0.96 and later need Node.js 22; this machine has 20.
TYPESCRIPT_TOOLS = ["@hey-api/openapi-ts@0.95.0", "typescript@5.9.3"]

# What a TypeScript user writes: it compiles only if the generated functions
# exist under these names and take these arguments.
TYPESCRIPT_USE = """\
import {
  itemsCreateItem,
  itemsDeleteItem,
  itemsListItems,
  itemsReadItem,
  itemsUpdateItem,
} from "./client/sdk.gen";

export async function roundTrip(): Promise<string | undefined> {
  const created = await itemsCreateItem({ body: { name: "lamp", description: null } });
  const id = created.data?.id ?? 0;
  await itemsUpdateItem({ path: { item_id: id }, body: { name: "desk lamp" } });
  const listed = await itemsListItems({ query: { limit: 10 } });
  await itemsDeleteItem({ path: { item_id: id } });
  const read = await itemsReadItem({ path: { item_id: id } });
  return listed.data?.[0]?.name ?? read.data?.name;
}
"""
TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022",
        "module": "ESNext",
        "moduleResolution": "Bundler",
        "lib": ["ES2022", "DOM", "DOM.Iterable"],
        "strict": True,
        "noEmit": True,
    },
    "include": ["client", "use.ts"],
}


@pytest.fixture(scope="module")
def served(bake: Bake, postgres_server: str) -> Iterator[Served]:
    with serve_with_a_database(bake(Options("postgresql", "yes")), postgres_server) as served:
        yield served


def operation_ids(served: Served) -> set[str]:
    schema = httpx.get(f"{served.url}/openapi.json").json()
    return {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    }


@pytest.fixture
def generated_python_client(served: Served, tmp_path: Path) -> Iterator[Path]:
    """The package openapi-python-client generates from the served schema, importable."""
    # It formats what it generates with ruff, which it finds on PATH.
    tools = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    generate = installed_tool(
        "openapi-python-client", "generate", "--url", f"{served.url}/openapi.json"
    )
    result = run(generate, cwd=tmp_path, env=tools)
    assert_succeeded(result)
    assert "Warning" not in result.stdout, result.stdout  # an operation it could not generate
    project = tmp_path / "my-service-client"
    sys.path.insert(0, str(project))
    try:
        yield project / "my_service_client"
    finally:
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if name.startswith("my_service_client")]:
            del sys.modules[name]


def load(module: str) -> ModuleType:
    return importlib.import_module(f"my_service_client.{module}")


def test_a_generated_python_client_creates_reads_lists_updates_and_deletes_an_item(
    served: Served, generated_python_client: Path
) -> None:
    modules = generated_python_client.glob("api/*/*.py")
    functions = sorted(module.stem for module in modules if module.stem != "__init__")
    print("generated Python client functions:", ", ".join(functions))
    client = load("client").Client(base_url=served.url, raise_on_unexpected_status=True)
    models = load("models")
    create, read, list_items, update, delete = (
        load(f"api.items.items_{name}")
        for name in ("create_item", "read_item", "list_items", "update_item", "delete_item")
    )

    with client:
        created = create.sync(
            client=client, body=models.ItemCreate(name="lamp", description="brass")
        )
        read_back = read.sync(client=client, item_id=created.id)
        listed = list_items.sync(client=client, limit=100)
        updated = update.sync(
            client=client, item_id=created.id, body=models.ItemUpdate(name="desk lamp")
        )
        deleted = delete.sync_detailed(client=client, item_id=created.id)
        gone = read.sync_detailed(client=client, item_id=created.id)

    assert set(functions) == {
        operation_id.replace("-", "_") for operation_id in operation_ids(served)
    }
    assert (created.name, created.description) == ("lamp", "brass")
    assert read_back.to_dict() == created.to_dict()
    assert created.id in [item.id for item in listed]
    assert (updated.id, updated.name, updated.description) == (created.id, "desk lamp", "brass")
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.parsed.detail == f"item {created.id} not found"


def test_a_generated_typescript_client_compiles(served: Served, tmp_path: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("this test needs Node.js 20.19 or later, with npm", pytrace=False)
    (tmp_path / "package.json").write_text('{"private": true}\n')
    install = [npm, "install", "--no-audit", "--no-fund", "--save-exact", *TYPESCRIPT_TOOLS]
    assert_succeeded(run(install, cwd=tmp_path))
    tools = tmp_path / "node_modules" / ".bin"

    generate: list[str | Path] = [
        tools / "openapi-ts",
        "--input",
        f"{served.url}/openapi.json",
        "--output",
        "client",
    ]
    assert_succeeded(run(generate, cwd=tmp_path))
    (tmp_path / "use.ts").write_text(TYPESCRIPT_USE)
    (tmp_path / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    compiled = run([tools / "tsc", "--noEmit", "-p", "tsconfig.json"], cwd=tmp_path)

    assert_succeeded(compiled)
    sdk = (tmp_path / "client" / "sdk.gen.ts").read_text()
    functions = set(re.findall(r"^export const (\w+) = ", sdk, re.MULTILINE))
    print("generated TypeScript client functions:", ", ".join(sorted(functions)))
    assert functions == {camel_case(operation_id) for operation_id in operation_ids(served)}


def camel_case(operation_id: str) -> str:
    """`items-read_item` as @hey-api/openapi-ts names its function: `itemsReadItem`."""
    first, *rest = re.split(r"[-_]", operation_id)
    return first + "".join(word.capitalize() for word in rest)
