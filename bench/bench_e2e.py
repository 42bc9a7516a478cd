"""End to end: a daily run over generated captures, through Airflow and as plain Python
(issue 9, item 3).

    .venv/bin/python bench/bench_e2e.py [--sizes 1000,10000] [--hosts 10]
                                        [--plain-sizes 1000] [--quick]

For each size, a synthetic capture (``mediamon capture synth --articles SIZE --hosts HOSTS``:
HOSTS outlets, one local day, no server delay) is replayed on loopback and ``mediamon_daily``
runs for 2024-09-08 through ``dag.test()`` (tasks in turn in one process, as ``make run``
does) into a fresh warehouse database: wall time, and time per stage summed over the mapped
source tasks (from the task instances' durations). For the sizes in --plain-sizes the same
work runs again as plain Python calls of the functions the tasks call (migrate, per source
fetch -> parse -> validate -> load, then the five leaves) into another fresh database:
Airflow's overhead is the difference, in wall and in CPU seconds of each child (target
<= x1.15 at 1,000 articles). Target: 10,000 articles in <= 300 s. Writes
bench/results/e2e.json. ``MEDIAMON_BENCH_PROFILE=DIR``: cProfile files of each child there
(``airflow.prof``, the main thread; ``airflow.threadN.prof``, every other thread, among them
the in-process execution API's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, row, save, scratch_database, server_url  # noqa: E402

DAY = date(2024, 9, 8)
STAGES = ("fetch", "parse", "validate", "load")


def child_airflow() -> dict:
    """Run mediamon_daily for DAY with dag.test(); wall and per-task-kind seconds."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    dag = bag.get_dag("mediamon_daily")
    logical = datetime.combine(DAY, dtime.min, tzinfo=ZoneInfo("Asia/Almaty"))
    t, cpu = time.perf_counter(), _cpu()
    run = dag.test(logical_date=logical)
    wall, cpu = time.perf_counter() - t, _cpu() - cpu
    stages: dict[str, float] = defaultdict(float)
    count = 0
    with create_session() as session:
        tis = session.query(TaskInstance).filter(
            TaskInstance.dag_id == "mediamon_daily", TaskInstance.run_id == run.run_id
        )
        for ti in tis:
            stages[ti.task_id.rsplit(".", 1)[-1]] += ti.duration or 0.0
            count += 1
    state = str(getattr(run.state, "value", run.state))
    return {"wall": wall, "cpu": cpu, "stages": dict(stages), "state": state, "tasks": count}


