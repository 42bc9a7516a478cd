"""Article pages of several hosts fetched side by side: each page once, each host in turn."""

from __future__ import annotations

from datetime import UTC, datetime

from mediamon.config import Sitemap, Source
from mediamon.fetch.capture import sitemap_xml
from mediamon.fetch.crawl import crawl
from mediamon.fetch.fetcher import FetchPolicy
from mediamon.fetch.http import make_session
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter, read_capture

T0 = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
HOSTS = [f"h{n}.example" for n in range(6)]


def test_pool_keyed_by_host_fetches_every_page_once_in_host_order(tmp_path):
    urls = [f"https://{h}/p{p}.html" for p in range(4) for h in HOSTS]
    urls.append("https://h0.example/missing.html")  # a 404 is recorded like any answer
    warc = tmp_path / "site.warc.gz"
    with CaptureWriter(warc) as writer:
        writer.write_response(
            "https://h0.example/sitemap.xml", 200, "OK", [("Content-Type", "application/xml")],
            sitemap_xml(urls), fetched_at=T0, kind="sitemap",
        )  # fmt: skip
        for url in urls[:-1]:
            body = f"<html><body><h1>{url}</h1></body></html>".encode()
            headers = [("Content-Type", "text/html")]
            writer.write_response(url, 200, "OK", headers, body, fetched_at=T0, kind="article")
    source = Source(
        id="multi", name="Multi", homepage="https://h0.example/", languages=("ru",),
        timezone="UTC", first_year=2010, hosts=tuple(HOSTS),
        sitemaps=(Sitemap("sm", "https://h0.example/sitemap.xml"),),
    )  # fmt: skip
    with ReplayServer(warc, latency=0.01) as server:
        stats = crawl(
            source, tmp_path / "day.warc.gz", session=make_session(replay=server.url),
            policy=FetchPolicy(workers=4, min_delay=0.01),
        )  # fmt: skip
    got = [e for e in read_capture(tmp_path / "day.warc.gz") if e.kind == "article"]
    assert sorted(e.url for e in got) == sorted(urls)
    assert all(e.body.decode().count(e.url) == 1 for e in got if e.status == 200)
    for host in HOSTS:  # each host's pages in the sitemap's order
        mine = [e.url for e in got if e.url.startswith(f"https://{host}/")]
        assert mine == [u for u in urls if u.startswith(f"https://{host}/")]
    assert stats.exchanges == len(urls) + 1 and stats.failures == 0
    assert [e.status for e in got].count(404) == 1
