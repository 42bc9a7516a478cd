"""Poison records: one hostile value in a capture never takes its source-day down.

A capture holding a JSON-LD headline with a lone surrogate, a feed whose items hold
surrogate character references, "zero" and absurd dates, invalid UTF-8 and NUL, a 6,000-
character title and an 8 KB URL goes through parse → validate → load on a real PostgreSQL.
Each such record is loaded with its repair flagged, or quarantined alone with its reason;
the rest of the day loads and reconciles (issue 19 items 2, 3, 5, 6).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from faultkit import (
    BODY,
    DAY,
    HTML,
    RSS,
    article_html,
    assert_reconciled,
    source_entry,
    write_registry,
)
from mediamon import batches, pipeline
from mediamon.fetch.warcstore import CaptureWriter

BASE = "http://poison.test"
AT = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
LONG_URL = f"{BASE}/news/" + "a" * 8192
LONG_TITLE = "Очень длинный заголовок " * 250  # 6,000 characters


def _item(title: str, path: str, date: str = "Sun, 08 Sep 2024 05:00:00 GMT") -> bytes:
    link = path if path.startswith("http") else BASE + path
    return (f"<item><title>{title}</title><link>{link}</link>"
            f"<pubDate>{date}</pubDate></item>").encode()  # fmt: skip


def _feed() -> bytes:
    items = [
        _item("Обычная новость", "/ok"),
        _item("Эмодзи &#55357;&#56832; в заголовке", "/emoji"),
        _item("Одинокий &#55296; суррогат", "/lone"),
        _item("Нулевая дата", "/zero", "0000-00-00T00:00:00Z"),
        _item("Первый год", "/year-one", "0001-01-01T00:00:00+05:00"),
        _item("Отрицательная эпоха", "/negative", "-1000000000"),
        _item("Пятизначный год", "/year-10000", "10000-01-01"),
        _item("Год ноль", "/year-0000", "Sun, 08 Sep 0000 05:00:00 GMT"),
        "<item><title>Битый ".encode()
        + b"\xff"
        + " байт</title>".encode()
        + f"<link>{BASE}/bad-utf8</link></item>".encode(),
        _item(LONG_TITLE, "/long-title"),
        _item("Длинный адрес", LONG_URL),
    ]
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>f</title>'
            + b"".join(items) + b"</channel></rss>")  # fmt: skip


def _surrogate_page() -> bytes:
    """An article whose JSON-LD headline is a lone surrogate escape (valid JSON)."""
    ld = (
        '{"@type": "NewsArticle", "headline": "Заголовок \\ud800 статьи", '
        '"datePublished": "2024-09-08T10:00:00+05:00", "author": "Айгерим Сапарова"}'
    )
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        f'<script type="application/ld+json">{ld}</script></head><body><article>'
        f"<div class='content'><p>{BODY}</p><p>{BODY}</p></div></article></body></html>"
    ).encode()


@pytest.fixture(scope="module")
def poisoned_day(module_env, module_db, tmp_path_factory):
    db = module_db[1]
    entries = [source_entry("poison", f"{BASE}/", f"{BASE}/rss.xml")]
    write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)
    path = batches.capture_path("poison", DAY)
    with CaptureWriter(path) as writer:
        writer.write_response(f"{BASE}/rss.xml", 200, "OK", RSS, _feed(), fetched_at=AT,
                              kind="feed", list_id="rss")  # fmt: skip
        for url, body in [
            (f"{BASE}/ok", article_html("Обычная новость")),
            (f"{BASE}/surrogate", _surrogate_page()),
            (LONG_URL, article_html("Статья с длинным адресом")),
        ]:
            writer.write_response(url, 200, "OK", HTML, body, fetched_at=AT, kind="article")
    loaded = pipeline.process_capture("poison", DAY, str(path), db)
    validated = batches.batch_dir("poison", DAY) / batches.VALIDATED
    records = list(batches.read_batch(validated))
    return db, loaded, records


def _headline(records, path: str) -> dict:
    (found,) = [r for k, r in records if k == "headline" and r["url"] == BASE + path]
    return found


def _quarantined(records) -> dict[tuple[str, str], list[str]]:
    """(record kind, URL) -> reasons of the validated batch's quarantine rows."""
    return {(r["record_kind"], r["record"]["url"]): r["reasons"]
            for k, r in records if k == "quarantine"}  # fmt: skip


