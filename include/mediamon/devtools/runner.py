"""Run the daily DAG on this machine: Airflow's environment on the project's database, the
demo capture replayed on loopback, and ``mediamon_daily`` through ``dag.test()``.

What ``mediamon run``, ``mediamon up`` and the end-to-end tests share; the runtime package
never imports it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def airflow_cli(*argv: str, log=None) -> None:
    """Run the ``airflow`` CLI of this environment; raise CalledProcessError on failure.

    Its stdout is dropped; its stderr goes to ``log`` (an open file) when given.
    """
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), *argv], check=True, stdout=subprocess.DEVNULL, stderr=log)


class RunInProgress(RuntimeError):
    """Another ``mediamon run`` of the same day holds the run lock; ``pid`` is its process."""

    def __init__(self, day: str, pid: str):
        self.day, self.pid = day, pid
        super().__init__(f"another run of {day} is in progress (pid {pid})")


@contextmanager
def run_lock(day: date, *, on_wait: Callable[[str], None] = print) -> Iterator[Path]:
    """Hold the machine's run lock (``<data dir>/run.lock``, an advisory ``flock``) for ``day``.

    Two runs at once would race on Airflow's metadata (one dies with IntegrityErrors): a run
    of the same day raises :class:`RunInProgress` at once; a run of another day waits for the
    lock, after saying so through ``on_wait``. The lock file names the holder ("pid day"); the
    kernel releases it when the holder exits, however it exits.
    """
    path = data_dir() / "run.lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid, _, held_day = handle.read().strip().partition(" ")
            if held_day == day.isoformat():
                raise RunInProgress(held_day, pid) from None
            on_wait(f"waiting for the run of {held_day or 'another day'} (pid {pid or '?'})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {day.isoformat()}")
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_log(day: date) -> Path:
    """Where ``mediamon run`` writes Airflow's and the tasks' log output for ``day``."""
    folder = data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{day.isoformat()}.log"


ERROR_RECORD = re.compile(r"\[error\s*\] (?P<message>.*?)\s+\[[\w.]+\](?: |$)")
RAISED = re.compile(r"^(?:[\w]+\.)*(?P<error>\w*(?:Error|Exception|Exit)\w*): (?P<message>.*)")
GENERIC = ("Task failed with exception", "Task failed; ti=", "[DAG TEST] Error running task")


def log_errors(path: Path, limit: int = 8) -> list[str]:
    """The last ``limit`` distinct errors of a run's log, one line each (``error: message``):
    the error records (structlog's ``[error  ]``, without Airflow's generic ones) and what
    each traceback raised (its last line, the exception's class without its module)."""
    found: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        record, raised = ERROR_RECORD.search(line), RAISED.match(line)
        if record and not record["message"].startswith(GENERIC):
            message = record["message"]
        elif raised:
            message = f"{raised['error']}: {raised['message']}"
        else:
            continue
        if f"error: {message}"[:300] not in found:
            found.append(f"error: {message}"[:300])
    return found[-limit:]


def run_quietly(day: date, *, verbose: bool = False, poll_seconds: float = 0.5) -> str:
    """``airflow db migrate`` then ``mediamon_daily`` for local ``day`` in a child process
    (``dag.test()``); returns the run's state ("success", "failed"; "not started" when the
    child died before creating the run).

    Their log output goes to :func:`run_log` and the stages print as they end
    (:class:`mediamon.devtools.progress.ProgressView`); ``verbose`` prints everything here
    instead. Airflow must be configured through the environment (:func:`airflow_env`) and the
    registry in force (``MEDIAMON_SOURCES``) be the run's.
    """
    import psycopg2

    from mediamon.config import select_sources
    from mediamon.devtools.progress import ProgressView, latest_run_id, metadata_dsn, run_states

    log_path = run_log(day)
    sources = select_sources()
    logical_date = datetime.combine(day, time.min, tzinfo=ZoneInfo(DEFAULT_ZONE))
    conn = psycopg2.connect(metadata_dsn(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    with open(log_path, "w", encoding="utf-8") as log:
        out = None if verbose else log
        airflow_cli("db", "migrate", log=out)
        after = latest_run_id(conn)
        child = subprocess.Popen(
            [sys.executable, "-m", "mediamon.devtools.runner", day.isoformat()],
            stdout=out, stderr=subprocess.STDOUT if out else None,
        )  # fmt: skip
        view = (
            None
            if verbose
            else ProgressView(f"{DAILY_DAG_ID} {day}", sources, 5 + 4 * len(sources))
        )
        try:
            while True:
                done = child.poll() is not None
                state, tasks = run_states(conn, logical_date, after)
                if view:
                    view.update(tasks)
                if done:
                    break
                try:
                    child.wait(timeout=poll_seconds)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if view:
                view.close()
            if child.poll() is None:
                child.terminate()
                child.wait()
            conn.close()
    return state or "not started"


def run_daily(day: date | None, sources: list[str] | None = None) -> str:
    """Run ``mediamon_daily`` for local ``day`` with ``dag.test()``; returns the run state.

    ``day=None`` runs it as a manual run without a logical date ("today so far"); ``sources``
    (registry ids) is the run's ``sources`` param (None: every source). Airflow must already
    be configured through the environment (see :func:`airflow_env`).
    """
    from airflow.dag_processing.dagbag import DagBag  # Airflow's import is slow: only here

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(DAILY_DAG_ID)
    logical_date = datetime.combine(day, time.min, tzinfo=ZoneInfo(DEFAULT_ZONE)) if day else None
    run = dag.test(logical_date=logical_date, run_conf={"sources": sources} if sources else None)
    return str(getattr(run.state, "value", run.state))


if __name__ == "__main__":  # the child of run_quietly: one day, its state as the exit code
    sys.exit(0 if run_daily(date.fromisoformat(sys.argv[1])) == "success" else 1)
