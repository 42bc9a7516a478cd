"""A real scheduler runs a backfill of three demo days: ``airflow backfill create`` against
scheduler + dag-processor + api-server (the task workers' execution API), LocalExecutor, a
metadata database of its own on the tests' PostgreSQL, free ports. Every process the test
starts is stopped at the end (its whole process group)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest
from mediamon.devtools.stack import free_port
from mediamon.load.db import ensure_database, with_database
from support import DEMO, ROOT, query

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAYS = [date(2024, 9, 6), date(2024, 9, 7), date(2024, 9, 8)]
TIMEOUT = 240  # seconds for the three runs; they take well under a minute when idle


@pytest.fixture
def airflow_stack(tmp_path, warehouse, replay):
    """Environment and process starter for a private Airflow; stops what it started."""
    replay(DEMO)
    # a metadata database of its own, on the server of the session's (tests/conftest.py)
    session_db = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].split("+psycopg2", 1)
    name = f"airflow_sched_{uuid.uuid4().hex[:8]}"
    metadata = with_database("".join(session_db), name)
    ensure_database(metadata)
    api_port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace(
            "postgresql://", "postgresql+psycopg2://", 1
        ),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        # no scheduled run of "yesterday" once unpaused: only the backfill's runs
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",  # saves an `airflow dags unpause`
        "MEDIAMON_RETRY_DELAY_SECONDS": "2",
    }
    (tmp_path / "airflow").mkdir()
    t0 = time.monotonic()
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    print(f"metadata database migrated in {time.monotonic() - t0:.0f}s")
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(*argv: str) -> subprocess.Popen:
        log = tmp_path / f"{argv[0]}.log"
        proc = subprocess.Popen(
            [AIRFLOW, *argv], env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its children
        )  # fmt: skip
        started.append((proc, log))
        return proc

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([AIRFLOW, *argv], env=env, capture_output=True, text=True)

    yield start, cli, metadata, started
    for proc, _ in started:
        _stop_group(proc)
    conn = psycopg2.connect(with_database(metadata, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    conn.close()


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group ``proc`` leads (its workers too), SIGKILL what outlives 20 s;
    returns once no process of the group is left."""
    for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        end = time.monotonic() + grace
        while time.monotonic() < end:
            proc.poll()  # reap the leader
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
    proc.wait(timeout=5)
    with pytest.raises(ProcessLookupError):  # nothing of the group is left behind
        os.killpg(proc.pid, 0)


def test_airflow_backfill_of_three_days_through_the_scheduler(airflow_stack, warehouse):
    start, cli, metadata, started = airflow_stack
    t0 = time.monotonic()
    start("api-server")
    start("dag-processor")
    start("scheduler")
    deadline = time.monotonic() + TIMEOUT
    while not query(metadata, "select 1 from dag where dag_id = 'mediamon_daily'"):
        assert time.monotonic() < deadline, _logs(started)
        time.sleep(1)
    print(f"dag serialized after {time.monotonic() - t0:.0f}s")
    created = cli(
        "backfill", "create", "--dag-id", "mediamon_daily",
        "--from-date", "2024-09-06T00:00:00+05:00", "--to-date", "2024-09-08T00:00:00+05:00",
        "--reprocess-behavior", "completed",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr

    print(f"backfill created after {time.monotonic() - t0:.0f}s")
    sql = (
        "select (logical_date at time zone 'Asia/Almaty')::date, state, "
        "data_interval_start = logical_date, data_interval_end - data_interval_start "
        "from dag_run where dag_id = 'mediamon_daily' and run_type = 'backfill' order by 1"
    )
    while True:
        runs = query(metadata, sql)
        if len(runs) == 3 and all(r[1] in ("success", "failed") for r in runs):
            break
        assert time.monotonic() < deadline, f"runs {runs}\n{_logs(started)}"
        time.sleep(2)
    print(f"runs finished after {time.monotonic() - t0:.0f}s")
    assert runs == [(d, "success", True, timedelta(days=1)) for d in DAYS], _logs(started)

    per_day = {
        table: dict(query(warehouse, f"select day, count(*) from {table} group by 1 order by 1"))
        for table in ("fetches", "sightings", "dq_results")
    }
    assert per_day["fetches"] == dict.fromkeys(DAYS, 25)
    assert per_day["sightings"] == dict.fromkeys(DAYS, 32)
    assert set(per_day["dq_results"]) == set(DAYS)
    coverage = "select day, promised, captured, reachable from source_day_coverage order by 1"
    assert query(warehouse, coverage) == [
        (DAYS[0], 2, 2, True), (DAYS[1], 2, 2, True), (DAYS[2], 3, 3, True),
    ]  # fmt: skip
    assert query(warehouse, "select count(*) from articles") == [(7,)]


def _logs(started) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for _, log in started
    )
