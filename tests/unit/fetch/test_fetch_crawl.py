"""crawl: discovery and fetching into a real WARC, over loopback through ReplayServer."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from mediamon.config import load_sources
from mediamon.devtools.stack import free_port
from mediamon.fetch import fetcher as fetcher_module
from mediamon.fetch.capture import build_capture
from mediamon.fetch.crawl import crawl
from mediamon.fetch.fetcher import FetchPolicy
from mediamon.fetch.http import make_session, retry_policy
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter, read_capture
from mediamon.text.urls import canonicalize_url
from support import DEMO

HOST = "exclusive.kz.example"
T0 = datetime(2024, 9, 8, 14, 0, tzinfo=UTC)


def _session(server):
    return make_session(replay=server.url, retries=retry_policy(total=2, backoff_factor=0.01))


def _load(tmp_path: Path, entry: dict):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, sort_keys=False), encoding="utf-8")
    return load_sources(path)[entry["id"]]


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


# --- the demo capture -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo capture built into a temporary folder and served by a replay server."""
    out = tmp_path_factory.mktemp("demo")
    warc = build_capture(DEMO, out / "cap")
    source = load_sources(out / "cap" / "sources.yaml")["exclusive_demo"]
    with ReplayServer(warc) as server:
        yield source, server


@pytest.fixture(scope="module")
def demo_crawl(demo, tmp_path_factory):
    source, server = demo
    path = tmp_path_factory.mktemp("crawl") / "raw" / "exclusive_demo" / "2024-09-08.warc.gz"
    with _session(server) as session:
        stats = crawl(source, path, session=session)
    return path, stats, list(read_capture(path))


def _expected_articles() -> list[str]:
    """Distinct canonical URLs linked from the demo's lists, in discovery order."""
    lists = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))["lists"]
    urls = [h["url"] for list_id in ("rss", "society", "ticker") for h in lists[list_id]]
    return list(dict.fromkeys(canonicalize_url(u) for u in urls))