def test_the_poisoned_day_loads_and_reconciles(poisoned_day):
    db, loaded, _ = poisoned_day
    assert loaded["articles"] == 2 and loaded["headlines"] == 9
    counts = assert_reconciled(db, "poison")
    assert counts == {"fetched": 4, "loaded": 3, "quarantined": 1, "refused": 0}


def test_a_lone_surrogate_in_json_ld_is_repaired_and_flagged(poisoned_day):
    db, _, records = poisoned_day
    with db.cursor() as cur:
        cur.execute("select title, parse_warnings from articles where url = %s",
                    (f"{BASE}/surrogate",))  # fmt: skip
        ((title, warnings),) = cur.fetchall()
    db.rollback()
    assert title == "Заголовок \ufffd статьи"
    assert "lone surrogates replaced by U+FFFD: 1" in warnings


def test_surrogate_references_in_a_feed_keep_the_feed(poisoned_day):
    _, _, records = poisoned_day
    emoji = _headline(records, "/emoji")
    assert emoji["title"] == "Эмодзи 😀 в заголовке"
    assert emoji["warnings"] == [
        "character references to a surrogate pair joined into its character"
    ]
    lone = _headline(records, "/lone")
    assert lone["title"] == "Одинокий \ufffd суррогат"
    # (a U+FFFD cannot say where it came from: this feed also has an invalid byte)
    assert "character reference to a lone surrogate replaced by U+FFFD" in lone["warnings"]


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/zero", "0000-00-00T00:00:00Z"),
        ("/year-one", "0001-01-01T00:00:00+05:00"),
        ("/negative", "-1000000000"),
        ("/year-10000", "10000-01-01"),
        ("/year-0000", "Sun, 08 Sep 0000 05:00:00 GMT"),
    ],
)
def test_an_absurd_date_is_refused_and_the_item_kept(poisoned_day, path, raw):
    db, _, records = poisoned_day
    item = _headline(records, path)
    assert item["title"] and item["published_at"] is None and item["date_flag"] == "unparsed"
    reason = f"date refused, none kept: {raw!r} is no date between 1900 and 2100"
    assert item["warnings"] == [reason]
    with db.cursor() as cur:  # in the warehouse too
        cur.execute("select published_at, date_flag, parse_warnings from headlines "
                    "where url = %s", (BASE + path,))  # fmt: skip
        assert cur.fetchall() == [(None, "unparsed", [reason])]
    db.rollback()


def test_invalid_utf8_in_a_feed_is_replaced_and_flagged(poisoned_day):
    _, _, records = poisoned_day
    item = _headline(records, "/bad-utf8")
    assert item["title"] == "Битый \ufffd байт"
    assert "text repaired: invalid UTF-8: 1 byte(s) replaced with U+FFFD" in item["warnings"]
    ok = _headline(records, "/ok")  # the rest of the feed is not read as another code page
    assert ok["title"] == "Обычная новость" and not ok.get("warnings")


def test_keys_too_long_to_index_are_quarantined_alone(poisoned_day):
    db, _, records = poisoned_day
    reasons = _quarantined(records)
    assert reasons[("article", LONG_URL)] == [
        f"too long to index: canonical URL of {len(LONG_URL)} bytes (at most 2000)"
    ]
    for url in (LONG_URL, f"{BASE}/long-title"):
        (reason,) = reasons[("headline", url)]
        assert reason.startswith("too long to index: source, list, canonical URL and title")
    with db.cursor() as cur:
        cur.execute("select record_kind, length(record_key), reasons from quarantine "
                    "where source_id = 'poison' order by record_kind")  # fmt: skip
        rows = cur.fetchall()
    db.rollback()
    assert [(kind, n <= 1000) for kind, n, _ in rows] == [("article", True), ("headline", True),
                                                           ("headline", True)]  # fmt: skip


