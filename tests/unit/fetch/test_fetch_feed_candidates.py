"""A feed's candidate addresses and fallbacks (mediamon.fetch.feeds), over loopback: a small
site recorded in a WARC and served by ReplayServer (an address never recorded answers 404)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from mediamon.config import load_sources
from mediamon.fetch.crawl import crawl
from mediamon.fetch.http import make_session, retry_policy
from mediamon.fetch.replay import ReplayServer
from mediamon.fetch.warcstore import CaptureWriter, read_capture
from mediamon.load.loader import load_batch
from mediamon.pipeline import _parsed_records, fetch_record

HOST = "news.example"
HOME = f"https://{HOST}/"
T0 = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>{HOME}</link>
<item><title>Парламент принял закон о СМИ</title><link>{HOME}news/10001.html</link></item>
<item><title>Курс тенге укрепился к доллару</title><link>{HOME}news/10002.html</link></item>
</channel></rss>""".encode()
EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
NOT_A_FEED = b"<!doctype html><html><body><h1>Page not found</h1></body></html>"
STORIES = "".join(
    f'<li class="news-item"><a href="/news/1000{n}.html">{title}</a> <span>1{n}:00</span></li>'
    for n, title in enumerate(
        [
            "Парламент принял закон о средствах массовой информации",
            "Курс тенге укрепился к доллару на утренних торгах",
            "В Алматы открылся новый детский парк на левом берегу",
            "Синоптики обещают снег в северных областях страны",
        ],
        start=1,
    )
)


def _home(alternate: str | None = None) -> bytes:
    link = (
        f'<link rel="alternate" type="application/rss+xml" href="{alternate}">' if alternate else ""
    )
    return (
        f'<!doctype html><html lang="ru"><head><title>News</title>{link}</head><body>'
        f'<nav><a href="/about/">О нас</a></nav><ul class="news-list">{STORIES}</ul>'
        "</body></html>"
    ).encode()


def _site(tmp_path: Path, pages: dict[str, tuple[str, bytes]]) -> Path:
    warc = tmp_path / "site.warc.gz"
    with CaptureWriter(warc) as writer:
        for path, (content_type, body) in pages.items():
            writer.write_response(
                HOME + path.lstrip("/"), 200, "OK", [("Content-Type", content_type)], body,
                fetched_at=T0, kind="article",
            )  # fmt: skip
    return warc


def _source(tmp_path: Path, urls: list[str], **extra):
    entry = {
        "id": "news", "homepage": HOME, "languages": ["ru"], "timezone": "Asia/Almaty",
        "feeds": [{"id": "rss", "urls": urls}], **extra,
    }  # fmt: skip
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")
    return load_sources(path)["news"]


def _crawl(tmp_path, warc, source, name="day.warc.gz"):
    memory = tmp_path / "feeds" / "news.json"
    with ReplayServer(warc) as server:
        session = make_session(replay=server.url, retries=retry_policy(total=0))
        with session:
            crawl(source, tmp_path / name, session=session, feed_memory=memory)
    lists = [e for e in read_capture(tmp_path / name) if e.kind != "article"]
    return lists, memory


def test_first_candidate_with_a_valid_feed_is_used_remembered_and_tried_first_next(tmp_path):
    warc = _site(tmp_path, {
        "/feed.html": ("text/html", NOT_A_FEED),
        "/empty.rss": ("application/rss+xml", EMPTY_RSS),
        "/rss.xml": ("application/rss+xml", RSS),
        "/later.xml": ("application/rss+xml", RSS),
    })  # fmt: skip
    urls = [HOME + p for p in ("gone.rss", "feed.html", "empty.rss", "rss.xml", "later.xml")]
    source = _source(tmp_path, urls)
    lists, memory = _crawl(tmp_path, warc, source)

    assert [(e.kind, e.url, e.status) for e in lists] == [
        ("feed", urls[0], 404),
        ("feed", urls[1], 200),
        ("feed", urls[2], 200),
        ("feed", urls[3], 200),
    ]  # the fifth candidate is never asked, nor the homepage
    assert lists[0].reason == "feed rss: candidate 1 of 5 of the registry"
    assert (
        lists[1].reason == f"feed rss: candidate 2 of 5 of the registry, after {urls[0]}: HTTP 404"
    )
    assert lists[3].reason.startswith("feed rss: candidate 4 of 5 of the registry, after ")
    assert f"{urls[1]}: not a feed: " in lists[3].reason
    assert f"{urls[2]}: a feed with no item" in lists[3].reason
    remembered = json.loads(memory.read_text(encoding="utf-8"))
    assert remembered["rss"]["url"] == urls[3]
    assert remembered["rss"]["found"] == "candidate 4"

    again, _ = _crawl(tmp_path, warc, source, "next.warc.gz")
    assert [(e.url, e.status) for e in again] == [(urls[3], 200)]
    assert again[0].reason == "feed rss: the address that last answered with a valid feed"