def _cpu() -> float:
    """CPU seconds of this process so far, user + system, every thread (the in-process
    execution API serves on threads of its own): less bent by a busy machine than wall."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_plain() -> dict:
    """The same work as plain calls of the functions the tasks call (:mod:`mediamon.tasks`):
    migrate, per source fetch (under the host lock) -> parse -> validate -> load, then the
    five leaves (cluster, stopped lists, mentions, Parquet partitions, summary with the Data
    Docs index). Imports are timed too: the Airflow tasks import the same modules inside
    ``dag.test()``."""
    t0, cpu = time.perf_counter(), _cpu()
    import psycopg2
    from mediamon import pipeline
    from mediamon.config import select_sources
    from mediamon.load.schema import upgrade

    url = os.environ["MEDIAMON_DATABASE_URL"]
    stages: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    upgrade(lambda: psycopg2.connect(url))
    stages["migrate"] = time.perf_counter() - t
    day = DAY.isoformat()
    sources = list(select_sources(None))
    conn = psycopg2.connect(url)
    try:
        for sid in sources:
            t = time.perf_counter()
            capture = pipeline.fetch_stage(sid, day, lock_conn=conn)
            stages["fetch"] += time.perf_counter() - t
            t = time.perf_counter()
            batch = pipeline.parse_stage(sid, day, capture)
            stages["parse"] += time.perf_counter() - t
            t = time.perf_counter()
            validated = pipeline.validate_stage(sid, day, batch)
            stages["validate"] += time.perf_counter() - t
            t = time.perf_counter()
            pipeline.load_stage(sid, day, validated, conn)
            stages["load"] += time.perf_counter() - t
        for name, leaf in _plain_leaves(conn, day, sources):
            t = time.perf_counter()
            leaf()
            stages[name] = time.perf_counter() - t
    finally:
        conn.close()
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu
    return {"wall": wall, "cpu": cpu, "stages": dict(stages), "state": "success"}


def _plain_leaves(conn, day: str, sources: list[str]) -> list:
    """The five leaf tasks of ``mediamon_daily`` as ``(name, zero-argument call)``: what
    :mod:`mediamon.tasks` calls for them, on ``conn``, without Airflow."""
    from datetime import date as date_

    from mediamon import pipeline
    from mediamon.alerts import send_alert
    from mediamon.config import data_dir, load_sources
    from mediamon.export import export_dir, write_day_partitions
    from mediamon.mentions import evaluate_day
    from mediamon.quality.coverage import unreachable
    from mediamon.quality.data_docs import build_data_docs_index
    from mediamon.quality.stopped_lists import describe, stopped_lists
    from mediamon.report import day_summary, failed_gates

    def stopped() -> None:
        known = load_sources()
        lists = {s: [x.id for x in (*known[s].feeds, *known[s].listings, *known[s].sitemaps)]
                 for s in sources}  # fmt: skip
        for text in describe(stopped_lists(conn, date_.fromisoformat(day), lists)).values():
            send_alert(text)

    def summarize() -> None:
        build_data_docs_index(data_dir())
        day_summary(conn, day), failed_gates(conn, day), unreachable(conn, day)

    def export() -> None:
        if export_dir() is not None:
            write_day_partitions(conn, day, sources)

    return [
        ("cluster_stories", lambda: pipeline.cluster_stage(day, conn)),
        ("stopped_lists", stopped),
        ("mentions", lambda: evaluate_day(conn, day, sources)),
        ("export_partitions", export),
        ("summarize", summarize),
    ]


def run_child(mode: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode], env=env, capture_output=True, text=True,
        check=False, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def articles_loaded(url: str) -> int:
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("select count(*) from articles")
        n = cur.fetchone()[0]
    conn.close()
    return n


def airflow_env(tmp: Path) -> tuple[dict, str | None]:
    """Environment for Airflow: ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` when set (a migrated
    metadata database, e.g. the test session's), else a scratch one, created and migrated
    (its name is returned, to drop at the end)."""
    base = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    if os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        return base, None
    from mediamon.load.db import ensure_database, with_database

    name = f"airflow_bench_{uuid.uuid4().hex[:8]}"
    url = with_database(server_url(), name)
    ensure_database(url)
    env = {
        **base,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url.replace(
            "postgresql://", "postgresql+psycopg2://", 1
        ),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True)
    return env, name


def drop(name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(server_url())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--plain-sizes", default="1000", help="sizes also run as plain Python")
    parser.add_argument("--quick", action="store_true", help="tiny input (smoke test)")
    parser.add_argument("--child", choices=("airflow", "plain"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = child_airflow if args.child == "airflow" else child_plain
        profile = os.environ.get("MEDIAMON_BENCH_PROFILE")  # a directory: <mode>.prof there
        if profile:
            import cProfile

            threads = []  # every other thread too (the in-process API serves on its own)

            def profile_thread(*_):
                sys.setprofile(None)
                threads.append(cProfile.Profile())
                threads[-1].enable()

            threading.setprofile(profile_thread)
            with cProfile.Profile() as prof:
                found = child()
            prof.dump_stats(str(Path(profile) / f"{args.child}.prof"))
            threading.setprofile(None)
            for i, other in enumerate(threads):
                other.dump_stats(str(Path(profile) / f"{args.child}.thread{i}.prof"))
        else:
            found = child()
        print(json.dumps(found))
        return
    if args.quick:
        sizes, hosts, plain = [10], 2, set()  # the plain path runs in the full bench
    else:
        sizes, hosts = [int(s) for s in args.sizes.split(",")], args.hosts
        plain = {int(s) for s in args.plain_sizes.split(",") if s}

    from mediamon.devtools.synth import synth_capture
    from mediamon.fetch.replay import ReplayServer
    from mediamon.load.db import airflow_connection_json

    rows = []
    with tempfile.TemporaryDirectory(prefix="mediamon-bench-e2e-") as tmp:
        tmp = Path(tmp)
        env, airflow_db = airflow_env(tmp)
        try:
            for size in sizes:
                capture = tmp / f"capture-{size}"
                synth_capture(capture, articles=size, days=1, hosts=hosts, end=DAY)
                with ReplayServer(capture / "capture.warc.gz") as server:
                    results = {}
                    for mode in ("airflow", "plain") if size in plain else ("airflow",):
                        with scratch_database() as url:
                            run_env = {
                                **env,
                                "MEDIAMON_REPLAY": server.url,
                                "MEDIAMON_SOURCES": str(capture / "sources.yaml"),
                                "MEDIAMON_DATA_DIR": str(tmp / f"var-{size}-{mode}"),
                                "MEDIAMON_DATABASE_URL": url,
                                "AIRFLOW_CONN_MEDIAMON_DB": airflow_connection_json(url),
                            }
                            results[mode] = found = run_child(mode, run_env)
                            found["articles"] = articles_loaded(url)
                        print(f"{size} articles, {mode}: {found}", flush=True)
                rows += _rows(size, hosts, results)
        finally:
            if airflow_db:
                drop(airflow_db)
    save("e2e", rows, quick=args.quick)


def _rows(size: int, hosts: int, results: dict) -> list[dict]:
    bench = f"e2e {size} articles / {hosts} outlets"
    air = results["airflow"]
    ok = air["state"] == "success"
    rows = [
        row(bench, f"dag.test() wall ({air['articles']} articles loaded, run {air['state']})",
            air["wall"], "s", limit=300 if size >= 10000 else None,
            ratio=air["wall"] / 300 if size >= 10000 else None,
            target="<= 300 s" if size >= 10000 else None,
            met=(ok and air["wall"] <= 300) if size >= 10000 else None),
        row(bench, "articles per second (dag.test())", air["articles"] / air["wall"], "articles/s"),
    ]  # fmt: skip
    outside = air["wall"] - sum(air["stages"].values())
    rows.append(row(
        bench, f"dag.test() time between tasks (wall - sum of {air.get('tasks', '')} task "
        "durations)", outside, "s",
    ))  # fmt: skip
    for stage in ("migrate", *STAGES, "cluster_stories", "summarize"):
        if stage in air["stages"]:
            rows.append(row(bench, f"stage {stage} (Airflow tasks)", air["stages"][stage], "s"))
    if "plain" in results:
        plain = results["plain"]
        for stage in ("migrate", *STAGES):
            rows.append(row(bench, f"stage {stage} (plain Python)", plain["stages"][stage], "s"))
        rows.append(row(bench, "plain Python wall (same work)", plain["wall"], "s"))
        overhead = air["wall"] - plain["wall"]
        # no "met": two walls on a shared machine move with its load (see the CPU row)
        rows.append(row(
            bench, "Airflow overhead (dag.test() wall - plain wall)", overhead, "s",
            ratio=air["wall"] / plain["wall"], target="<= x1.15",
        ))  # fmt: skip
        if "cpu" in air and "cpu" in plain:  # CPU seconds of the child: less load-bound
            rows.append(row(
                bench, "Airflow overhead in CPU seconds (dag.test() - plain; the child's "
                "threads, not PostgreSQL's)", air["cpu"] - plain["cpu"], "s",
                ratio=air["cpu"] / plain["cpu"],
            ))  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
