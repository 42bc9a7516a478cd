"""parse_feed, parse_listing, parse_sitemap on small documents written for these tests."""

import gzip
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from mediamon.parse import (
    FeedResult,
    ListingResult,
    parse_feed,
    parse_listing,
    parse_sitemap,
    sitemap_children,
)
from support import make_source

ALMATY = ZoneInfo("Asia/Almaty")
HEADLINE_KEYS = {
    "source_id", "list_id", "list_kind", "list_url", "position", "title", "url",
    "canonical_url", "published_at", "byline", "fetched_at", "date_flag",
    "published_at_assumed_zone",
}  # fmt: skip
FEED_KEYS = HEADLINE_KEYS | {"published_raw", "authors", "warnings"}


@pytest.fixture
def source():
    return make_source()


@pytest.fixture
def fetched_at():
    """The fetch instant of these tests: 2024-09-08 11:00 in Almaty, the seed page's "today"."""
    return datetime(2024, 9, 8, 6, 0, tzinfo=UTC)


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Exclusive</title><link>https://exclusive.kz/</link>
<item><title>  Тенге остается
   во власти эмоций </title><link>/finance/tenge/?utm_source=rss</link>
  <pubDate>Thu, 19 Jan 2023 10:45:00 +03</pubDate><dc:creator>Жарас Ахметов</dc:creator></item>
<item><title>Без ссылки</title><pubDate>Thu, 19 Jan 2023 09:00:00 +0500</pubDate></item>
<item><title>Без даты</title><link>https://exclusive.kz/news/2</link></item>
<item><title>Наивное время</title><link>https://exclusive.kz/news/3</link>
  <pubDate>2020-05-01 10:00</pubDate></item>
</channel></rss>"""


def feed(body, source, fetched_at):
    return parse_feed(
        body, "https://exclusive.kz/rss", source=source, list_id="rss", fetched_at=fetched_at
    )


def test_feed_entries(source, fetched_at):
    result = feed(RSS.encode(), source, fetched_at)
    assert isinstance(result, FeedResult)
    assert result.refused_reason is None
    assert [h["position"] for h in result.headlines] == [1, 3, 4]
    first = result.headlines[0]
    assert set(first) == FEED_KEYS
    assert first["title"] == "Тенге остается во власти эмоций"
    assert first["url"] == "https://exclusive.kz/finance/tenge/?utm_source=rss"
    assert first["canonical_url"] == "https://exclusive.kz/finance/tenge"
    # "+03" is three hours, which feedparser alone gets wrong
    assert first["published_at"] == datetime(2023, 1, 19, 7, 45, tzinfo=UTC)
    assert first["byline"] == "Жарас Ахметов"
    assert (first["list_kind"], first["list_id"], first["source_id"]) == (
        "feed",
        "rss",
        "exclusive",
    )
    assert first["fetched_at"] == fetched_at
    assert result.headlines[1]["published_at"] is None
    assert result.headlines[1]["byline"] is None
    # a zone-less time is read in the source's zone (UTC+6 in Almaty in 2020)
    assert result.headlines[2]["published_at"].utcoffset() == timedelta(hours=6)
    assert any("entry 2: no link" in w for w in result.warnings)


def test_html_page_is_refused(source, fetched_at):
    html = b"<!DOCTYPE html><html><head><title>Exclusive</title></head><body>Hi</body></html>"
    result = feed(html, source, fetched_at)
    assert result.headlines == []
    assert result.refused_reason == "not a feed: HTML page"


def test_bozo_feed_keeps_entries_and_warns(source, fetched_at):
    broken = RSS.replace("</channel></rss>", "<item><title>Обрыв & </title>")
    result = feed(broken.encode(), source, fetched_at)
    assert result.refused_reason is None
    assert result.headlines  # what was read before the break is kept
    assert any(w.startswith("bozo: ") for w in result.warnings)


def test_atom_feed(source, fetched_at):
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>Нью-Делиде Абай мүсіні орнатылды</title>
      <link href="https://exclusive.kz/kk/abai"/><id>tag:exclusive.kz,2022:1</id>
      <updated>2022-06-01T12:00:00+06:00</updated><author><name>Редакция Exclusive</name></author>
    </entry></feed>"""
    result = feed(atom.encode(), source, fetched_at)
    (h,) = result.headlines
    assert h["url"] == "https://exclusive.kz/kk/abai"
    assert h["published_at"] == datetime(2022, 6, 1, 6, 0, tzinfo=UTC)
    assert h["byline"] == "Редакция Exclusive"


