"""docker-compose.yaml, checked by a real Compose implementation's ``config`` (no engine needed):
the services of the official Airflow 3 layout, our image at the locked Airflow version, and
no default password anywhere."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess

import pytest
import yaml
from support import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
    "airflow-worker-fetch", "airflow-triggerer",
}  # fmt: skip
WELL_KNOWN = {"airflow", "admin", "postgres", "mediamon", "password", "changeme", "secret", ""}


def _compose() -> list[str]:
    """The Compose CLI: the docker plugin when it works, else Debian's docker-compose."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no Compose implementation: `make sysdeps` (root) installs Debian's docker-compose")


def _config(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(
        [*_compose(), "-f", str(COMPOSE_FILE), "--project-directory", str(ROOT), "config"],
        env={**base, **env}, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip


def _locked_airflow() -> str:
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    return re.search(r"^apache-airflow==(\S+)$", text, re.M).group(1)


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    return {"POSTGRES_PASSWORD": secrets.token_hex(8), "WAREHOUSE_PASSWORD": secrets.token_hex(8)}


@pytest.fixture(scope="module")
def config(passwords) -> dict:
    out = _config(passwords)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_services_of_the_official_layout_with_healthchecks(config):
    services = config["services"]
    assert {"postgres", "warehouse", "redis", "airflow-init"} | AIRFLOW_SERVICES <= set(services)
    for name in {"postgres", "warehouse", "redis"} | AIRFLOW_SERVICES:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    # the queues of `make up EXECUTOR=celery` (mediamon.devtools.celery_workers)
    fetch, cpu = (services[n]["command"] for n in ("airflow-worker-fetch", "airflow-worker"))
    fetch, cpu = (c if isinstance(c, str) else " ".join(c) for c in (fetch, cpu))
    assert "celery worker --queues fetch --concurrency 16" in fetch
    # one process per core ("$$" is Compose's escape of "$"; `config` may print it escaped)
    assert re.search(r'celery worker --queues default --concurrency "\$\$?\(nproc\)"', cpu)
    init = services["airflow-init"]["command"]
    init = " ".join(init) if isinstance(init, list) else init
    assert "airflow db migrate" in init and "mediamon db upgrade" in init
    for name in AIRFLOW_SERVICES:
        service = services[name]
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == "default"
        assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        # the warehouse is its own database server, reached by connection and by URL
        assert "@warehouse:5432/" in env["AIRFLOW_CONN_MEDIAMON_DB"]
        assert env["MEDIAMON_DATABASE_URL"] == env["AIRFLOW_CONN_MEDIAMON_DB"]
        deps = service["depends_on"]
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        mounts = {str(v).split(":")[1] if isinstance(v, str) else v["target"]
                  for v in service["volumes"]}  # fmt: skip
        assert {"/opt/airflow/dags", "/opt/airflow/include", "/opt/airflow/plugins"} <= mounts


def test_image_is_official_airflow_at_the_locked_version(config):
    version = _locked_airflow()
    # the image installs the project with the lock: the celery provider of `make up` too
    lock = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert re.search(r"^apache-airflow-providers-celery==\S+$", lock, re.M)
    assert '"apache-airflow-providers-celery"' in (ROOT / "pyproject.toml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"^ARG AIRFLOW_VERSION={re.escape(version)}$", dockerfile, re.M)
    assert "FROM apache/airflow:${AIRFLOW_VERSION}" in dockerfile
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        service = config["services"][name]
        assert service["image"].endswith(f":{version}"), service["image"]
        assert str(service["build"]["args"]["AIRFLOW_VERSION"]) == version


def test_no_default_password(config, passwords):
    missing = _config({})
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr or "WAREHOUSE_PASSWORD" in missing.stderr
    services = config["services"]
    assert (
        services["postgres"]["environment"]["POSTGRES_PASSWORD"] == passwords["POSTGRES_PASSWORD"]
    )
    warehouse = services["warehouse"]["environment"]["POSTGRES_PASSWORD"]
    assert warehouse == passwords["WAREHOUSE_PASSWORD"]
    url = services["airflow-apiserver"]["environment"]["MEDIAMON_DATABASE_URL"]
    assert f":{passwords['WAREHOUSE_PASSWORD']}@" in url
    for service in services.values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key:
                assert str(value) not in WELL_KNOWN, key
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M)
    assert re.search(r"^WAREHOUSE_PASSWORD=$", example, re.M)
