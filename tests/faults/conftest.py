"""Fixtures for the fault tests: a warehouse and environment shared by one test module."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest
from faultkit import FaultServer


def server_url() -> str:
    """The test PostgreSQL server (database ``postgres``), the one tests/conftest.py chose
    for Airflow's metadata database."""
    from mediamon.load.db import with_database

    airflow = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    return with_database(airflow.replace("postgresql+psycopg2://", "postgresql://", 1), "postgres")


@pytest.fixture(scope="module")
def server():
    """The loopback fault server (:class:`faultkit.FaultServer`) of one test module."""
    srv = FaultServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    """A MonkeyPatch undone at the end of the module, and a private data folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDIAMON_DATA_DIR", str(tmp_path_factory.mktemp("var")))
        yield mp


@pytest.fixture(scope="module")
def module_db(module_env, migrated_template):
    """A fresh, migrated warehouse for the whole module (a copy of the session's migrated
    template, tests/conftest.py): (url, psycopg2 connection)."""
    from mediamon.load.db import airflow_connection_json
    from support import clone_db

    name = f"mediamon_faults_{uuid.uuid4().hex[:10]}"
    url = clone_db(migrated_template, name)
    module_env.setenv("MEDIAMON_DATABASE_URL", url)
    module_env.setenv("AIRFLOW_CONN_MEDIAMON_DB", airflow_connection_json(url))
    conn = psycopg2.connect(url)
    yield url, conn
    conn.close()
    admin = psycopg2.connect(server_url())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()