LISTING_PAGE = """<html><head><meta charset="utf-8"><title>Общество</title></head><body>
<ul class="menu"><li><a href="/">Главная</a></li></ul>
<div class="news-list">
  <div class="news-item">
    <div class="news-title"><a href="/obshchestvo/101/"><img src="a.jpg" alt="Что нас ждет?"></a>
      <a href="/obshchestvo/101/">Что нас ждет?</a> <a href="/obshchestvo/101/">Что нас ждет?</a></div>
    <div class="news-author">Редакция Exclusive</div>
    <time datetime="2020-08-28T10:00:00">28.08.2020</time>
  </div>
  <div class="news-item">
    <div class="news-title"><a href="https://exclusive.kz/obshchestvo/102/#c">Свои и чужие
      в белорусском протесте</a></div>
    <span class="news-date">21 августа 2020</span>
  </div>
  <div class="news-item"><div class="news-title">Анонс без ссылки</div></div>
  <div class="news-item">
    <div class="news-title"><a href="obshchestvo/104/"><span class="comm">12</span>Казахи:
      антология уничтожения идентичности</a></div>
    <div class="news-author">Айнаш Мустояпова</div>
    <span class="news-date">вчера, 18:40</span>
  </div>
</div>
<div class="pages">Страницы: <span>1</span> <a class="next" href="?page=2">2</a> <a href="?page=33">33</a></div>
</body></html>"""  # noqa: E501

LISTING = SimpleNamespace(
    id="obshchestvo",
    url="https://exclusive.kz/obshchestvo/",
    selectors={
        "item": "div.news-item",
        "title": ".news-title",
        "link": ".news-title a",
        "byline": ".news-author",
        "date": "time, .news-date",
        "next_page": ".pages a.next",
    },
)


def listing(source, fetched_at, **kw):
    return parse_listing(
        LISTING_PAGE.encode(),
        LISTING.url,
        source=source,
        listing=LISTING,
        fetched_at=fetched_at,
        **kw,
    )


def test_listing_items(source, fetched_at):
    result = listing(source, fetched_at)
    assert isinstance(result, ListingResult)
    titles = [h["title"] for h in result.headlines]
    assert titles == [
        "Что нас ждет?",  # printed twice (alt + link text): kept once
        "Свои и чужие в белорусском протесте",
        "Казахи: антология уничтожения идентичности",  # comment counter left out
    ]
    assert [h["position"] for h in result.headlines] == [1, 2, 4]
    assert [h["url"] for h in result.headlines] == [
        "https://exclusive.kz/obshchestvo/101/",
        "https://exclusive.kz/obshchestvo/102/#c",
        "https://exclusive.kz/obshchestvo/obshchestvo/104/",
    ]
    assert result.headlines[1]["canonical_url"] == "https://exclusive.kz/obshchestvo/102"
    assert [h["byline"] for h in result.headlines] == [
        "Редакция Exclusive",
        None,  # missing byline
        "Айнаш Мустояпова",
    ]
    first, second, third = result.headlines
    assert set(first) == HEADLINE_KEYS
    assert first["list_kind"] == "listing" and first["list_id"] == "obshchestvo"
    assert first["published_at"] == datetime(2020, 8, 28, 10, 0, tzinfo=ALMATY)
    assert second["published_at"] == datetime(2020, 8, 21, tzinfo=ALMATY)
    assert third["published_at"] == datetime(2024, 9, 7, 18, 40, tzinfo=ALMATY)
    assert result.next_page_url == "https://exclusive.kz/obshchestvo/?page=2"
    assert len(result.warnings) == 1 and "item 3: no link" in result.warnings[0]


