"""Network faults in one day's run: a misbehaving site beside a healthy one.

Three sources share one loopback server under their own host names (a hosts override in the
test process): ``healthy`` (three good articles), ``faulty`` (one article link per fault, plus
two good ones) and ``down`` (its only feed is on a name that does not resolve). After
fetch → parse → validate → load, each test reads what is stored: the ``fetches`` row of every
exchange (status or error reason), ``quarantine`` rows, the raw WARC records, and checks
fetched = loaded + quarantined + refused-with-reason per source for the day.
"""

from __future__ import annotations

import gzip
import time

import pytest
from faultkit import (
    DAY,
    HTML,
    MAX_RETRY_AFTER,
    POLICY,
    article_html,
    assert_reconciled,
    closed_port,
    fake_dns,
    quarantine_reasons,
    rss,
    run_day,
    source_entry,
    stored_fetches,
    write_registry,
)
from mediamon.fetch.warcstore import read_capture

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
FAULTS = {  # path on faulty.test -> what the server does
    "/ok-1": "a good article",
    "/ok-2": "a good article",
    "/timeout": "headers, a few bytes, then silence (read timeout)",
    "/trickle": "one byte every 50 ms for ever (total deadline)",
    "/gzip-cut": "Content-Encoding: gzip, stream cut before its end",
    "/huge": "3 MB body, over the 1 MB cap",
    "/loop": "302 to /loop-b, which 302s back",
    "/throttled": "429 Retry-After: 1, then the page",
    "/throttled-long": "429 Retry-After: 3600 every time (capped sleep)",
    "/image": "200 image/png where an article was promised",
    "/image-as-html": "200 text/html whose body is a PNG",
}
INJECTION = "'); DROP TABLE articles;--"
INJECTION_HEADLINE = "Robert'); DROP TABLE headlines; -- и \\'; select pg_sleep(5);"
STORM = [f"/storm/{i}" for i in range(6)]  # on storm.test: 503 to everything
SLOW = [f"/slow/{i}" for i in range(5)]  # on slow.test: every page trickles
FAULT_HOSTS = ("faulty.test", "storm.test", "slow.test")


def _trickle(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(10**9))
    h.end_headers()
    for _ in range(400):  # 20 s at most, far past the 2 s total deadline
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.05)


def _stall(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b"<html>")
    h.wfile.flush()
    time.sleep(3)


def _huge(h, n):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(3 * 1024 * 1024))
    h.end_headers()
    for _ in range(3 * 16):
        h.wfile.write(b"<p>" + b"z" * (64 * 1024 - 3))


def _throttled(h, n):
    if n == 1:
        h.send(429, b"slow down", [("Retry-After", "1")])
    else:
        h.send(200, article_html("Дороги отремонтируют к октябрю"), HTML)


@pytest.fixture(scope="module")
def db(module_db):
    return module_db[1]


