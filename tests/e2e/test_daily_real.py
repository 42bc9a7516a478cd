"""mediamon_daily over the real pages of ../shared/fixtures/real, through dag.test().

Loose pages have no feed linking them: the capture builder derives one source per host and a
sitemap listing its pages. Skipped, with the reason, where the folder is absent.
"""

from __future__ import annotations

import csv
from datetime import date
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from mediamon.backfill import backfill
from mediamon.config import load_sources
from mediamon.devtools.runner import run_daily
from mediamon.quality.coverage import unreachable
from mediamon.report import failed_gates
from support import REAL_FIXTURES, snapshot

pytestmark = pytest.mark.skipif(
    not (REAL_FIXTURES / "MANIFEST.tsv").exists(),
    reason=f"real fixtures not found at {REAL_FIXTURES} (set MEDIAMON_REAL_FIXTURES)",
)
DAY = date(2024, 9, 8)


def manifest() -> list[dict]:
    with open(REAL_FIXTURES / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_real_pages_run_end_to_end(airflow_db, warehouse, db, replay):
    server = replay(REAL_FIXTURES)
    rows = manifest()
    registry = load_sources()
    # through dag.test(): every source with feeds (a feed that is an HTML page, empty feeds,
    # the mediacloud counts) and the sitemap sources the checks below name (a page dated in
    # Asia/Almaty, articles quarantined for their language); the other sitemap sources through
    # the same stage functions without Airflow's per-task cost (~2.5 s a source's 4 tasks):
    # dag.test()'s own path is test_daily_demo's, run twice there
    on_airflow = [s.id for s in registry.values() if s.feeds] + ["inform_kz", "uza_uz"]
    assert run_daily(DAY, sources=on_airflow) == "success"
    rest = [s for s in registry if s not in on_airflow]
    outcomes = backfill(DAY, DAY, lambda: psycopg2.connect(warehouse), sources=rest)
    assert [o.source_id for o in outcomes] == rest
    assert {o.status for o in outcomes} <= {"loaded", "flagged"}, outcomes
    with db.cursor() as cur:  # the whole day as summarize judges it (tasks.summarize)
        cur.execute("select count(distinct source_id) from dq_results where day = %s", (DAY,))
        assert cur.fetchone() == (len(registry),)
    assert failed_gates(db, DAY) == [] and unreachable(db, DAY) == []
    db.rollback()

    with db.cursor() as cur:
        cur.execute("select count(*) from fetches where kind = 'article' and status = 200")
        (article_pages,) = cur.fetchone()
        cur.execute("select count(*) from articles")
        (articles,) = cur.fetchone()
        cur.execute("select count(*) from quarantine where record_kind = 'article'")
        (quarantined_articles,) = cur.fetchone()
        cur.execute("select count(*) from fetches where status is null")
        (no_response,) = cur.fetchone()
    # every article page of the manifest is discovered through its host's sitemap and fetched
    assert article_pages == sum(1 for r in rows if r["kind"] == "article")
    # nothing lost: each fetched article page is loaded or quarantined with a reason
    assert articles + quarantined_articles == article_pages
    assert no_response == 0
    assert server.size > len(rows)

    with db.cursor() as cur:
        # Kazinform (inform.kz) page: gold publication day 2020-12-01, Asia/Almaty
        cur.execute("select published_at, language from articles where source_id = 'inform_kz'")
        published, language = cur.fetchone()
        assert published.astimezone(ZoneInfo("Asia/Almaty")).date() == date(2020, 12, 1)
        assert language == "ru"
        # the rss-parser "feed" that is really an HTML page is refused with its reason
        cur.execute("select record_key, reasons from quarantine where record_kind = 'page'")
        pages = {key.rsplit("/", 1)[-1]: reasons for key, reasons in cur.fetchall()}
        assert pages.pop("unrecognized.rss") == ["not a feed: HTML page"]
        # feeds that hold no item are refused too, with the parser's reason
        assert sorted(pages) == [
            "aaa_illformed.xml", "always_strip_doctype.xml", "bozo_bogus_encoding.xml",
            "http_high_bit_date.xml", "rss_empty_document.xml", "undeclared_namespace.xml",
            "utf-16le-bom.xml",
        ]  # fmt: skip
        assert all(r[0].startswith("feed has no items") for r in pages.values())
        # every fixture feed either loads headlines or is quarantined with a reason
        for source in registry.values():
            for feed in source.feeds:
                cur.execute(
                    "select (select count(*) from headlines where source_id = %(s)s "
                    "and list_id = %(f)s) + (select count(*) from quarantine where "
                    "source_id = %(s)s and (record_key = %(u)s or record_key like %(p)s))",
                    {"s": source.id, "f": feed.id, "u": feed.url, "p": f"{feed.id}|%"},
                )
                assert cur.fetchone()[0] > 0, feed.url
        # mediacloud's two real feeds: 69 and 195 entries, all kept as headlines
        cur.execute(
            "select count(*) from headlines "
            "where source_id = 'mediacloud_rss_fetcher_fixtures_invalid'"
        )
        assert cur.fetchone() == (69 + 195,)
    db.rollback()

    # the same day again from the raw store, forced through the stages: the sources with
    # feeds and quarantines (the other sitemap sources are the same path; validating each
    # source-day costs seconds of Great Expectations), without Airflow's per-task cost here
    # (test_daily_demo runs its day twice through dag.test()); the whole warehouse unchanged
    before = snapshot(db)
    again = backfill(DAY, DAY, lambda: psycopg2.connect(warehouse), sources=on_airflow,
                     force=True)  # fmt: skip
    assert sorted(o.source_id for o in again) == sorted(on_airflow)
    assert not [o for o in again if o.status == "failed"]
    assert snapshot(db) == before
