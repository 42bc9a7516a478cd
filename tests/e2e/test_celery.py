"""``mediamon up --executor celery`` for real: a demo day of three sources through the scheduler
on two Celery workers (queues ``fetch`` and ``default``) on the machine's Redis.

The stack runs on free ports with its own warehouse and Airflow databases and its own broker
key prefix (``global_keyprefix``: parallel test runs share Redis without seeing each other's
queues). The day is a synthetic capture of three outlets (``synth_capture``), triggered through
the REST API. Checks: every task instance succeeded on the worker of its queue (``fetch`` tasks
on the fetch worker, every other task on the default worker: ``task_instance.queue`` and
``hostname``, both workers seen), and the warehouse holds the same rows as a ``dag.test()`` run
of the same day into a second warehouse (columns that name where or when the run happened are
left out of the comparison: see :data:`RUN_SPECIFIC`). Skipped, saying why, when Redis does not
answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import redis
from mediamon.devtools.celery_workers import broker_problem, broker_url
from mediamon.devtools.stack import api_token, trigger_daily
from support import ROOT, TABLES, drop_db, query, server_db

DAY = date(2024, 9, 8)
SOURCES = 3
RUN_TIMEOUT = 300  # seconds for the run on a busy 2-core machine
BROKER = broker_url()
# columns that say where or when a run happened, not what it loaded: the WARC's path and
# offsets (another data folder; fetch threads write in their own order), request durations,
# the run's key, the serial ids and the references to them (sources load side by side on
# Celery, in turn in dag.test(): a mention names its item by url too)
RUN_SPECIFIC = {
    "id", "warc_path", "warc_offset", "elapsed_ms", "run_key", "created_at", "article_id",
    "headline_id",
}  # fmt: skip

pytestmark = pytest.mark.skipif(
    bool(broker_problem(BROKER)), reason=f"{broker_problem(BROKER)}: the Celery test needs Redis"
)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every warehouse table's rows in key order, without the :data:`RUN_SPECIFIC` columns."""
    tables = {}
    for table, key in TABLES.items():
        columns = [
            c
            for (c,) in query(
                url,
                "select column_name from information_schema.columns where table_name = %s "
                "order by ordinal_position",
                (table,),
            )
            if c not in RUN_SPECIFIC
        ]
        order = ", ".join(k for k in key.split(", ") if k not in RUN_SPECIFIC) or "1"
        rows = query(url, f"select {', '.join(columns)} from {table} order by {order}")
        tables[table] = sorted(rows, key=repr)
    return tables


@pytest.fixture
def capture(tmp_path_factory) -> Path:
    """A synthetic capture: three outlets, 30 articles on ``DAY``, their archive lists."""
    from mediamon.devtools.synth import synth_capture

    out = tmp_path_factory.mktemp("synth")
    synth_capture(out, articles=30, hosts=SOURCES, end=DAY)
    return out


@pytest.fixture
def celery_stack(tmp_path, capture):
    """``mediamon up --executor celery`` on free ports with private databases and broker keys;
    ``mediamon down`` afterwards."""
    from mediamon.devtools.stack import free_port
    from mediamon.load.db import airflow_connection_json
    from mediamon.load.schema import upgrade

    tag = uuid.uuid4().hex[:8]
    prefix = f"mediamon-test-{tag}:"
    warehouse, metadata = (server_db(f"{n}_{tag}") for n in ("mediamon_test_cel", "airflow_cel"))
    upgrade(warehouse)
    env = {
        **os.environ,
        "MEDIAMON_DATA_DIR": str(tmp_path / "celery-var"),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "MEDIAMON_DATABASE_URL": warehouse,
        "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(warehouse),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace(
            "postgresql://", "postgresql+psycopg2://", 1
        ),
        "MEDIAMON_CELERY_BROKER": BROKER,
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": prefix,
        # the queues and routing under test, fewer processes than `make up` on 2 cores
        "MEDIAMON_CELERY_FETCH_CONCURRENCY": "4",
        "MEDIAMON_CELERY_CPU_CONCURRENCY": "2",
        "MEDIAMON_RETRY_DELAY_SECONDS": "2",
        # no scheduled run of the latest day once unpaused: only the run the test triggers
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    }
    for key in ("AIRFLOW__API__PORT", "AIRFLOW__API__BASE_URL", "MEDIAMON_REPLAY"):
        env.pop(key, None)
    port = free_port()
    argv = [_bin("mediamon"), "up", "--port", str(port), "--capture", str(capture),
            "--executor", "celery"]  # fmt: skip
    try:
        t0 = time.monotonic()
        out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        print(f"mediamon up --executor celery: {time.monotonic() - t0:.0f}s")
        workers = [line.split()[-1] for line in out.stdout.splitlines() if "celery worker:" in line]
        yield {
            "url": f"http://localhost:{port}", "warehouse": warehouse, "metadata": metadata,
            "workers": workers, "dir": tmp_path / "celery-var" / "stack",
            "password_file": tmp_path / "airflow" / "simple_auth_manager_passwords.json.generated",
        }  # fmt: skip
    finally:
        subprocess.run([_bin("mediamon"), "down"], env=env, cwd=ROOT, capture_output=True)
        for url in (warehouse, metadata):
            drop_db(url)
        broker = redis.Redis.from_url(BROKER)
        for key in broker.scan_iter(f"{prefix}*"):
            broker.delete(key)
        # `mediamon down` stopped the workers and every process they forked
        assert not _processes_with(f"AIRFLOW_HOME={env['AIRFLOW_HOME']}")


