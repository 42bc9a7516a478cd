"""One synthetic day three ways: ``dag.test()``, the scheduler with the LocalExecutor, and the
CeleryExecutor with two workers (issue 18, item 6).

    .venv/bin/python bench/bench_executors.py [--articles 10000] [--hosts 10]
                                              [--modes dag_test,local,celery] [--quick]
                                              [--capture DIR]

A synthetic capture (``mediamon capture synth``: HOSTS outlets, ARTICLES articles on
2024-09-08, no server delay, as ``bench_e2e.py``) is replayed on loopback and
``mediamon_daily`` runs for that day, each way into a fresh warehouse database:

- ``dag_test``: ``dag.test()`` (tasks in turn in one process, as ``make run``), through
  ``bench_e2e.py``'s child;
- ``local``: ``mediamon up`` (``make up``: scheduler, api-server, dag-processor, triggerer; the
  LocalExecutor with pools ``cpu`` = cores and ``fetch`` = 16, ``parallelism`` their sum), the
  day triggered through the REST API;
- ``celery``: ``mediamon up --executor celery`` (``make up EXECUTOR=celery``: two workers,
  queues ``fetch`` and ``default``) on the machine's Redis under a private key prefix; skipped
  when Redis does not answer.

Each stack gets its own data folder, metadata database and ports, and is stopped (``mediamon
down``) after its run. The run's wall time is the DAG run's own (``dag_run.end_date -
start_date``), the stack's start-up is reported apart. Per way: articles loaded, the sum of
the task instances' durations, the most task instances running at once (from their start and
end times) and the wall time against ``dag.test()``'s. The load average is printed before and
after (the machine may be shared). Writes bench/results/executors.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _common import ROOT, row, save, scratch_database, server_url  # noqa: E402
from bench_e2e import DAY, articles_loaded, drop, run_child  # noqa: E402
from bench_e2e import airflow_env as dag_test_env  # noqa: E402
from mediamon.devtools.stack import api_token, trigger_daily  # noqa: E402
from mediamon.tasks import FETCH_QUEUE  # noqa: E402
from support import query  # noqa: E402

MODES = ("dag_test", "local", "celery")
RUN_TIMEOUT = 3600.0  # seconds for one run on a shared machine
LABEL = {
    "dag_test": "dag.test()",
    "local": "scheduler, LocalExecutor",
    "celery": "scheduler, CeleryExecutor, 2 workers",
}


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def run_dag_test(capture: Path, tmp: Path) -> dict:
    """``dag.test()`` of DAY in a child process (bench_e2e's), into a scratch warehouse."""
    from mediamon.fetch.replay import ReplayServer
    from mediamon.load.db import airflow_connection_json

    env, airflow_db = dag_test_env(tmp)
    try:
        with ReplayServer(capture / "capture.warc.gz") as server, scratch_database() as url:
            found = run_child("airflow", {
                **env, "MEDIAMON_REPLAY": server.url,
                "MEDIAMON_SOURCES": str(capture / "sources.yaml"),
                "MEDIAMON_DATA_DIR": str(tmp / "var-dag_test"), "MEDIAMON_DATABASE_URL": url,
                "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(url),
            })  # fmt: skip
            found["articles"] = articles_loaded(url)
    finally:
        if airflow_db:
            drop(airflow_db)
    return {
        "wall": found["wall"], "state": found["state"], "articles": found["articles"],
        "tasks": found["tasks"], "task_seconds": sum(found["stages"].values()), "peak": 1,
        "startup": None,
    }  # fmt: skip


def run_stack(executor: str, capture: Path, tmp: Path) -> dict:
    """``mediamon up --executor EXECUTOR`` on free ports with private databases (and broker
    keys), the day triggered through the REST API and waited for; ``mediamon down`` after."""
    import psycopg2
    import redis
    from mediamon.devtools.celery_workers import broker_url
    from mediamon.devtools.stack import free_port
    from mediamon.load.db import airflow_connection_json, ensure_database, with_database

    tag = uuid.uuid4().hex[:8]
    prefix = f"mediamon-bench-{tag}:"
    metadata_name = f"airflow_bench_{executor}_{tag}"
    metadata = with_database(server_url(), metadata_name)
    home = tmp / f"airflow-{executor}"
    with scratch_database(f"mediamon_bench_{executor}") as warehouse:
        ensure_database(metadata)
        env = {
            **os.environ,
            "MEDIAMON_DATA_DIR": str(tmp / f"var-{executor}"), "AIRFLOW_HOME": str(home),
            "MEDIAMON_DATABASE_URL": warehouse,
            "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(warehouse),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace(
                "postgresql://", "postgresql+psycopg2://", 1),
            "MEDIAMON_CELERY_BROKER": broker_url(),
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": prefix,
            # no scheduled run of the latest day once unpaused: only the run triggered here
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        }  # fmt: skip
        for key in ("AIRFLOW__API__PORT", "AIRFLOW__API__BASE_URL", "MEDIAMON_REPLAY",
                    "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__PARALLELISM"):  # fmt: skip
            env.pop(key, None)
        port = free_port()
        argv = [_bin("mediamon"), "up", "--port", str(port), "--capture", str(capture),
                "--executor", executor]  # fmt: skip
        try:
            t0 = time.monotonic()
            out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True,
                                 timeout=900, check=False)  # fmt: skip
            if out.returncode != 0:
                raise RuntimeError(f"mediamon up --executor {executor}:\n{out.stdout}{out.stderr}")
            startup = time.monotonic() - t0
            url = f"http://localhost:{port}"
            password = home / "simple_auth_manager_passwords.json.generated"
            run_id = trigger_daily(url, api_token(url, password), DAY)
            found = _wait(metadata, run_id, tmp / f"var-{executor}" / "stack")
            found["articles"] = articles_loaded(warehouse)
            found["startup"] = startup
            return found
        finally:
            subprocess.run([_bin("mediamon"), "down"], env=env, cwd=ROOT, capture_output=True,
                           check=False)  # fmt: skip
            admin = psycopg2.connect(server_url())
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f'drop database if exists "{metadata_name}" with (force)')
            admin.close()
            if executor == "celery":
                broker = redis.Redis.from_url(broker_url())
                for key in broker.scan_iter(f"{prefix}*"):
                    broker.delete(key)


