"""A feed past the tag cap is read up to it, never refused whole (issue 19 item 11).

A feed of 16,000 items holds 128,000 tags, over :data:`mediamon.parse._tree.MAX_TAGS`
(100,000: a few seconds of feedparser); it was refused ("not parsed: 128007 tags"), so the
day lost every item and article link of it. The cut is checked at that size; the day goes
through parse → validate → load on a real PostgreSQL with the cap at 1,000 tags (the same
code, 16 s less of validating 12,499 headlines): the items that end within the cap load, one
quarantine row says how many more were not read, and the day reconciles.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faultkit import DAY, RSS, assert_reconciled, source_entry, write_registry
from mediamon import batches, pipeline
from mediamon.fetch.warcstore import CaptureWriter
from mediamon.parse import _tree
from mediamon.parse.feed import cut_to_tag_cap

BASE = "http://bigfeed.test"
AT = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
ITEMS = 16_000  # 8 tags each: the first 12,499 end within the first 100,000 tags
CAP, KEPT = 1_000, 124  # in the pipeline: the first 124 items end within 1,000 tags


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Новость номер {i}</title><link>{BASE}/news/{i}</link>"
        f"<pubDate>Sun, 08 Sep 2024 05:00:00 GMT</pubDate></item>"
        for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f</title>'
        f"{items}</channel></rss>"
    ).encode()


def test_a_feed_of_16000_items_is_cut_after_the_last_item_within_the_cap():
    cut = cut_to_tag_cap(_feed(ITEMS))
    assert cut.unread == ITEMS - 12_499
    assert cut.body.endswith(f"<link>{BASE}/news/12499</link><pubDate>Sun, 08 Sep 2024 "
                             "05:00:00 GMT</pubDate></item></channel></rss>".encode())  # fmt: skip
    assert cut.body.count(b"<") <= _tree.MAX_TAGS
    assert cut_to_tag_cap(_feed(12_000)) is None  # within the cap: read whole


@pytest.fixture(scope="module")
def big_feed_day(module_env, module_db, tmp_path_factory):
    module_env.setattr(_tree, "MAX_TAGS", CAP)
    db = module_db[1]
    entries = [source_entry("bigfeed", f"{BASE}/", f"{BASE}/rss.xml")]
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    path = batches.capture_path("bigfeed", DAY)
    with CaptureWriter(path) as writer:
        writer.write_response(f"{BASE}/rss.xml", 200, "OK", RSS, _feed(ITEMS), fetched_at=AT,
                              kind="feed", list_id="rss")  # fmt: skip
    loaded = pipeline.process_capture("bigfeed", DAY, str(path), db)
    return db, loaded


def test_a_feed_over_the_tag_cap_loads_its_first_items(big_feed_day):
    db, loaded = big_feed_day
    assert loaded["headlines"] == KEPT
    with db.cursor() as cur:
        cur.execute("select position, title, canonical_url from sightings "
                    "where source_id = 'bigfeed' order by position desc limit 1")  # fmt: skip
        assert cur.fetchone() == (KEPT, f"Новость номер {KEPT}", f"{BASE}/news/{KEPT}")
    db.rollback()
    assert assert_reconciled(db, "bigfeed") == {
        "fetched": 1,
        "loaded": 1,
        "quarantined": 0,
        "refused": 0,
    }


def test_the_unread_rest_is_one_quarantine_row_with_its_reason(big_feed_day):
    db, _ = big_feed_day
    with db.cursor() as cur:
        cur.execute("select record_kind, record_key, reasons from quarantine "
                    "where source_id = 'bigfeed'")  # fmt: skip
        rows = cur.fetchall()
    db.rollback()
    assert rows == [(
        "headline", f"rss|{KEPT + 1}|{BASE}/rss.xml",
        [f"feed cut at {CAP} tags: items after the first {KEPT} not read ({ITEMS - KEPT} more)"],
    )]  # fmt: skip