@pytest.fixture(scope="module")
def faulty_day(server, db, module_env, tmp_path_factory):
    monkeypatch, tmp_path = module_env, tmp_path_factory.mktemp("registry")
    routes = server.routes
    routes.clear()
    server.hits.clear()
    good = [("Акимат обновит парки", "/a-1"), ("Новый маршрут автобуса", "/a-2"),
            ("В школах начался год", "/a-3")]  # fmt: skip
    routes[("healthy.test", "/rss.xml")] = lambda h, n: h.send(
        200, rss([(t, server.url("healthy.test", p)) for t, p in good]),
        [("Content-Type", "application/rss+xml")],
    )  # fmt: skip
    for title, path in good:
        routes[("healthy.test", path)] = lambda h, n, t=title: h.send(200, article_html(t), HTML)

    port = closed_port()
    links = [(f"Fault {p}", server.url("faulty.test", p)) for p in FAULTS]
    links += [
        ("Refused", f"http://faulty.test:{port}/refused"),
        ("No DNS", "http://gone.invalid/dns"),
    ]
    links += [(f"Storm {p}", server.url("storm.test", p)) for p in STORM]
    links += [(f"Slow {p}", server.url("slow.test", p)) for p in SLOW]
    f = {
        "/rss.xml": lambda h, n: h.send(200, rss(links), [("Content-Type", "application/rss+xml")]),
        "/ok-1": lambda h, n: h.send(200, article_html("Фестиваль яблок в Алматы"), HTML),
        "/ok-2": lambda h, n: h.send(200, article_html("Открыт новый мост через реку"), HTML),
        "/timeout": _stall,
        "/trickle": _trickle,
        "/gzip-cut": lambda h, n: h.send(
            200, gzip.compress(article_html("Обрезанный gzip"))[:200],
            [*HTML, ("Content-Encoding", "gzip")],
        ),
        "/huge": _huge,
        "/loop": lambda h, n: h.send(302, b"", [("Location", "/loop-b")]),
        "/loop-b": lambda h, n: h.send(302, b"", [("Location", "/loop")]),
        "/throttled": _throttled,
        "/throttled-long": lambda h, n: h.send(429, b"", [("Retry-After", "3600")]),
        "/image": lambda h, n: h.send(200, PNG, [("Content-Type", "image/png")]),
        "/image-as-html": lambda h, n: h.send(200, PNG, HTML),
    }  # fmt: skip
    for path, route in f.items():
        routes[("faulty.test", path)] = route
    for path in STORM:
        routes[("storm.test", path)] = lambda h, n: h.send(503, b"busy", HTML)
    for path in SLOW:
        routes[("slow.test", path)] = _trickle

    entries = [
        source_entry("healthy", "http://healthy.test/", server.url("healthy.test", "/rss.xml"),
                     allowed_hosts=[f"healthy.test:{server.port}"]),
        source_entry("faulty", "http://faulty.test/", server.url("faulty.test", "/rss.xml"),
                     allowed_hosts=[*(f"{h}:{server.port}" for h in FAULT_HOSTS),
                                    f"faulty.test:{port}"],  # the closed port too
                     extra_hosts=["gone.invalid", "storm.test", "slow.test"]),
        source_entry("down", "http://down.invalid/", "http://down.invalid/rss.xml"),
    ]  # fmt: skip
    # one link listed 100 times (tracking parameters on some), titled to inject SQL
    repeated = server.url("tricky.test", "/same")
    items = [(INJECTION_HEADLINE, repeated + ("?utm_source=feed" if i % 2 else ""))
             for i in range(100)]  # fmt: skip
    routes[("tricky.test", "/rss.xml")] = lambda h, n: h.send(
        200, rss(items), [("Content-Type", "application/rss+xml")]
    )
    routes[("tricky.test", "/same")] = lambda h, n: h.send(200, article_html(INJECTION), HTML)
    entries.append(
        source_entry("tricky", "http://tricky.test/", server.url("tricky.test", "/rss.xml"),
                     allowed_hosts=[f"tricky.test:{server.port}"])
    )  # fmt: skip
    fake_dns(monkeypatch, {"healthy.test": "127.0.0.1", "faulty.test": "127.0.0.1",
                           "storm.test": "127.0.0.1", "tricky.test": "127.0.0.1",
                           "slow.test": "127.0.0.1"})  # fmt: skip
    write_registry(tmp_path / "sources.yaml", entries, monkeypatch)
    runs = run_day(db, ["healthy", "faulty", "down", "tricky"])
    return runs, stored_fetches(db, "faulty"), quarantine_reasons(db, "faulty")


def test_every_source_loads_and_reconciles(faulty_day, db, server):
    runs, _, _ = faulty_day
    assert {sid: r.error for sid, r in runs.items()} == dict.fromkeys(runs)
    healthy = assert_reconciled(db, "healthy")
    assert healthy == {"fetched": 4, "loaded": 4, "quarantined": 0, "refused": 0}
    with db.cursor() as cur:
        cur.execute("select source_id, title from articles order by source_id, title")
        titles = cur.fetchall()
    assert [t for s, t in titles if s == "healthy"] == [
        "Акимат обновит парки", "В школах начался год", "Новый маршрут автобуса",
    ]  # fmt: skip
    # the faulty site's good pages load beside its faults, the throttled one after waiting
    assert [t for s, t in titles if s == "faulty"] == [
        "Дороги отремонтируют к октябрю", "Открыт новый мост через реку",
        "Фестиваль яблок в Алматы",
    ]  # fmt: skip
    faulty = assert_reconciled(db, "faulty")
    assert faulty["quarantined"] == 3  # gzip-cut, image, image-as-html
    assert faulty["loaded"] == 4  # the feed and three articles
    down = assert_reconciled(db, "down")
    assert down == {"fetched": 3, "loaded": 0, "quarantined": 0, "refused": 3}  # 3 tries


