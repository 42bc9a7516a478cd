"""``backfill --force --refetch`` replaces the day's fetch rows (issue 19 item 8): the
refetched capture is rewritten in place, so rows of the first capture would point into it at
offsets that now hold other records. Over a loopback server, on PostgreSQL."""

from __future__ import annotations

from datetime import date

import psycopg2
import pytest
from faultkit import DAY, HTML, RSS, article_html, fake_dns, rss, source_entry, write_registry
from mediamon import batches
from mediamon.backfill import backfill
from mediamon.fetch.warcstore import read_capture


@pytest.fixture(scope="module")
def refetched(server, module_env, module_db, tmp_path_factory):
    url, _ = module_db
    fake_dns(module_env, {"again.test": "127.0.0.1"})
    feed = server.url("again.test", "/rss.xml")
    entries = [source_entry("again", "http://again.test/", feed,
                            allowed_hosts=[f"again.test:{server.port}"])]  # fmt: skip
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    links = [("Первая", server.url("again.test", "/one")),
             ("Вторая", server.url("again.test", "/two"))]  # fmt: skip
    # the second fetch of the day sees one more item: the capture's offsets all move
    server.routes[("again.test", "/rss.xml")] = lambda h, n: h.send(
        200, rss(links[: min(n, 2)]), RSS
    )
    for path, title in (("/one", "Первая"), ("/two", "Вторая")):
        server.routes[("again.test", path)] = lambda h, n, t=title: h.send(
            200, article_html(t), HTML
        )
    day = date.fromisoformat(DAY)
    first = backfill(day, day, lambda: psycopg2.connect(url), sources=["again"])
    second = backfill(day, day, lambda: psycopg2.connect(url), sources=["again"], force=True,
                      refetch=True)  # fmt: skip
    return module_db[1], first, second


def test_a_refetch_replaces_the_day_s_fetch_rows(refetched):
    db, first, second = refetched
    assert [o.status for o in first + second] == ["loaded", "loaded"]
    capture = batches.capture_path("again", DAY)
    exchanges = {(str(capture), ex.offset): ex.url for ex in read_capture(str(capture))}
    with db.cursor() as cur:
        cur.execute("select warc_path, warc_offset, url from fetches where source_id = 'again'")
        rows = cur.fetchall()
    db.rollback()
    # one row per exchange of the new capture, each pointing at its own record
    assert len(rows) == len(exchanges) == 4  # robots.txt, the feed, two articles
    assert {(path, offset): u for path, offset, u in rows} == exchanges