def test_listing_position_offset_and_no_next_page(source, fetched_at):
    no_next = SimpleNamespace(
        **{
            **vars(LISTING),
            "selectors": {
                k: v for k, v in LISTING.selectors.items() if k not in ("next_page", "byline")
            },
        }
    )
    result = parse_listing(
        LISTING_PAGE.encode(),
        LISTING.url,
        source=source,
        listing=no_next,
        fetched_at=fetched_at,
        position_offset=20,
    )
    assert [h["position"] for h in result.headlines] == [21, 22, 24]
    assert result.next_page_url is None
    assert all(h["byline"] is None for h in result.headlines)


def test_listing_without_matches_warns(source, fetched_at):
    empty = SimpleNamespace(
        id="x",
        url="https://exclusive.kz/",
        selectors={"item": "li.none", "title": "a", "link": "a"},
    )
    result = parse_listing(
        b"<html><body></body></html>",
        empty.url,
        source=source,
        listing=empty,
        fetched_at=fetched_at,
    )
    assert result.headlines == [] and result.next_page_url is None
    assert result.warnings == ["no items match selector 'li.none'"]


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://exclusive.kz/news/1/</loc><lastmod>2024-09-07T12:00:00+05:00</lastmod>
    <news:news><news:publication><news:name>Exclusive</news:name></news:publication>
      <news:publication_date>2024-09-06T09:15:00+05:00</news:publication_date>
      <news:title>Цены на сахар за год выросли на 61%</news:title></news:news></url>
  <url><loc>https://exclusive.kz/news/2</loc><lastmod>2024-09-05</lastmod></url>
</urlset>"""


def test_sitemap_urlset(source, fetched_at):
    rows = parse_sitemap(
        SITEMAP.encode(),
        "https://exclusive.kz/sitemap.xml",
        source=source,
        list_id="sitemap",
        fetched_at=fetched_at,
    )
    assert [r["url"] for r in rows] == [
        "https://exclusive.kz/news/1/",
        "https://exclusive.kz/news/2",
    ]
    first, second = rows
    assert HEADLINE_KEYS <= set(first)
    assert first["list_kind"] == "sitemap" and first["position"] == 1
    assert first["title"] == "Цены на сахар за год выросли на 61%"
    assert first["published_at"] == datetime(2024, 9, 6, 4, 15, tzinfo=UTC)
    assert first["lastmod"] == datetime(2024, 9, 7, 7, 0, tzinfo=UTC)
    assert first["canonical_url"] == "https://exclusive.kz/news/1"
    assert second["title"] is None and second["published_at"] is None
    assert second["lastmod"] == datetime(2024, 9, 5, tzinfo=ALMATY)
    # gzip-compressed sitemaps are read too
    assert (
        parse_sitemap(
            gzip.compress(SITEMAP.encode()), "u", source=source, list_id="s", fetched_at=fetched_at
        )[0]["url"]
        == first["url"]
    )


def test_sitemap_index(source, fetched_at):
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://exclusive.kz/sitemap-news.xml</loc></sitemap>
    <sitemap><loc> https://exclusive.kz/sitemap-2024.xml </loc></sitemap></sitemapindex>"""
    assert sitemap_children(index) == [
        "https://exclusive.kz/sitemap-news.xml",
        "https://exclusive.kz/sitemap-2024.xml",
    ]
    assert parse_sitemap(index, "u", source=source, list_id="s", fetched_at=fetched_at) == []
    assert sitemap_children(SITEMAP.encode()) == []
    assert sitemap_children(b"not xml at all") == []


def test_empty_document_is_not_a_feed(source, fetched_at):
    result = feed(b"", source, fetched_at)
    assert result.headlines == []
    assert "no feed format recognised and no entries" in result.warnings