def _processes_with(variable: str) -> list[str]:
    """Pids of live processes whose environment holds ``variable`` (``NAME=value``)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if variable.encode() + b"\0" in (proc / "environ").read_bytes() + b"\0":
                if (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z":
                    found.append(proc.name)
        except OSError:
            continue
    return found


def _logs(directory: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
        for log in sorted(directory.glob("*.log"))
    )


def test_a_day_of_three_sources_on_two_celery_workers_equals_dag_test(
    celery_stack, capture, airflow_db, warehouse, monkeypatch, tmp_path
):
    t0 = time.monotonic()
    stack = celery_stack
    fetch_node, default_node = stack["workers"]
    assert fetch_node.startswith("fetch-") and default_node.startswith("default-")
    run_id = trigger_daily(stack["url"], api_token(stack["url"], stack["password_file"]), DAY)

    # meanwhile (the Celery run mostly waits on queues and process starts), the same day
    # through dag.test() into a second warehouse, from a fresh data folder
    from mediamon.devtools.runner import run_daily
    from mediamon.fetch.replay import ReplayServer

    server = ReplayServer(capture / "capture.warc.gz").start()
    try:
        monkeypatch.setenv("MEDIAMON_REPLAY", server.url)
        monkeypatch.setenv("MEDIAMON_SOURCES", str(capture / "sources.yaml"))
        assert run_daily(DAY) == "success"
        print(f"dag.test() run done after {time.monotonic() - t0:.0f}s")
    finally:
        server.stop()

    deadline = time.monotonic() + RUN_TIMEOUT
    sql = "select state from dag_run where dag_id = 'mediamon_daily' and run_id = %s"
    while (state := query(stack["metadata"], sql, (run_id,))[0][0]) not in ("success", "failed"):
        assert time.monotonic() < deadline, f"run still {state}\n{_logs(stack['dir'])}"
        time.sleep(2)
    print(f"celery run {state} after {time.monotonic() - t0:.0f}s")
    tis = query(
        stack["metadata"],
        "select task_id, map_index, state, queue, hostname from task_instance "
        "where dag_id = 'mediamon_daily' and run_id = %s order by 1, 2",
        (run_id,),
    )
    assert state == "success", f"{tis}\n{_logs(stack['dir'])}"
    assert {t[2] for t in tis} == {"success"}, tis
    placed = {(task, queue, host) for task, _, _, queue, host in tis}
    assert placed == {
        (task, "fetch" if task == "source.fetch" else "default",
         fetch_node if task == "source.fetch" else default_node)
        for task, _, _, _, _ in tis
    }  # fmt: skip
    assert {host for *_, host in tis} == {fetch_node, default_node}
    mapped = [m for task, m, *_ in tis if task == "source.fetch"]
    assert mapped == list(range(SOURCES))

    on_celery, on_dag_test = _rows(stack["warehouse"]), _rows(warehouse)
    per_source = query(
        stack["warehouse"],
        "select s.id, (select count(*) from articles a where a.source_id = s.id), "
        "(select count(*) from headlines h where h.source_id = s.id) from sources s",
    )
    assert len(per_source) == SOURCES and all(a > 0 and h > 0 for _, a, h in per_source)
    for table in TABLES:
        assert on_celery[table] == on_dag_test[table], table
    print(f"test body {time.monotonic() - t0:.0f}s")