def test_nul_in_a_feed_title_is_flagged_on_the_item(module_env, tmp_path):
    from mediamon.parse import parse_feed
    from mediamon.pipeline import get_source

    body = _feed().replace("Обычная новость".encode(), "Обычная\x00новость".encode())
    result = parse_feed(body, f"{BASE}/rss.xml", source=get_source("poison"), list_id="rss",
                        fetched_at=AT)  # fmt: skip
    (item,) = [h for h in result.headlines if h["url"] == f"{BASE}/ok"]
    assert item["title"] == "Обычнаяновость"
    assert item["warnings"] == ["NUL characters removed (PostgreSQL text refuses U+0000): 1"]
    json.dumps(item, default=str).encode("utf-8")


def test_a_record_the_warehouse_refuses_is_quarantined_alone(poisoned_day):
    """Poison isolation at the load: a validated batch (say, written by another version)
    holding an article that breaks a check constraint and a headline whose position is out of
    range for its column loads everything else, those two quarantined with the server's
    reason."""
    db, _, _ = poisoned_day
    path = batches.batch_dir("poison", DAY) / batches.VALIDATED
    lines = path.read_text(encoding="utf-8").splitlines()
    spoiled = {"article": False, "headline": False}
    for n, line in enumerate(lines):
        kind, record = json.loads(line)
        if kind == "article" and not spoiled["article"]:
            record["byline_kind"] = "robot"
        elif kind == "headline" and not spoiled["headline"]:
            record["position"] = 10**20
        else:
            continue
        spoiled[kind] = True
        lines[n] = json.dumps([kind, record], ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = pipeline.load_stage("poison", DAY, str(path), db)
    assert (loaded["articles"], loaded["headlines"]) == (1, 8)
    records = list(batches.read_batch(path))
    reasons = [r["reasons"][0] for k, r in records if k == "quarantine"
               and r["reasons"][0].startswith("load refused")]  # fmt: skip
    assert sorted(r.split(":")[1].strip() for r in reasons) == [
        "CheckViolation",
        "NumericValueOutOfRange",
    ]
    counts = assert_reconciled(db, "poison")
    assert counts == {"fetched": 4, "loaded": 2, "quarantined": 2, "refused": 0}


def test_a_record_that_makes_validation_raise_is_quarantined_alone(poisoned_day):
    """Poison isolation at validation: a parsed batch holding a headline whose title is a
    list and an article whose date is no date (a batch from another version) validates and
    loads everything else."""
    db, _, _ = poisoned_day
    capture = str(batches.capture_path("poison", DAY))
    parsed = batches.batch_dir("poison", DAY) / batches.PARSED
    pipeline.parse_stage("poison", DAY, capture)
    lines = parsed.read_text(encoding="utf-8").splitlines()
    spoiled = {"article": False, "headline": False}
    for n, line in enumerate(lines):
        kind, record = json.loads(line)
        if kind == "article" and not spoiled["article"]:
            record["published_at"] = "2024-13-01"
        elif kind == "headline" and not spoiled["headline"]:
            record["title"] = ["not", "a", "title"]
        else:
            continue
        spoiled[kind] = True
        lines[n] = json.dumps([kind, record], ensure_ascii=False)
    parsed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    validated = pipeline.validate_stage("poison", DAY, str(parsed))
    loaded = pipeline.load_stage("poison", DAY, validated, db)
    assert (loaded["articles"], loaded["headlines"]) == (1, 8)
    reasons = [r["reasons"][0] for k, r in batches.read_batch(Path(validated))
               if k == "quarantine" and r["reasons"][0].startswith("validation error")]  # fmt: skip
    assert len(reasons) == 2
    counts = assert_reconciled(db, "poison")
    assert counts == {"fetched": 4, "loaded": 2, "quarantined": 2, "refused": 0}
