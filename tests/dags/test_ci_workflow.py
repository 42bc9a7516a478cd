"""The forge CI workflow (.github/workflows/ci.yml): it lints clean, and it keeps testing DAGs.

The linter is zizmor (a dev dependency: a wheel with its binary, nothing downloaded at
install): it validates every workflow against the workflow schema (``--strict-collection``
fails on a schema error instead of skipping the file) and audits it (``--offline``: no GitHub
API). The structure checks read the YAML: a workflow can lint clean and still have stopped
running the DAG integrity tests.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"


def zizmor() -> str:
    """The zizmor executable beside this interpreter, else on PATH; fails when absent."""
    beside = Path(sys.executable).with_name("zizmor")
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    if not found:
        pytest.fail('zizmor is missing: pip install -c constraints.txt -e ".[dev]"')
    return found


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(CI.read_text(encoding="utf-8"))


def commands(job: dict) -> list[list[str]]:
    """Every command line of a job's ``run:`` steps, split into words."""
    lines = (line for step in job["steps"] for line in step.get("run", "").splitlines())
    return [shlex.split(line) for line in lines if line.strip()]


def test_workflows_lint_clean():
    out = subprocess.run(
        [zizmor(), "--offline", "--strict-collection", "--no-progress", "--format", "plain",
         str(WORKFLOWS)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_fast_job_lints_and_runs_the_dag_tests_on_every_push(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    fast = workflow["jobs"]["fast"]
    assert "if" not in fast and not fast.get("continue-on-error")
    assert not any(step.get("continue-on-error") or "if" in step for step in fast["steps"])
    lines = commands(fast)
    assert ["ruff", "check", "."] in lines and ["ruff", "format", "--check", "."] in lines
    (pytest_line,) = [words for words in lines if "pytest" in words]
    paths = [w.rstrip("/") for w in pytest_line[pytest_line.index("pytest") + 1 :]]
    assert "tests/dags" in paths or "tests" in paths, pytest_line
    assert not any(w.startswith(("-k", "-m", "--ignore", "--deselect")) for w in paths)
    assert (ROOT / "tests" / "dags" / "test_dag_integrity.py").is_file()


def test_full_job_runs_make_test_with_postgres_and_redis(workflow):
    full = workflow["jobs"]["full"]
    assert any(words[:2] == ["make", "test"] for words in commands(full))
    services = full["services"]
    assert services["postgres"]["ports"] == ["5432:5432"]
    assert services["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert services["redis"]["ports"] == ["6379:6379"]
    assert all("--health-cmd" in s["options"] for s in services.values())