def _demo_pages() -> dict[str, bytes]:
    """Canonical URL -> bytes of every page in the demo capture (from urls.tsv)."""
    with open(DEMO / "urls.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {canonicalize_url(r["url"]): (DEMO / r["local_path"]).read_bytes() for r in rows}


def test_demo_crawl_fetches_lists_in_order(demo_crawl):
    path, _, exchanges = demo_crawl
    assert path.exists()
    assert not _part(path).exists()
    lists = [(e.kind, e.list_id, e.url, e.status) for e in exchanges[:4]]
    assert lists == [
        ("feed", "rss", f"https://{HOST}/rss.xml", 200),
        ("listing", "society", f"https://{HOST}/category/obshchestvo/", 200),
        ("listing", "society", f"https://{HOST}/category/obshchestvo/page/2/", 200),
        ("listing", "ticker", f"https://{HOST}/", 200),
    ]
    pages = _demo_pages()
    for exchange in exchanges[:4]:
        assert exchange.body == pages[canonicalize_url(exchange.url)]


def test_demo_crawl_fetches_each_distinct_article_once(demo_crawl):
    _, stats, exchanges = demo_crawl
    expected = _expected_articles()
    assert len(expected) == 21  # 8 in the feed, 9 more in society, 4 more in the ticker
    articles = exchanges[4:]
    assert all(e.kind == "article" and e.list_id is None for e in articles)
    assert [canonicalize_url(e.url) for e in articles] == expected
    assert len(exchanges) == 4 + len(expected)
    # the tracking-query link in the ticker is not fetched: its clean twin came first
    assert not any("utm_" in e.url for e in articles)
    assert stats.exchanges == len(exchanges)
    assert stats.candidates == len(expected)
    assert (stats.failures, stats.skipped_foreign, stats.errors) == (0, 0, [])


def test_demo_articles_missing_from_the_capture_are_recorded_as_404(demo_crawl):
    _, _, exchanges = demo_crawl
    pages = _demo_pages()
    found = {canonicalize_url(e.url): e for e in exchanges[4:]}
    in_capture = {u for u in found if u in pages}
    assert len(in_capture) == 8
    for url, exchange in found.items():
        if url in pages:
            assert exchange.status == 200, url
            assert exchange.body == pages[url]
            assert exchange.content_type == "text/html; charset=utf-8"
        else:
            assert exchange.status == 404, url
            assert exchange.headers["x-mediamon-replay"] == "miss"
            assert exchange.body.startswith(b"not in capture: ")
    assert sum(e.status == 404 for e in exchanges) == 13
    offsets = [e.offset for e in exchanges]
    assert offsets == sorted(set(offsets))


def test_listing_404_is_recorded_and_the_crawl_completes(demo, tmp_path):
    _, server = demo
    source = _load(
        tmp_path,
        {
            "id": "demo_broken",
            "homepage": f"https://{HOST}/",
            "languages": ["ru"],
            "timezone": "Asia/Almaty",
            "max_articles": 2,
            "listings": [
                {
                    "id": "gone",
                    "url": f"https://{HOST}/category/no-such-section/",
                    "max_pages": 3,
                    "selectors": {"item": "li", "title": "a", "link": "a", "next_page": "a.next"},
                }
            ],
            "feeds": [{"id": "rss", "url": f"https://{HOST}/rss.xml"}],
        },
    )
    path = tmp_path / "broken.warc.gz"
    with _session(server) as session:
        stats = crawl(source, path, session=session)
    got = [(e.kind, e.list_id, e.status, e.url) for e in read_capture(path)]
    assert got == [
        ("feed", "rss", 200, f"https://{HOST}/rss.xml"),
        ("listing", "gone", 404, f"https://{HOST}/category/no-such-section/"),
        # max_articles 2: the first two feed entries only
        ("article", None, 200, f"https://{HOST}/news/2024/09/08/v-karagande-projdet-festival-ulichnogo-teatra.html"),
        ("article", None, 200, f"https://{HOST}/news/2024/09/08/maslikhat-almaty-odobril-popravki-v-byudzhet.html"),
    ]  # fmt: skip
    assert stats.exchanges == 4
    assert stats.candidates == 8  # counted before the max_articles cut
    assert stats.failures == 0  # an HTTP error status is a response, not a failure


def test_max_pages_stops_the_next_page_walk(demo, tmp_path):
    _, server = demo
    source = _load(
        tmp_path,
        {
            "id": "demo_one_page",
            "homepage": f"https://{HOST}/",
            "languages": ["ru"],
            "timezone": "Asia/Almaty",
            "max_articles": 1,
            "listings": [
                {
                    "id": "society",
                    "url": f"https://{HOST}/category/obshchestvo/",
                    "max_pages": 1,
                    "selectors": {
                        "item": "div.category-list > div.cat-item",
                        "title": "h3.cat-title a",
                        "link": "h3.cat-title a",
                        "next_page": "div.pagination a.next",
                    },
                }
            ],
        },
    )
    path = tmp_path / "one.warc.gz"
    with _session(server) as session:
        stats = crawl(source, path, session=session)
    got = [(e.kind, e.status, e.url) for e in read_capture(path)]
    assert got == [
        ("listing", 200, f"https://{HOST}/category/obshchestvo/"),
        ("article", 200, f"https://{HOST}/news/2024/09/08/maslikhat-almaty-odobril-popravki-v-byudzhet.html"),
    ]  # fmt: skip
    assert stats.candidates == 8  # the 8 society items of page 1


def test_body_over_the_limit_is_a_failure_record(demo, tmp_path, monkeypatch):
    source, server = demo
    monkeypatch.setattr(fetcher_module, "MAX_BODY_BYTES", 1000)
    path = tmp_path / "small.warc.gz"
    with _session(server) as session:
        stats = crawl(source, path, session=session)
    exchanges = list(read_capture(path))
    assert [(e.kind, e.list_id, e.url) for e in exchanges] == [
        ("feed", "rss", f"https://{HOST}/rss.xml"),
        ("listing", "society", f"https://{HOST}/category/obshchestvo/"),
        ("listing", "ticker", f"https://{HOST}/"),
    ]
    for exchange in exchanges:
        assert exchange.status is None
        assert exchange.error == "body larger than 1000 bytes"
        assert exchange.body == b""
    assert (stats.exchanges, stats.failures, stats.candidates) == (3, 3, 0)
    assert stats.errors[0] == f"https://{HOST}/rss.xml: body larger than 1000 bytes"


# --- a small site of our own ----------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>https://news.example/</link>
<item><title>One</title><link>https://news.example/a1.html</link></item>
<item><title>Two</title><link>https://www.news.example/a2.html</link></item>
<item><title>One again</title><link>https://news.example/a1.html?utm_medium=rss#top</link></item>
<item><title>Elsewhere</title><link>https://elsewhere.example/z.html</link></item>
<item><title>Moved</title><link>https://news.example/old.html</link></item>
</channel></rss>"""
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://news.example/a4.html</loc></url>
<url><loc>https://news.example/a1.html</loc></url>
</urlset>"""
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _page(n: int) -> bytes:
    return f"<html><body><h1>Article {n}</h1></body></html>".encode()


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news")
    warc = folder / "site.warc.gz"
    feed_gz = gzip.compress(RSS, mtime=0)
    with CaptureWriter(warc) as writer:
        for url, status, reason, headers, body in [
            ("https://news.example/rss.xml", 200, "OK",
             [("Content-Type", "application/rss+xml"), ("Content-Encoding", "gzip")], feed_gz),
            ("https://news.example/sitemap.xml", 200, "OK",
             [("Content-Type", "application/xml")], SITEMAP),
            ("https://news.example/a1.html", 200, "OK", HTML, _page(1)),
            ("https://www.news.example/a2.html", 200, "OK", HTML, _page(2)),
            ("https://news.example/old.html", 301, "Moved Permanently",
             [("Location", "/a3.html")], b""),
            ("https://news.example/a3.html", 200, "OK", HTML, _page(3)),
            ("https://news.example/a4.html", 200, "OK", HTML, _page(4)),
            ("https://elsewhere.example/z.html", 200, "OK", HTML, _page(99)),
        ]:  # fmt: skip
            writer.write_response(url, status, reason, headers, body, fetched_at=T0, kind="article")
    source = _load(
        folder,
        {
            "id": "news",
            "homepage": "https://news.example/",
            "languages": ["en"],
            "timezone": "UTC",
            "feeds": [{"id": "rss", "url": "https://news.example/rss.xml"}],
            "sitemaps": [{"id": "sm", "url": "https://news.example/sitemap.xml"}],
        },
    )
    with ReplayServer(warc) as server:
        yield source, server, feed_gz


def test_crawl_of_feed_and_sitemap_with_redirect_dedupe_and_foreign_link(news, tmp_path):
    source, server, feed_gz = news
    path = tmp_path / "news.warc.gz"
    with _session(server) as session:
        stats = crawl(source, path, session=session)
    exchanges = list(read_capture(path))
    got = [(e.kind, e.list_id, e.status, e.url) for e in exchanges]
    assert got == [
        ("feed", "rss", 200, "https://news.example/rss.xml"),
        ("sitemap", "sm", 200, "https://news.example/sitemap.xml"),
        ("article", None, 200, "https://news.example/a1.html"),
        ("article", None, 200, "https://www.news.example/a2.html"),
        ("article", None, 301, "https://news.example/old.html"),  # the redirect hop ...
        ("article", None, 200, "https://news.example/a3.html"),  # ... and where it led
        ("article", None, 200, "https://news.example/a4.html"),
    ]
    feed = exchanges[0]
    assert feed.headers["content-encoding"] == "gzip"
    assert feed.raw_bytes == len(feed_gz)  # stored as received ...
    assert feed.body == RSS  # ... and read back decoded
    hop = exchanges[4]
    assert hop.headers["location"] == "/a3.html"
    assert [e.body for e in exchanges if e.status == 200][2:] == [
        _page(1),
        _page(2),
        _page(3),
        _page(4),
    ]
    assert stats.skipped_foreign == 1
    assert stats.candidates == 4  # a1, a2, old, a4: a1 twice more by canonical URL
    assert stats.exchanges == 7
    assert stats.failures == 0


def test_body_size_limit_is_inclusive(tmp_path, monkeypatch):
    limit = 400
    sitemap = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://big.example/fits.html</loc></url>"
        b"<url><loc>https://big.example/too-big.html</loc></url></urlset>"
    )
    assert len(sitemap) <= limit
    warc = tmp_path / "big.warc.gz"
    with CaptureWriter(warc) as writer:
        for url, body in [
            ("https://big.example/sitemap.xml", sitemap),
            ("https://big.example/fits.html", b"a" * limit),
            ("https://big.example/too-big.html", b"b" * (limit + 1)),
        ]:
            writer.write_response(url, 200, "OK", HTML, body, fetched_at=T0, kind="article")
    source = _load(
        tmp_path,
        {
            "id": "big",
            "homepage": "https://big.example/",
            "languages": ["en"],
            "timezone": "UTC",
            "sitemaps": [{"id": "sm", "url": "https://big.example/sitemap.xml"}],
        },
    )
    monkeypatch.setattr(fetcher_module, "MAX_BODY_BYTES", limit)
    path = tmp_path / "out.warc.gz"
    with ReplayServer(warc) as server, _session(server) as session:
        stats = crawl(source, path, session=session)
    sm, fits, too_big = read_capture(path)
    assert (sm.status, sm.kind) == (200, "sitemap")
    assert (fits.url, fits.status, fits.body) == (
        "https://big.example/fits.html",
        200,
        b"a" * limit,
    )
    assert (too_big.url, too_big.status) == ("https://big.example/too-big.html", None)
    assert too_big.error == f"body larger than {limit} bytes"
    assert (stats.exchanges, stats.failures) == (3, 1)


