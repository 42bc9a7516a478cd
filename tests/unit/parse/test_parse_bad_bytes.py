"""Bad bytes (issue 8): every case gives a clean record with a warning saying what was wrong,
never an exception; the record's strings are safe for PostgreSQL ``text``.

Pages are small inventions of this test, not copies of real pages.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from mediamon.load.loader import load_batch
from mediamon.parse import parse_article
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
URL = "https://exclusive.kz/news/bad-bytes/"


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<html lang="ru"><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{body}</p></body></html>"
    )


def _parse(data: bytes, content_type: str | None = None) -> dict:
    rec = parse_article(
        data, URL, source=make_source(), fetched_at=FETCHED, content_type=content_type
    )
    # every string is storable and serialisable: no NUL, no lone surrogate
    dumped = json.dumps(rec, default=str, ensure_ascii=False)
    assert "\\u0000" not in dumped and "\x00" not in dumped
    dumped.encode("utf-8")
    return rec


def _warned(rec: dict, words: str) -> bool:
    return any(words in w for w in rec["warnings"])


BODY = "Депутаты обсудили новый бюджет города и решили отремонтировать школы в старых районах."


def test_nul_in_title_and_body_is_stripped_and_flagged():
    rec = _parse(_page("Бюджет\x00 города", BODY.replace("новый", "но\x00вый")).encode())
    assert rec["title"] == "Бюджет города"
    assert "новый бюджет" in rec["body_text"]
    assert _warned(rec, "NUL characters stripped: 3")


def test_nul_escaped_in_json_ld_is_stripped_and_flagged():
    ld = {"@type": "NewsArticle", "headline": "Бюджет\u0000 города", "author": "Ан\u0000на Ли"}
    page = (
        f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><p>{BODY}</p></body></html>"
    )
    rec = _parse(page.encode())
    assert rec["title"] == "Бюджет города" and rec["authors"] == ["Анна Ли"]
    assert _warned(rec, "NUL characters stripped from title, authors")


def test_nul_stripped_record_loads_into_postgresql(db):
    rec = _parse(_page("Бюджет\x00 города", BODY).encode())
    rec["fetched_at"] = FETCHED
    batch = {"fetches": [], "headlines": [], "quarantine": [], "dq_results": []}
    load_batch(db, make_source(), date(2024, 9, 8), "r", articles=[rec], **batch)
    with db.cursor() as cur:
        cur.execute("select title, parse_warnings from articles")
        ((title, warnings),) = cur.fetchall()
    assert title == "Бюджет города" and any("NUL" in w for w in warnings)


def test_invalid_utf8_is_replaced_not_read_as_another_code_page():
    data = _page("Бюджет города", BODY).encode().replace("обсудили".encode(), b"\xff\xfe")
    rec = _parse(data)
    assert rec["title"] == "Бюджет города"  # not mojibake from a guessed code page
    assert rec["encoding"] == "utf-8" and rec["encoding_repaired"]
    assert "Депутаты \ufffd\ufffd новый бюджет" in rec["body_text"]
    assert _warned(rec, "invalid UTF-8: 2 byte(s)")


def test_windows_1251_byte_0x98_decodes():
    data = _page("Бюджет города", BODY, charset="windows-1251").encode("cp1251")
    data = data.replace("школы".encode("cp1251"), "школы".encode("cp1251") + b"\x98")
    rec = _parse(data, "text/html; charset=windows-1251")
    assert rec["title"] == "Бюджет города" and "отремонтировать школы в" in rec["body_text"]
    assert not any("\u0080" <= ch <= "\u009f" for ch in rec["body_text"])


def test_mixed_encodings_in_one_page_each_part_decoded():
    head = _page("Бюджет города", BODY).encode()
    tail = "<p>Вторая часть текста пришла из старого шаблона.</p>".encode("cp1251")
    data = head.replace(b"</body>", tail + b"</body>")
    rec = _parse(data)
    assert rec["title"] == "Бюджет города"
    assert "Вторая часть текста пришла из старого шаблона." in rec["body_text"]
    assert "новый бюджет" in rec["body_text"]
    assert rec["encoding_repaired"] and _warned(rec, "mixed encodings")


def test_ten_megabytes_of_nested_tags_is_bounded():
    depth = 1_000_000  # 11 MB of <div>: libxml2 flattens nesting past 256 levels
    data = (
        (
            "<html><head><title>Глубокая вложенность</title></head><body><h1>Глубокая вложенность"
            "</h1>"
        ).encode()
        + b"<div>" * depth
        + BODY.encode()
        + b"</div>" * depth
    )
    assert len(data) > 10_000_000
    rec = _parse(data)  # no RecursionError, no MemoryError
    assert rec["title"] == "Глубокая вложенность"


def test_empty_200_response_gives_a_record_that_says_so():
    rec = _parse(b"")
    assert rec["title"] is None and rec["body_text"] == "" and rec["published_at"] is None
    assert _warned(rec, "empty response: 0 byte(s)")
    assert _warned(rec, "no article text found")


def test_html_without_body_keeps_what_the_head_says():
    data = (
        b"<html><head><title>Only a head</title>"
        b'<meta property="article:published_time" content="2024-09-07T10:00:00+05:00">'
        b"</head></html>"
    )
    rec = _parse(data)
    assert rec["title"] == "Only a head"
    assert rec["published_at"].isoformat() == "2024-09-07T10:00:00+05:00"
    assert rec["body_text"] == "" and _warned(rec, "no article text found")


def test_feed_and_listing_with_too_many_tags_are_refused_with_a_reason():
    from types import SimpleNamespace

    from mediamon.parse import parse_feed, parse_listing

    data = b"<rss version='2.0'><channel>" + b"<x>" * 150_000
    src = make_source()
    feed = parse_feed(data, "https://exclusive.kz/feed/", source=src, list_id="rss",
                      fetched_at=FETCHED)  # fmt: skip
    assert feed.headlines == [] and "150002 tags" in feed.refused_reason
    listing = SimpleNamespace(id="news", selectors={"item": "li", "title": "a", "link": "a"})
    result = parse_listing(b"<ul>" + b"<li>" * 150_000, "https://exclusive.kz/news/",
                           source=src, listing=listing, fetched_at=FETCHED)  # fmt: skip
    assert result.headlines == [] and "tags" in result.skipped[0]["reason"]


def test_feed_item_with_nul_in_its_link_and_title_is_cleaned():
    from mediamon.parse import parse_feed

    data = (
        b"<rss version='2.0'><channel><item><title>Bud\x00get</title>"
        b"<link>https://exclusive.kz/news/a\x00b</link></item></channel></rss>"
    )
    feed = parse_feed(data, "https://exclusive.kz/feed/", source=make_source(), list_id="rss",
                      fetched_at=FETCHED)  # fmt: skip
    assert json.dumps([feed.headlines, feed.warnings], default=str).count("\\u0000") == 0
    assert any("NUL" in w for w in feed.warnings)
