"""Listing pagination bounded by the run's window, date-archive templates, news sitemaps:
through a replay server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from mediamon.config import load_sources
from mediamon.fetch.crawl import crawl
from mediamon.fetch.discover import window_days
from mediamon.fetch.http import make_session, retry_policy
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter, read_capture

ALMATY = ZoneInfo("Asia/Almaty")
T0 = datetime(2024, 9, 8, 14, 0, tzinfo=UTC)
HTML = [("Content-Type", "text/html; charset=utf-8")]
BASE = "https://news.example"
WINDOW = (datetime(2024, 9, 7, tzinfo=ALMATY), datetime(2024, 9, 8, tzinfo=ALMATY))


def _page(n: int, day: int, last: bool = False) -> bytes:
    items = "".join(
        f'<div class="it"><span class="n">{k}</span><a href="/news/{day}-{k}.html">Новость '
        f'{day}-{k}</a><time datetime="2024-09-{day:02d}T{10 + k}:00:00+05:00"></time></div>'
        for k in (1, 2)
    )
    nxt = "" if last else f'<a class="next" href="/society/page/{n + 1}/">»</a>'
    return f"<html><body>{items}{nxt}</body></html>".encode()


def _archive(day: int) -> bytes:
    return (
        f'<html><body><div class="it"><a href="/news/a{day}.html">Архив {day}</a>'
        f'<time datetime="2024-09-{day:02d}T09:00:00+05:00"></time></div></body></html>'
    ).encode()


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/news/s1.html</loc><news:news>
<news:publication_date>2024-09-07T08:00:00+05:00</news:publication_date>
<news:title>Sitemap one</news:title></news:news></url>
</urlset>"""


INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-news.xml</loc></sitemap>
<sitemap><loc>https://news.example/sitemap-missing.xml</loc></sitemap>
</sitemapindex>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    warc = tmp / "site.warc.gz"
    pages = {
        f"{BASE}/society/": _page(1, 8),
        f"{BASE}/society/page/2/": _page(2, 7),
        f"{BASE}/society/page/3/": _page(3, 6),
        f"{BASE}/society/page/4/": _page(4, 5, last=True),
        f"{BASE}/archive/2024/09/07/": _archive(7),
        f"{BASE}/archive/2024/09/06/": _archive(6),
        f"{BASE}/sitemap-news.xml": NEWS_SITEMAP,
        f"{BASE}/sitemap-index.xml": INDEX,
    }
    with CaptureWriter(warc) as writer:
        for url, body in pages.items():
            writer.write_response(url, 200, "OK", HTML, body, fetched_at=T0, kind="listing")
    with ReplayServer(warc) as server:
        yield server, tmp


def _source(tmp: Path, **extra):
    entry = {
        "id": "news", "homepage": f"{BASE}/", "languages": ["ru"], "timezone": "Asia/Almaty",
        "max_articles": 0, **extra,
    }  # fmt: skip
    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")
    return load_sources(path)["news"]


SELECTORS = {"item": "div.it", "title": "a", "link": "a", "date": "time",
             "next_page": "a.next", "position": "span.n"}  # fmt: skip


def _crawl(server, tmp, source, **kwargs):
    path = tmp / f"out-{len(list(tmp.iterdir()))}.warc.gz"
    session = make_session(replay=server.url, retries=retry_policy(total=1, backoff_factor=0.01))
    with session:
        stats = crawl(source, path, session=session, **kwargs)
    return stats, [e.url.removeprefix(BASE) for e in read_capture(path)]


def test_listing_walks_back_until_older_than_the_window(site):
    server, tmp = site
    source = _source(tmp, listings=[{"id": "society", "url": f"{BASE}/society/",
                                     "max_pages": 10, "selectors": SELECTORS}])  # fmt: skip
    stats, urls = _crawl(server, tmp, source, window=WINDOW)
    # page 1: 8 Sep, page 2: 7 Sep (the day), page 3: 6 Sep, all older: stop there
    assert urls == ["/society/", "/society/page/2/", "/society/page/3/"]
    assert stats.pages == {"society": 3}
    # without a window, the page cap alone bounds the walk
    stats, urls = _crawl(server, tmp, source)
    assert urls[-1] == "/society/page/4/" and len(urls) == 4


