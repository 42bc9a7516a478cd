"""Batches with repeated keys: every table's upsert meets the same key twice in one batch.

(PostgreSQL refuses an ``INSERT ... ON CONFLICT`` that touches one row twice: "cannot affect
row a second time"; the loader must merge them first, the last one winning.) The fetches,
articles and headlines cases are in tests/unit/test_loader.py; here quarantine, dq_results
and source_day_metrics, and all of them together with a retry of the same batch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from mediamon.config import Source
from mediamon.load.loader import load_batch

SOURCE = Source(
    id="twice", name="Twice", homepage="https://twice.kz/", languages=("ru",),
    timezone="Asia/Almaty", first_year=2010, hosts=("twice.kz",),
)  # fmt: skip
DAY = date(2024, 9, 8)
RUN = "mediamon_daily:2024-09-08"
T0 = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)


def _article(title):
    return {
        "url": "https://twice.kz/a", "canonical_url": "https://twice.kz/a", "title": title,
        "authors": [], "authors_status": "absent", "published_at": T0, "language": "ru",
        "body_text": "текст", "parser_version": "test", "fetched_at": T0,
    }  # fmt: skip


def _quarantine(reason):
    return {"record_kind": "page", "record_key": "https://twice.kz/x",
            "record": {"url": "https://twice.kz/x"}, "reasons": [reason]}  # fmt: skip


def _dq(success):
    return {"check_name": "batch.reconciliation", "success": success, "evaluated": 1,
            "unexpected": 0 if success else 1, "severity": "warn"}  # fmt: skip


METRICS = {"articles": 1, "headlines": 0, "author_fill_rate": 0.0, "date_hit_rate": 1.0,
           "median_body_chars": 5.0, "duplicate_rate": 0.0, "articles_quarantined": 0,
           "headlines_quarantined": 0}  # fmt: skip


def test_every_table_takes_the_last_of_two_rows_with_one_key(db):
    batch = dict(
        fetches=[], articles=[_article("первый"), _article("второй")], headlines=[],
        quarantine=[_quarantine("first reason"), _quarantine("second reason")],
        dq_results=[_dq(False), _dq(True)], metrics=METRICS,
    )  # fmt: skip
    counts = load_batch(db, SOURCE, DAY, RUN, **batch)
    assert (counts["articles"], counts["quarantine"], counts["dq_results"]) == (1, 1, 1)
    load_batch(db, SOURCE, DAY, RUN, **batch)  # the same batch again (a retried task)
    with db.cursor() as cur:
        cur.execute("select title from articles")
        assert cur.fetchall() == [("второй",)]
        cur.execute("select reasons from quarantine")
        assert cur.fetchall() == [(["second reason"],)]
        cur.execute("select success from dq_results")
        assert cur.fetchall() == [(True,)]
        cur.execute("select count(*) from source_day_metrics")
        assert cur.fetchone() == (1,)
