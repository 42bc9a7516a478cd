"""Fixtures of the UI tests: the plugin app as Airflow's api-server mounts it."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def api(airflow_db, warehouse, tmp_path, monkeypatch):
    """Airflow's api-server app (plugins loaded from plugins/) and an admin's token."""
    from fastapi.testclient import TestClient

    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
                       str(tmp_path / "passwords.json"))  # fmt: skip
    (tmp_path / "passwords.json").write_text(json.dumps({"admin": "s3cret-for-tests"}))
    from airflow.api_fastapi.app import create_app

    client = TestClient(create_app(), base_url="http://localhost")
    resp = client.post("/auth/token", json={"username": "admin", "password": "s3cret-for-tests"})
    assert resp.status_code in (200, 201), resp.text
    return client, resp.json()["access_token"]
