"""``backfill`` survives a lost warehouse connection (issue 19 item 11): the server
terminates its backend (``pg_terminate_backend`` on the real PostgreSQL) once while it is idle
after a source-day (the day's clustering meets the dead connection) and once in the middle of
the next day's load, waiting for the source's lock; the range still loads every day and
reconciles. Before, the first use of the
dead connection failed the source-day and its rollback raised out of the whole backfill."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import psycopg2
import pytest
from faultkit import HTML, RSS, article_html, assert_reconciled, source_entry, write_registry
from mediamon import batches
from mediamon.backfill import backfill
from mediamon.fetch.warcstore import CaptureWriter
from mediamon.load.lock import SOURCE_LOCK

BASE = "http://lost.test"
DAYS = ("2024-09-07", "2024-09-08")


def _capture(day: str) -> None:
    """A stored capture of ``day``: a feed of two items and their two articles."""
    at = datetime.fromisoformat(f"{day}T09:00:00+00:00").astimezone(UTC)
    pub = at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    links = [(f"Новость {day} {n}", f"{BASE}/{day}/{n}") for n in (1, 2)]
    items = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{pub}</pubDate></item>"
                    for t, u in links)  # fmt: skip
    feed = f'<rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
    with CaptureWriter(batches.capture_path("lost", day)) as writer:
        writer.write_response(f"{BASE}/rss.xml", 200, "OK", RSS, feed.encode(), fetched_at=at,
                              kind="feed", list_id="rss")  # fmt: skip
        for title, url in links:
            page = article_html(title).replace(b"2024-09-08", day.encode())
            writer.write_response(url, 200, "OK", HTML, page, fetched_at=at, kind="article")


def _terminate(admin, conn) -> None:
    with admin.cursor() as cur:
        cur.execute("select pg_terminate_backend(%s)", (conn.get_backend_pid(),))
        assert cur.fetchone() == (True,)


def _kill_when_waiting_for_the_lock(admin_url: str) -> threading.Thread:
    """Hold the source's load lock; once a backend of the backfill waits for it (inside the
    load stage), terminate that backend, then release the lock."""
    holder = psycopg2.connect(admin_url)
    holder.autocommit = True
    with holder.cursor() as cur:
        cur.execute("select pg_advisory_lock(%s, hashtext('lost'))", (SOURCE_LOCK,))

    def watch():
        with holder.cursor() as cur:
            for _ in range(1200):
                cur.execute("select pid from pg_stat_activity where datname = current_database() "
                            "and wait_event = 'advisory'")  # fmt: skip
                waiting = cur.fetchall()
                if waiting:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the backfill never waited for the load lock")
            cur.execute("select pg_terminate_backend(%s)", waiting[0])
            cur.execute("select pg_advisory_unlock(%s, hashtext('lost'))", (SOURCE_LOCK,))
        holder.close()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def backfilled(module_env, module_db, tmp_path_factory):
    url, db = module_db
    entries = [source_entry("lost", f"{BASE}/", f"{BASE}/rss.xml")]
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    for day in DAYS:
        _capture(day)
    opened: list = []

    def connect():
        opened.append(psycopg2.connect(url))
        return opened[-1]

    admin = psycopg2.connect(url)
    admin.autocommit = True
    watchers = []

    def progress(outcome):
        if outcome.day == date.fromisoformat(DAYS[0]):
            _terminate(admin, opened[-1])  # idle: the day's clustering finds it dead
            watchers.append(_kill_when_waiting_for_the_lock(url))  # the next day's load

    outcomes = backfill(date.fromisoformat(DAYS[0]), date.fromisoformat(DAYS[-1]), connect,
                        sources=["lost"], progress=progress)  # fmt: skip
    for watcher in watchers:
        watcher.join(30)
    admin.close()
    return db, outcomes, opened


def test_a_backfill_loads_every_day_through_two_lost_connections(backfilled):
    db, outcomes, opened = backfilled
    assert [(o.day.isoformat(), o.status, o.detail) for o in outcomes] == [
        (day, "loaded", "2 articles") for day in DAYS
    ]
    assert len(opened) == 4  # the migration's, the backfill's, one after each loss
    with db.cursor() as cur:
        cur.execute("select published_at::date, count(*) from articles where source_id = 'lost' "
                    "group by 1 order by 1")  # fmt: skip
        assert [(d.isoformat(), n) for d, n in cur.fetchall()] == [(day, 2) for day in DAYS]
        cur.execute("select count(*) from story_clusters")  # each day clustered
        assert cur.fetchone()[0] == 4  # one per canonical URL of the two days
    db.rollback()
    for day in DAYS:
        counts = assert_reconciled(db, "lost", day)
        assert counts == {"fetched": 3, "loaded": 3, "quarantined": 0, "refused": 0}