def test_connection_refused_and_dns_failure_are_stored_with_reasons(faulty_day):
    _, fetches, _ = faulty_day
    # each try is kept: two retried attempts, then the error that ended them
    (*retried, (kind, status, error)) = fetches["/refused"]
    assert (kind, status) == ("article", None) and "ConnectionError" in error
    assert "refused" in error.lower()
    assert [(k, s) for k, s, _ in retried] == [("article", None)] * 2
    assert all(e.startswith("retried after") and "refused" in e.lower() for _, _, e in retried)
    (*retried, dns) = fetches["/dns"]
    assert len(retried) == 2
    assert dns[:2] == ("article", None)
    assert "NameResolutionError" in dns[2] or "resolve" in dns[2].lower()


def test_down_source_feed_is_stored_as_a_failure(faulty_day, db):
    down = stored_fetches(db, "down")
    ((kind, status, error),) = down["/rss.xml"][-1:]
    assert (kind, status) == ("feed", None) and error


def test_read_timeout_and_trickle_end_at_their_deadlines(faulty_day):
    _, fetches, _ = faulty_day
    ((kind, status, error),) = fetches["/timeout"]
    assert status is None and "timed out" in error.lower()
    ((kind, status, error),) = fetches["/trickle"]
    assert (status, error) == (None, "total time cap exceeded while reading the body")


def test_body_over_the_cap_is_cut_and_not_stored(faulty_day):
    runs, fetches, _ = faulty_day
    ((kind, status, error),) = fetches["/huge"]
    assert status is None and error == f"body larger than {POLICY.max_bytes} bytes"
    huge = [ex for ex in read_capture(runs["faulty"].capture) if ex.url.endswith("/huge")]
    assert [(ex.status, ex.body) for ex in huge] == [(None, b"")]


def test_truncated_gzip_is_kept_raw_and_quarantined(faulty_day, server):
    runs, fetches, quarantined = faulty_day
    assert fetches["/gzip-cut"] == [("article", 200, None)]
    (ex,) = [ex for ex in read_capture(runs["faulty"].capture) if ex.url.endswith("/gzip-cut")]
    assert ex.raw_bytes == 200 and ex.body_error.startswith("cannot undo Content-Encoding gzip")
    (reason,) = quarantined[server.url("faulty.test", "/gzip-cut")]
    assert reason.startswith("cannot undo Content-Encoding gzip: EOFError")


def test_image_where_html_was_promised_is_quarantined(faulty_day, server):
    _, fetches, quarantined = faulty_day
    assert fetches["/image"] == [("article", 200, None)]
    assert quarantined[server.url("faulty.test", "/image")] == [
        "not a web page: Content-Type image/png"
    ]
    assert quarantined[server.url("faulty.test", "/image-as-html")] == [
        "not a web page: body is image/png (Content-Type text/html)"
    ]


def test_what_counts_as_a_page():
    from mediamon.quality.batch import not_a_page

    page = b"<!doctype html><html><body><p>x</p></body></html>"
    assert not_a_page(page, "text/html; charset=utf-8") is None
    assert not_a_page(b'<?xml version="1.0"?><rss/>', "application/rss+xml") is None
    assert not_a_page(page, None) is None
    assert not_a_page(b"", "text/html") is None  # empty: the parsers say why
    assert not_a_page(b"%PDF-1.7\n...", "text/html").startswith("not a web page: body is")
    assert not_a_page(b"\xff\xd8\xff\xe0" + b"\0" * 40, None) == (
        "not a web page: body is image/jpeg (Content-Type missing)"
    )
    assert not_a_page(page, "video/mp4") == "not a web page: Content-Type video/mp4"
    sitemap = gzip.compress(b'<?xml version="1.0"?><urlset/>')
    assert not_a_page(sitemap, "application/x-gzip", gzip_ok=True) is None  # sitemap.xml.gz
    assert "application/gzip" in not_a_page(sitemap, "text/html")


