"""mediamon_daily over the real pages of ../shared/fixtures/real, through dag.test().

Loose pages have no feed linking them: the capture builder derives one source per host and a
sitemap listing its pages. Skipped, with the reason, where the folder is absent.
"""

from __future__ import annotations

import csv
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from mediamon.cli import run_daily
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
    assert run_daily(DAY) == "success"

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
        cur.execute("select reasons from quarantine where record_kind = 'page'")
        assert cur.fetchall() == [(["not a feed: HTML page"],)]
        # mediacloud's two real feeds: 69 and 195 entries, all kept as headlines
        cur.execute(
            "select count(*) from headlines "
            "where source_id = 'mediacloud_rss_fetcher_fixtures_invalid'"
        )
        assert cur.fetchone() == (69 + 195,)
    db.rollback()

    before = snapshot(db)
    assert run_daily(DAY) == "success"
    assert snapshot(db) == before