def _wait(metadata: str, run_id: str, stack: Path) -> dict:
    """Wait for the run to end; its wall time, state and task instances' figures."""
    deadline = time.monotonic() + RUN_TIMEOUT
    sql = (
        "select state, extract(epoch from end_date - start_date) from dag_run "
        "where dag_id = 'mediamon_daily' and run_id = %s"
    )
    while (found := query(metadata, sql, (run_id,))[0])[0] not in ("success", "failed"):
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
                             for p in sorted(stack.glob("*.log")))  # fmt: skip
            raise RuntimeError(f"run {run_id} still {found[0]}\n{logs}")
        time.sleep(1)
    state, wall = found
    tis = query(
        metadata,
        "select extract(epoch from start_date), extract(epoch from end_date), queue, pool "
        "from task_instance where dag_id = 'mediamon_daily' and run_id = %s "
        "and start_date is not null",
        (run_id,),
    )
    spans = [(float(s), float(e), q) for s, e, q, _ in tis if e is not None]
    return {
        "wall": float(wall), "state": state, "tasks": len(tis),
        "task_seconds": sum(e - s for s, e, _ in spans),
        "peak": _peak([(s, e) for s, e, _ in spans]),
        "peak_fetch": _peak([(s, e) for s, e, q in spans if q == FETCH_QUEUE]),
        "peak_other": _peak([(s, e) for s, e, q in spans if q != FETCH_QUEUE]),
        "pools": sorted({p for *_, p in tis}),
    }  # fmt: skip


def _peak(spans: list[tuple[float, float]]) -> int:
    """The most intervals open at once (an end before a start at the same instant)."""
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke run)")
    parser.add_argument("--capture", type=Path, help="a capture `mediamon capture synth` built "
                        "(its size then; --articles and --hosts only label the rows)")  # fmt: skip
    args = parser.parse_args()
    articles, hosts = (20, 2) if args.quick else (args.articles, args.hosts)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown modes {sorted(unknown)}: choose among {', '.join(MODES)}")

    from mediamon.devtools.celery_workers import broker_problem, broker_url
    from mediamon.devtools.synth import synth_capture

    if "celery" in modes and (problem := broker_problem(broker_url())):
        print(f"celery skipped: {problem}")
        modes.remove("celery")
    print(f"cores {os.cpu_count()}, load average before: {_loadavg()}", flush=True)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mediamon-bench-executors-") as tmp:
        tmp = Path(tmp)
        capture = args.capture.resolve() if args.capture else tmp / "capture"
        if not args.capture:
            synth_capture(capture, articles=articles, days=1, hosts=hosts, end=DAY)
        for mode in modes:
            t0 = time.monotonic()
            if mode == "dag_test":
                results[mode] = run_dag_test(capture, tmp)
            else:
                results[mode] = run_stack(mode, capture, tmp)
            print(f"{mode}: {results[mode]} ({time.monotonic() - t0:.0f} s with start-up), "
                  f"load average {_loadavg()}", flush=True)  # fmt: skip
    print(f"load average after: {_loadavg()}")
    save("executors", _rows(articles, hosts, results), quick=args.quick)


def _rows(articles: int, hosts: int, results: dict[str, dict]) -> list[dict]:
    bench = f"executors {articles} articles / {hosts} outlets ({os.cpu_count()} cores)"
    base = results.get("dag_test", {}).get("wall")
    rows = []
    for mode, found in results.items():
        label = LABEL[mode]
        rows.append(row(
            bench, f"{label}: run wall ({found['articles']} articles loaded, run "
            f"{found['state']})", found["wall"], "s",
            ratio=found["wall"] / base if base and mode != "dag_test" else None,
        ))  # fmt: skip
        rows.append(row(
            bench, f"{label}: sum of {found['tasks']} task durations", found["task_seconds"], "s"
        ))  # fmt: skip
        rows.append(row(bench, f"{label}: most tasks running at once", found["peak"], "tasks"))
        if "peak_fetch" in found:
            rows.append(row(bench, f"{label}: most fetch tasks at once (queue fetch)",
                            found["peak_fetch"], "tasks"))  # fmt: skip
            rows.append(row(bench, f"{label}: most other tasks at once (parse, validate, ...)",
                            found["peak_other"], "tasks"))  # fmt: skip
        if found["startup"] is not None:
            rows.append(row(bench, f"{label}: stack start-up (mediamon up)", found["startup"], "s"))
    return rows


if __name__ == "__main__":
    main()