def test_redirect_loop_stops_at_the_cap(faulty_day):
    _, fetches, _ = faulty_day
    hops = fetches["/loop"] + fetches["/loop-b"]
    assert sum(1 for h in hops if h[1] == 302) == POLICY.max_redirects + 1
    (failure,) = [h for h in hops if h[1] is None]
    assert failure[2].startswith(f"more than {POLICY.max_redirects} redirects from http://")


def test_429_retry_after_is_honoured_and_capped(faulty_day, server):
    _, fetches, _ = faulty_day
    assert [s for _, s, _ in fetches["/throttled"]] == [429, 200]
    # Retry-After: 3600 slept for at most MAX_RETRY_AFTER each time: two retries, then the
    # last 429 stands (the test would hang for hours otherwise)
    assert [s for _, s, _ in fetches["/throttled-long"]] == [429, 429, 429]
    assert server.hits[("faulty.test", "/throttled-long")] == 3
    assert MAX_RETRY_AFTER < 3600


def test_503_storm_gives_the_host_up_after_a_few_requests(faulty_day, server):
    runs, fetches, _ = faulty_day
    asked = [p for p in STORM if server.hits.get(("storm.test", p))]
    assert asked == STORM[: POLICY.max_host_failures]  # each asked 3 times (2 retries)
    assert all(server.hits[("storm.test", p)] == 3 for p in asked)
    for path in STORM[POLICY.max_host_failures :]:
        ((kind, status, error),) = fetches[path]
        assert status is None and error.startswith("host storm.test given up for this crawl")
    skipped = len(STORM) + len(SLOW) - 2 * POLICY.max_host_failures
    assert runs["faulty"].stats.refused == skipped


def test_a_host_trickling_every_page_is_given_up_too(faulty_day, server):
    _, fetches, _ = faulty_day
    asked = [p for p in SLOW if server.hits.get(("slow.test", p))]
    assert asked == SLOW[: POLICY.max_host_failures]
    for path in asked:
        assert fetches[path] == [
            ("article", None, "total time cap exceeded while reading the body")
        ]
    for path in SLOW[POLICY.max_host_failures :]:
        ((kind, status, error),) = fetches[path]
        assert status is None and error.startswith("host slow.test given up for this crawl")


def test_refusal_reasons_are_tallied(faulty_day, db):
    with db.cursor() as cur:
        cur.execute(
            "select observed from dq_results where source_id = 'faulty' and day = %s "
            "and check_name = 'batch.reconciliation'",
            (DAY,),
        )
        (observed,) = cur.fetchone()
    reasons = observed["refused_reasons"]
    assert reasons["HTTP 503"] == 3 * POLICY.max_host_failures
    assert reasons["host storm.test given up for this crawl"] == 3
    assert reasons["host slow.test given up for this crawl"] == 2
    assert reasons["total time cap exceeded while reading the body"] == 1 + 3
    assert reasons["HTTP 429"] == 4


def test_a_link_listed_100_times_is_fetched_once_and_loaded_once(faulty_day, db, server):
    assert server.hits[("tricky.test", "/same")] == 1
    counts = assert_reconciled(db, "tricky")
    assert counts == {"fetched": 2, "loaded": 2, "quarantined": 0, "refused": 0}
    with db.cursor() as cur:
        cur.execute("select count(*) from headlines where source_id = 'tricky'")
        assert cur.fetchone() == (1,)
        cur.execute("select position from sightings where source_id = 'tricky'")
        assert cur.fetchall() == [(1,)]
        cur.execute(
            "select reasons, count(*) from quarantine where source_id = 'tricky' group by 1"
        )
        assert cur.fetchall() == [(
            ["duplicate headline (same title, list and day)",
             "duplicate headline (same URL, list and day)"], 99,
        )]  # fmt: skip
    db.rollback()


def test_sql_in_titles_round_trips_as_text(faulty_day, db):
    with db.cursor() as cur:
        cur.execute("select title from articles where source_id = 'tricky'")
        assert cur.fetchall() == [(INJECTION,)]
        cur.execute("select title from headlines where source_id = 'tricky'")
        assert cur.fetchall() == [(INJECTION_HEADLINE,)]
        cur.execute("select count(*) from articles")  # the tables are all still there
        assert cur.fetchone()[0] >= 7
        cur.execute("select title from headline_revisions where title = %s", (INJECTION_HEADLINE,))
        assert cur.fetchall() == [(INJECTION_HEADLINE,)]
    db.rollback()