def test_homepage_link_rel_alternate_when_no_candidate_answers(tmp_path):
    warc = _site(tmp_path, {
        "/": ("text/html; charset=utf-8", _home("/export/news.rss")),
        "/export/news.rss": ("application/rss+xml", RSS),
    })  # fmt: skip
    source = _source(tmp_path, [HOME + "rss.xml", HOME + "feed/"])
    lists, memory = _crawl(tmp_path, warc, source)

    assert [(e.kind, e.list_id, e.url, e.status) for e in lists] == [
        ("feed", "rss", HOME + "rss.xml", 404),
        ("feed", "rss", HOME + "feed/", 404),
        ("homepage", None, HOME, 200),
        ("feed", "rss", HOME + "export/news.rss", 200),
    ]
    assert lists[2].reason == (
        f"feed rss: no candidate answered with a valid feed ({HOME}rss.xml: HTTP 404; "
        f"{HOME}feed/: HTTP 404): reading the homepage for its <link rel=alternate> feeds"
    )
    assert lists[3].reason.startswith("feed rss: declared by the homepage's <link rel=alternate>")
    remembered = json.loads(memory.read_text(encoding="utf-8"))["rss"]
    assert (remembered["url"], remembered["found"]) == (
        HOME + "export/news.rss",
        "homepage <link rel=alternate>",
    )


def test_homepage_headlines_when_no_feed_at_all_and_fetches_keep_every_reason(tmp_path, db):
    warc = _site(tmp_path, {"/": ("text/html; charset=utf-8", _home())})
    source = _source(tmp_path, [HOME + "rss.xml"])
    lists, memory = _crawl(tmp_path, warc, source)

    assert [(e.kind, e.list_id, e.url, e.status) for e in lists] == [
        ("feed", "rss", HOME + "rss.xml", 404),
        ("homepage", None, HOME, 200),
        ("listing", "rss", HOME, 200),
    ]
    assert lists[2].reason == (
        f"feed rss: no valid feed among its candidates nor the homepage's <link rel=alternate> "
        f"({HOME}rss.xml: HTTP 404): the homepage's headline lists instead"
    )
    assert not memory.exists()  # nothing worked: nothing remembered

    # the parse stage reads the stand-in listing without selectors, the homepage not at all
    records = list(_parsed_records(source, str(tmp_path / "day.warc.gz")))
    headlines = [r for kind, r in records if kind == "headline"]
    assert [(h["list_id"], h["list_kind"], h["position"], h["url"]) for h in headlines] == [
        ("rss", "listing", n, f"{HOME}news/1000{n}.html") for n in (1, 2, 3, 4)
    ]
    assert not [r for kind, r in records if kind == "refused"]

    # and the warehouse's fetches keep each choice with its reason
    fetches = [r for kind, r in records if kind == "fetch"]
    load_batch(db, source, date(2024, 9, 8), "mediamon_daily:2024-09-08", fetches=fetches,
               articles=[], headlines=[], quarantine=[], dq_results=[])  # fmt: skip
    with db.cursor() as cur:
        cur.execute("select kind, url, status, reason from fetches where kind <> 'article' "
                    "order by warc_offset")  # fmt: skip
        got = cur.fetchall()
    assert got == [(e.kind, e.url, e.status, e.reason) for e in lists]
    assert all(reason for *_, reason in got)
    assert fetch_record(lists[0])["reason"] == "feed rss: candidate 1 of 1 of the registry"


def test_a_homepage_listing_of_the_registry_stands_in_without_a_second_request(tmp_path):
    warc = _site(tmp_path, {"/": ("text/html; charset=utf-8", _home())})
    source = _source(tmp_path, [HOME + "rss.xml"], listings=[{"id": "front", "url": HOME}])
    lists, _ = _crawl(tmp_path, warc, source)

    assert [(e.kind, e.list_id, e.url) for e in lists] == [
        ("feed", "rss", HOME + "rss.xml"),
        ("homepage", None, HOME),
        ("listing", "front", HOME),
    ]
    assert lists[2].reason.endswith("the homepage's headline lists instead (listing front)")


def test_an_unreadable_memory_file_means_registry_order(tmp_path):
    warc = _site(tmp_path, {"/rss.xml": ("application/rss+xml", RSS)})
    source = _source(tmp_path, [HOME + "rss.xml"])
    memory = tmp_path / "feeds" / "news.json"
    memory.parent.mkdir()
    memory.write_text("{not json", encoding="utf-8")
    lists, _ = _crawl(tmp_path, warc, source)
    assert [(e.url, e.status) for e in lists] == [(HOME + "rss.xml", 200)]
    assert json.loads(memory.read_text(encoding="utf-8"))["rss"]["url"] == HOME + "rss.xml"
