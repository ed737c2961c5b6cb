"""What a baked project ships for production passes the tools that check it, offline:
hadolint for the Dockerfile, the compose and GitHub workflow schemas, zizmor, and
kubernetes-validate for the manifests."""

import json
import re

import pytest

from tests.conftest import Bake, assert_succeeded, installed_tool, is_copied_verbatim, run
from tests.options import Options

pytestmark = pytest.mark.with_kubernetes


def test_hadolint_finds_nothing_in_the_dockerfile(bake: Bake, options: Options) -> None:
    project = bake(options)

    result = run(installed_tool("hadolint", "Dockerfile"), cwd=project)

    assert_succeeded(result)
    assert result.stdout == ""


def test_the_image_runs_as_a_non_root_user_with_an_exec_form_entrypoint(
    bake: Bake, options: Options
) -> None:
    dockerfile = (bake(options) / "Dockerfile").read_text(encoding="utf-8")

    entrypoint = json.loads(re.findall(r"^ENTRYPOINT (.+)$", dockerfile, re.MULTILINE)[-1])
    assert entrypoint[:2] == ["uvicorn", "my_service.main:app"]
    assert "--proxy-headers" in entrypoint
    assert "--workers" not in entrypoint  # uvicorn reads WEB_CONCURRENCY
    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)
    assert "WEB_CONCURRENCY=" in dockerfile


def test_the_build_context_leaves_out_secrets_caches_and_tests(
    bake: Bake, options: Options
) -> None:
    ignored = (bake(options) / ".dockerignore").read_text(encoding="utf-8").splitlines()

    assert {".env", ".venv", "tests", ".pytest_cache", "**/__pycache__"} <= set(ignored)
    assert "!.env.example" in ignored


def test_compose_matches_the_compose_specification(bake: Bake, options: Options) -> None:
    project = bake(options)

    compose = "compose.yaml"
    schema = ["--builtin-schema", "vendor.compose-spec"]
    assert_succeeded(run(installed_tool("check-jsonschema", *schema, compose), cwd=project))
    text = (project / compose).read_text(encoding="utf-8")
    assert ("service_completed_successfully" in text) == options.has_database
    assert ("pg_isready" in text) == (options.database == "postgresql")


def test_the_ci_workflow_is_valid_and_zizmor_finds_nothing(bake: Bake, options: Options) -> None:
    project = bake(options)
    workflow = ".github/workflows/ci.yml"

    schema = ["--builtin-schema", "vendor.github-workflows"]
    assert_succeeded(run(installed_tool("check-jsonschema", *schema, workflow), cwd=project))
    audit = run(installed_tool("zizmor", "--offline", "--no-progress", workflow), cwd=project)
    assert_succeeded(audit)
    assert "No findings to report" in audit.stdout


def test_the_kubernetes_manifests_are_valid(bake: Bake, options: Options) -> None:
    manifests = bake(options) / "deploy" / "kubernetes"
    if not options.has_kubernetes:
        assert not manifests.exists()
        return

    files = sorted(manifests.glob("*.yaml"))
    result = run(installed_tool("kubernetes-validate", "--strict", *map(str, files)), cwd=manifests)

    assert_succeeded(result)
    expected = {"configmap.yaml", "deployment.yaml", "service.yaml"}
    if options.database == "postgresql":
        expected.add("migration-job.yaml")
    if options.has_observability:
        expected |= {"autoscaler.yaml", "disruption-budget.yaml"}
    assert {path.name for path in files} == expected


def test_the_deployment_is_hardened_and_probed(bake: Bake, options: Options) -> None:
    deployment = bake(options) / "deploy" / "kubernetes" / "deployment.yaml"
    if not options.has_kubernetes:
        assert not deployment.exists()
        return
    text = deployment.read_text(encoding="utf-8")

    for required in (
        "path: /health/ready",
        "path: /health\n",
        "runAsNonRoot: true",
        "readOnlyRootFilesystem: true",
        "allowPrivilegeEscalation: false",
        "limits:",
        "requests:",
    ):
        assert required in text, required
    assert ("secretKeyRef" in text) == (options.database == "postgresql")
    # With observability the autoscaler owns the count, from 2 up; without, the Deployment.
    assert ("replicas: 2" in text) != options.has_observability
    if options.has_observability:
        autoscaler = (deployment.parent / "autoscaler.yaml").read_text(encoding="utf-8")
        assert "minReplicas: 2" in autoscaler
        assert "name: cpu" in autoscaler
        assert 'prometheus.io/scrape: "true"' in text
        assert "minAvailable: 1" in (deployment.parent / "disruption-budget.yaml").read_text()


# Private keys, cloud access keys, and secrets or tokens written as values.
SECRET_LOOKING = re.compile(
    r"BEGIN [A-Z ]*PRIVATE KEY|AKIA[0-9A-Z]{16}"
    r"|(?:secret|token|api_key)\s*[=:]\s*['\"][^'\"]{8,}",
    re.IGNORECASE,
)


def test_no_secret_ships_and_env_files_stay_out_of_git_and_images(
    bake: Bake, options: Options
) -> None:
    project = bake(options)

    assert not (project / ".env").exists()
    assert ".env" in (project / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    # Minified third-party code copied as it is has `token: "..."` in it.
    found = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file()
        and not is_copied_verbatim(path.relative_to(project))
        and SECRET_LOOKING.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_defaults_are_safe_for_production(bake: Bake, options: Options) -> None:
    settings = (bake(options) / "src" / "my_service" / "settings.py").read_text(encoding="utf-8")

    assert "cors_allow_origins: list[str] = []" in settings  # CORS closed
    assert "docs_enabled: bool = True" in settings  # and DOCS_ENABLED=false turns docs off
    assert not re.search(r"^\s*debug\b", settings, re.MULTILINE)  # no debug mode to leave on
