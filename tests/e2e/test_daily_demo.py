"""mediamon_daily over the demo capture (our own exclusive.kz-like site), through dag.test().

The truth is ``include/mediamon/demo/exclusive/expected.json``, written by hand with the pages.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from mediamon.cli import run_daily
from mediamon.parse import canonicalize_url
from support import DEMO, snapshot

DAY = date(2024, 9, 8)
EXPECTED = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
FUTURE_ITEM = "https://exclusive.kz.example/news/2024/09/08/almatyda-kuzgi-zharmenke-bastaldy.html"


def test_demo_day_loads_exact_rows_and_is_idempotent(airflow_db, warehouse, db, replay):
    replay(DEMO)
    assert run_daily(DAY) == "success"

    with db.cursor() as cur:
        cur.execute(
            "select canonical_url, title, authors, authors_status, published_at, section, "
            "language from articles order by canonical_url"
        )
        articles = {row[0]: row[1:] for row in cur.fetchall()}
    dated = [a for a in EXPECTED["articles"] if a["published_at"]]
    assert len(articles) == len(dated) == 7
    for a in dated:
        got = articles[canonicalize_url(a["url"])]
        assert got[0] == a["title"]
        assert got[1] == a["authors"]
        assert got[2] == a["authors_status"]
        assert got[3] == datetime.fromisoformat(a["published_at"])
        assert got[4] == a["section"]
        assert got[5] == a["language"]

    with db.cursor() as cur:
        cur.execute(
            "select list_id, position, s.title, canonical_url, byline from sightings s "
            "join headlines using (source_id, list_id, canonical_url) "
            "order by list_id, position"
        )
        sightings = cur.fetchall()
    for list_id, items in EXPECTED["lists"].items():
        got = [(p, t, u) for lid, p, t, u, _ in sightings if lid == list_id]
        want = [
            (i["position"], i["title"], canonicalize_url(i["url"]))
            for i in items
            if not (list_id == "rss" and i["url"] == FUTURE_ITEM)
        ]
        assert got == want, list_id
    bylines = {u: b for lid, _, _, u, b in sightings if lid == "society"}
    for item in EXPECTED["lists"]["society"]:
        assert bylines[canonicalize_url(item["url"])] == item["byline"]

    with db.cursor() as cur:
        cur.execute("select record_kind, record_key, reasons from quarantine order by 1")
        quarantine = cur.fetchall()
        cur.execute("select check_name from dq_results where not success order by 1")
        failed_checks = [r[0] for r in cur.fetchall()]
        cur.execute(
            "select count(*), count(*) filter (where status = 404), "
            "count(*) filter (where kind = 'article' and status = 200) from fetches"
        )
        fetched, missing, article_pages = cur.fetchone()
    assert quarantine == [
        ("article", "https://exclusive.kz.example/archives/98231", ["published_at missing"]),
        ("headline", f"rss|3|{FUTURE_ITEM}", ["published_at after fetch time"]),
    ]
    assert failed_checks == ["article.published_at.present", "headline.published_at.not_future"]
    linked = {canonicalize_url(i["url"]) for items in EXPECTED["lists"].values() for i in items}
    # 4 list pages (feed, 2 listing pages, ticker) + every linked article once, 404 if unrecorded
    assert fetched == 4 + len(linked)
    assert article_pages == len(EXPECTED["articles"]) == 8
    assert missing == len(linked) - 8
    db.rollback()

    before = snapshot(db)
    assert run_daily(DAY) == "success"
    assert snapshot(db) == before
