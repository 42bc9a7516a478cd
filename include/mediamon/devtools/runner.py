"""Run the daily DAG on this machine: Airflow's environment on the project's database, the
demo capture replayed on loopback, and ``mediamon_daily`` through ``dag.test()``.

What ``mediamon run``, ``mediamon up`` and the end-to-end tests share; the runtime package
never imports it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from mediamon.config import COPY_MARKER, DAILY_DAG_ID, data_dir, load_sources, registry_origin
from mediamon.fetch.capture import build_capture
from mediamon.fetch.replay import ReplayServer
from mediamon.load.db import airflow_connection_json, airflow_metadata_url, warehouse_url
from mediamon.window import DEFAULT_ZONE

DEMO_CAPTURE = Path(__file__).resolve().parent.parent / "demo" / "exclusive"


def airflow_env() -> dict[str, str]:
    """Environment for Airflow on the project's database, folders and connection.

    Starts the embedded PostgreSQL when no database is configured. Keys already set in the
    environment are kept.
    """
    warehouse = warehouse_url()
    port = os.environ.get("AIRFLOW__API__PORT") or os.environ.get("AIRFLOW_PORT") or "8080"
    dags = Path(os.environ.get("MEDIAMON_DAGS_FOLDER", Path.cwd() / "dags")).resolve()
    defaults = {
        "AIRFLOW_HOME": str(data_dir() / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(dags.parent / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # task workers call the api-server back here: keep it in step with the port
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_metadata_url(),
        "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(warehouse),
        "MEDIAMON_DATABASE_URL": warehouse,
        "MEDIAMON_DATA_DIR": str(data_dir()),
    }
    return {key: os.environ.get(key, value) for key, value in defaults.items()}


def prepare_capture(source: Path) -> Path:
    """Build (into the data folder) the capture for ``source``; returns the built folder.

    A folder that already is a capture (``capture.warc.gz`` and ``sources.yaml``, as written
    by ``mediamon capture build`` or ``synth``) is used as it is. The folder's own
    ``sources.yaml``, when it has one, is validated first (:class:`~mediamon.config.
    RegistryError` naming that file); its copy in the built capture starts with
    :data:`~mediamon.config.COPY_MARKER`, so that later errors name the user's file too.
    """
    source = source.resolve()
    registry = source / "sources.yaml" if source.is_dir() else None
    if registry is not None and registry.is_file():
        load_sources(registry)  # before anything is built or started
    if (source / "capture.warc.gz").is_file() and registry is not None and registry.is_file():
        return source
    name = f"{source.name}-{hashlib.sha1(str(source).encode()).hexdigest()[:8]}"
    out = data_dir() / "captures" / name
    build_capture(source, out)
    if registry is not None and registry.is_file():
        copy = out / "sources.yaml"
        text = copy.read_text(encoding="utf-8")
        copy.write_text(f"{COPY_MARKER}{registry_origin(registry)}\n{text}", encoding="utf-8")
    return out


def start_replay(capture: Path) -> ReplayServer:
    """Build ``capture``, serve it on a free loopback port and point the pipeline at it."""
    built = prepare_capture(capture)
    server = ReplayServer(built / "capture.warc.gz").start()
    os.environ["MEDIAMON_REPLAY"] = server.url
    os.environ["MEDIAMON_SOURCES"] = str(built / "sources.yaml")
    print(f"replaying {server.size} recorded URLs from {built} at {server.url}")
    return server


def airflow_cli(*argv: str) -> None:
    """Run the ``airflow`` CLI of this environment; raise CalledProcessError on failure."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), *argv], check=True, stdout=subprocess.DEVNULL)


def run_daily(day: date | None) -> str:
    """Run ``mediamon_daily`` for local ``day`` with ``dag.test()``; returns the run state.

    ``day=None`` runs it as a manual run without a logical date ("today so far"). Airflow must
    already be configured through the environment (see :func:`airflow_env`).
    """
    from airflow.dag_processing.dagbag import DagBag  # Airflow's import is slow: only here

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(DAILY_DAG_ID)
    logical_date = datetime.combine(day, time.min, tzinfo=ZoneInfo(DEFAULT_ZONE)) if day else None
    run = dag.test(logical_date=logical_date)
    return str(getattr(run.state, "value", run.state))