def test_unreachable_feed_is_recorded_as_a_failure(tmp_path, monkeypatch):
    monkeypatch.delenv("MEDIAMON_REPLAY", raising=False)
    port = free_port()  # bound, then released: nobody listens
    feed_url = f"http://127.0.0.1:{port}/feed.xml"
    source = _load(
        tmp_path,
        {
            "id": "offline",
            "homepage": f"http://127.0.0.1:{port}/",
            "languages": ["en"],
            "timezone": "UTC",
            "feeds": [{"id": "rss", "url": feed_url}],
            "allowed_hosts": [f"127.0.0.1:{port}"],  # past the SSRF guard
        },
    )
    path = tmp_path / "offline.warc.gz"
    retries = retry_policy(total=1, backoff_factor=0.01)
    with make_session(replay=None, retries=retries) as session:
        stats = crawl(source, path, session=session, policy=FetchPolicy(obey_robots=False))
    retried, failure = read_capture(path)  # the retried try is kept too
    assert (retried.status, retried.error.startswith("retried after ")) == (None, True)
    assert (failure.url, failure.kind, failure.list_id, failure.status) == (
        feed_url,
        "feed",
        "rss",
        None,
    )
    assert failure.error.startswith("ConnectionError: ")
    assert (stats.exchanges, stats.failures, stats.candidates, stats.retries) == (2, 1, 0, 1)
    assert stats.errors == [f"{feed_url}: {failure.error}"]
    assert path.exists() and not _part(path).exists()
