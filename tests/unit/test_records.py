"""The typed records are the schema: their keys are what the parsers return on the demo
capture's pages, what the parse and validate stages add, and what the loader writes."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from mediamon.config import load_sources
from mediamon.fetch.warcstore import Exchange
from mediamon.load import loader
from mediamon.parse import parse_article, parse_feed, parse_listing, parse_sitemap
from mediamon.pipeline import fetch_record, label_headline, refused_record
from mediamon.records import (
    HEADLINE_STAGE_FIELDS,
    Article,
    Fetch,
    Headline,
    Quarantined,
    Refusal,
    Skipped,
)
from support import DEMO

SOURCE = load_sources(DEMO / "sources.yaml")["exclusive_demo"]
FETCHED = datetime(2024, 9, 8, 14, 0, tzinfo=UTC)
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://exclusive.kz.example/news/2024/09/08/a.html</loc>
    <lastmod>2024-09-08T10:00:00+05:00</lastmod>
    <news:news><news:publication_date>2024-09-08T09:00:00+05:00</news:publication_date>
      <news:title>Маслихат одобрил поправки</news:title></news:news></url>
</urlset>""".encode()


def keys(record_type) -> set[str]:
    return set(record_type.__annotations__)


@pytest.fixture(scope="module")
def demo_pages() -> dict[str, list[dict]]:
    """Every page of the demo capture through its parser: articles, headlines, skipped."""
    lists = {f.url: ("feed", f) for f in SOURCE.feeds}
    lists.update({x.url: ("listing", x) for x in SOURCE.listings})
    out: dict[str, list[dict]] = {"article": [], "feed": [], "listing": [], "skipped": []}
    with open(DEMO / "urls.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    offsets: dict[str, int] = {}
    for row in rows:
        body = (DEMO / row["local_path"]).read_bytes()
        url = row["url"]
        # a listing's next pages are ``<listing URL>page/<n>/``
        list_url = next((u for u in lists if url.startswith(u + "page/")), url)
        kind, entry = lists.get(url) or lists.get(list_url, ("article", None))
        if kind == "article":
            out["article"].append(parse_article(body, url, source=SOURCE, fetched_at=FETCHED))
            continue
        if kind == "feed":
            result = parse_feed(body, url, source=SOURCE, list_id=entry.id, fetched_at=FETCHED)
        else:
            result = parse_listing(
                body, url, source=SOURCE, listing=entry, fetched_at=FETCHED,
                position_offset=offsets.get(entry.id, 0),
            )  # fmt: skip
            offsets[entry.id] = offsets.get(entry.id, 0) + len(result.headlines)
        out[kind] += result.headlines
        out["skipped"] += result.skipped
    return out


def test_articles_have_exactly_the_article_keys(demo_pages):
    assert len(demo_pages["article"]) == 8
    for record in demo_pages["article"]:
        # fetched_at is the parse stage's (the exchange's WARC-Date)
        assert set(record) == keys(Article) - {"fetched_at"}
    assert Article.__optional_keys__ == {"fetched_at"}


def test_headlines_of_every_list_kind_fit_the_headline_keys(demo_pages):
    sitemap = parse_sitemap(SITEMAP, "https://exclusive.kz.example/sitemap.xml",
                            source=SOURCE, list_id="news", fetched_at=FETCHED)  # fmt: skip
    by_kind = {"feed": demo_pages["feed"], "listing": demo_pages["listing"], "sitemap": sitemap}
    parser_keys = keys(Headline) - set(HEADLINE_STAGE_FIELDS)
    seen: set[str] = set()
    for kind, headlines in by_kind.items():
        assert headlines, kind
        for h in headlines:
            assert h["list_kind"] == kind
            assert Headline.__required_keys__ <= set(h) <= parser_keys, kind
            seen |= set(h)
    assert seen == parser_keys  # no documented key that no parser gives


def test_the_validate_stage_adds_the_headline_stage_fields(demo_pages):
    assert set(HEADLINE_STAGE_FIELDS) <= Headline.__optional_keys__
    for h in demo_pages["feed"] + demo_pages["listing"]:
        labelled = label_headline(h, SOURCE, date(2024, 9, 8))
        assert set(labelled) - set(h) == set(HEADLINE_STAGE_FIELDS)


def test_refusals_and_fetches_have_their_record_keys(demo_pages):
    ex = Exchange(
        url="https://exclusive.kz.example/rss.xml", kind="feed", list_id="rss", status=200,
        headers={"content-type": "text/html"}, body=b"", raw_bytes=0, sha256="",
        fetched_at=FETCHED, warc_path="/raw/x.warc.gz", offset=0,
    )  # fmt: skip
    assert set(fetch_record(ex)) == keys(Fetch)
    assert set(refused_record("page", ex.url, ex, "why")) == Refusal.__required_keys__
    item = refused_record("headline", "rss|1|u", ex, "no link", title=None, position=1)
    assert set(item) == keys(Refusal)
    no_link = parse_feed(
        "<rss version='2.0'><channel><item><title>Без ссылки</title></item></channel></rss>"
        .encode(), ex.url, source=SOURCE, list_id="rss", fetched_at=FETCHED,
    )  # fmt: skip
    assert no_link.skipped
    for skipped in demo_pages["skipped"] + no_link.skipped:
        assert set(skipped) == keys(Skipped)


def test_the_loader_columns_come_from_the_records():
    # columns of the warehouse filled from elsewhere than a record field of the same name
    article_derived = {"published_day", "first_seen", "last_seen", "parse_warnings"}
    from_elsewhere = {"warnings", "fetched_at"}  # as parse_warnings, first/last seen
    assert set(loader.ARTICLE_COLUMNS) - article_derived == keys(Article) - from_elsewhere
    headline_derived = {"first_seen_day", "last_seen_day", "last_position", "parse_warnings"}
    assert set(loader.HEADLINE_COLUMNS) - headline_derived <= keys(Headline)
    assert set(loader.HEADLINE_EXTRA) <= set(HEADLINE_STAGE_FIELDS)
    assert set(loader.FETCH_COLUMNS) - {"source_id", "day"} == keys(Fetch)
    assert set(loader.QUARANTINE_COLUMNS) - {"run_key", "source_id", "day"} == keys(Quarantined)