def test_page_cap_bounds_the_walk(site):
    server, tmp = site
    source = _source(tmp, listings=[{"id": "society", "url": f"{BASE}/society/",
                                     "max_pages": 2, "selectors": SELECTORS}])  # fmt: skip
    _, urls = _crawl(server, tmp, source, window=(WINDOW[0].replace(day=1), WINDOW[1]))
    assert urls == ["/society/", "/society/page/2/"]


def test_date_archive_template_fetches_each_day_of_the_window(site):
    server, tmp = site
    url = BASE + "/archive/{date:%Y/%m/%d}/"
    source = _source(tmp, listings=[{"id": "archive", "url": url, "selectors": SELECTORS}])
    window = (datetime(2024, 9, 6, tzinfo=ALMATY), datetime(2024, 9, 8, tzinfo=ALMATY))
    assert [str(d) for d in window_days(source, window)] == ["2024-09-06", "2024-09-07"]
    stats, urls = _crawl(server, tmp, source, window=window)
    assert urls == ["/archive/2024/09/07/", "/archive/2024/09/06/"]
    assert stats.candidates == 0 or stats.candidates == 2
    # no window: a template cannot be resolved; said, not fetched
    stats, urls = _crawl(server, tmp, source)
    assert urls == [] and "needs the run's window" in stats.errors[0]


def test_news_sitemap_gives_publication_dates(site):
    from mediamon.parse import parse_sitemap

    server, tmp = site
    source = _source(tmp, sitemaps=[{"id": "news", "url": f"{BASE}/sitemap-news.xml"}])
    _, urls = _crawl(server, tmp, source)
    assert urls == ["/sitemap-news.xml"]
    (item,) = parse_sitemap(NEWS_SITEMAP, f"{BASE}/sitemap-news.xml", source=source,
                            list_id="news", fetched_at=T0)  # fmt: skip
    assert item["published_at"] == datetime(2024, 9, 7, 8, 0, tzinfo=ALMATY)
    assert item["date_flag"] is None and item["title"] == "Sitemap one"


def test_position_selector(site):
    from mediamon.parse import parse_listing

    _, tmp = site
    source = _source(tmp, listings=[{"id": "society", "url": f"{BASE}/society/",
                                     "selectors": SELECTORS}])  # fmt: skip
    result = parse_listing(
        _page(2, 7),
        f"{BASE}/society/page/2/",
        source=source,
        listing=source.listings[0],
        fetched_at=T0,
        position_offset=10,
    )
    assert [h["position"] for h in result.headlines] == [11, 12]
    assert result.headlines[0]["published_at_assumed_zone"] is False


def test_registry_fields_for_the_fetcher(tmp_path):
    from mediamon.config import RegistryError

    source = _source(tmp_path, allowed_hosts=["127.0.0.1"], conditional_get=False,
                     listings=[{"id": "a", "url": BASE + "/a/{date:%Y-%m-%d}/",
                                "selectors": SELECTORS}])  # fmt: skip
    assert source.allowed_hosts == ("127.0.0.1",) and source.conditional_get is False
    assert source.listings[0].is_template
    with pytest.raises(RegistryError, match="conditional_get"):
        _source(tmp_path, conditional_get="yes", sitemaps=[{"id": "s", "url": BASE + "/s.xml"}])
    with pytest.raises(RegistryError, match="allowed_hosts"):
        _source(tmp_path, allowed_hosts="127.0.0.1", sitemaps=[{"id": "s", "url": BASE + "/s"}])
    with pytest.raises(RegistryError, match="url template"):
        _source(tmp_path, listings=[{"id": "a", "url": BASE + "/{day}/", "selectors": SELECTORS}])


def test_sitemap_index_is_followed_one_level(site):
    server, tmp = site
    source = _source(tmp, sitemaps=[{"id": "idx", "url": f"{BASE}/sitemap-index.xml"}])
    source = type(source)(**{**source.__dict__, "max_articles": 5})
    stats, urls = _crawl(server, tmp, source)
    assert urls == [
        "/sitemap-index.xml", "/sitemap-news.xml", "/sitemap-missing.xml", "/news/s1.html",
    ]  # fmt: skip
    assert stats.candidates == 1
