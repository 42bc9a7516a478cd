"""parse_feed on hand-written feeds: encodings, namespaces, dates and zones, refusals."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from mediamon.parse.dates import feed_date
from mediamon.parse.feed import parse_feed, sniff_encoding
from support import make_source

ALMATY = ZoneInfo("Asia/Almaty")
FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
TITLE = "Маслихат Алматы одобрил поправки в бюджет"


def _rss(title=TITLE, date="Sun, 08 Sep 2024 10:00:00 +0500", prolog='<?xml version="1.0"?>',
         root='<rss version="2.0">'):  # fmt: skip
    return (
        f"{prolog}{root}<channel><title>Лента</title><link>https://exclusive.kz/</link>"
        f"<item><title>{title}</title><link>https://exclusive.kz/a/1</link>"
        f"<pubDate>{date}</pubDate></item></channel></rss>"
    )


def _parse(body: bytes, tz="Asia/Almaty"):
    return parse_feed(body, "https://exclusive.kz/rss.xml", source=make_source(tz=tz),
                      list_id="rss", fetched_at=FETCHED)  # fmt: skip


@pytest.mark.parametrize(
    ("encoding", "prolog", "how"),
    [
        ("windows-1251", '<?xml version="1.0" encoding="windows-1251"?>', "declared"),
        ("koi8-r", '<?xml version="1.0"?>', "undeclared, detected koi8-r"),
        ("windows-1251", "", "undeclared, detected cp1251"),
        ("utf-8", '<?xml version="1.0" encoding="utf-8"?>', "declared"),
    ],
)
def test_cyrillic_encodings(encoding, prolog, how):
    body = _rss(prolog=prolog).encode(encoding)
    assert sniff_encoding(body)[1] == how
    result = _parse(body)
    assert result.refused_reason is None
    (item,) = result.headlines
    assert item["title"] == TITLE
    assert result.feed["title"] == "Лента"
    assert result.feed["encoding"] is not None


def test_latin1_without_declaration():
    body = _rss(title="Notícias de São Paulo: ação é já").replace("Лента", "Feed").encode("latin-1")
    result = _parse(body)
    assert result.headlines[0]["title"] == "Notícias de São Paulo: ação é já"
    assert "encoding: undeclared, detected latin-1" in result.warnings


def test_utf16_with_bom():
    body = codecs.BOM_UTF16_LE + _rss(prolog='<?xml version="1.0" encoding="utf-16"?>').encode(
        "utf-16-le"
    )
    assert _parse(body).headlines[0]["title"] == TITLE


@pytest.mark.parametrize(
    "root",
    [
        '<rss version="2.0" xmlns="http://backend.userland.com/rss2">',
        '<rss version="2.0" xmlns:yandex="news.yandex.ru">',
        '<rss version="2.0" xmlns="news.yandex.ru">',
    ],
)
def test_default_and_non_uri_namespaces_keep_items(root):
    assert len(_parse(_rss(root=root).encode()).headlines) == 1


@pytest.mark.parametrize(
    ("raw", "expected", "flag"),
    [
        ("Пн, 25 июн 2018 11:41:36 +0300", datetime(2018, 6, 25, 8, 41, 36, tzinfo=UTC), None),
        ("Thu, 19 Jan 2023 10:45:00 +03", datetime(2023, 1, 19, 7, 45, tzinfo=UTC), None),
        # localized weekday, no zone: the source's zone (UTC+6 in 2018), flagged
        ("Mo, 25 Jun 2018 11:41:36", datetime(2018, 6, 25, 5, 41, 36, tzinfo=UTC),
         "zone_assumed"),
        # ALMT, which feedparser reads as UTC without a word: +06:00 in 2018, +05:00 since 2024
        ("Mon, 25 Jun 2018 11:41:36 ALMT", datetime(2018, 6, 25, 5, 41, 36, tzinfo=UTC), None),
        ("Sun, 08 Sep 2024 10:00:00 ALMT", datetime(2024, 9, 8, 5, 0, tzinfo=UTC), None),
        ("Thu,28 Jul 2022 4:35:5 GMT+9", datetime(2022, 7, 27, 19, 35, 5, tzinfo=UTC), None),
        ("Сб, 07 сен 2024 09:15:00", datetime(2024, 9, 7, 4, 15, tzinfo=UTC), "zone_assumed"),
        ("2024-09-08T10:00:00+05:00", datetime(2024, 9, 8, 5, 0, tzinfo=UTC), None),
        ("2024-09-08 10:00", datetime(2024, 9, 8, 5, 0, tzinfo=UTC), "zone_assumed"),
    ],
)  # fmt: skip
def test_feed_dates(raw, expected, flag):
    got, got_flag = feed_date(raw, "Asia/Almaty")
    assert got == expected
    assert got_flag == flag


def test_item_without_zone_is_flagged_on_the_headline():
    (item,) = _parse(_rss(date="Mo, 25 Jun 2018 11:41:36").encode()).headlines
    assert item["published_at"] == datetime(2018, 6, 25, 11, 41, 36, tzinfo=ALMATY)
    assert item["published_at_assumed_zone"] is True and item["date_flag"] == "zone_assumed"
    assert item["published_raw"] == "Mo, 25 Jun 2018 11:41:36"
    (zoned,) = _parse(_rss(date="Mon, 25 Jun 2018 11:41:36 ALMT").encode()).headlines
    assert zoned["published_at"].utcoffset() == timedelta(hours=6)
    assert zoned["published_at_assumed_zone"] is False and zoned["date_flag"] is None


def test_unparsable_date_is_flagged_and_warned():
    result = _parse(_rss(date="когда-то давно").encode())
    (item,) = result.headlines
    assert item["published_at"] is None and item["date_flag"] == "unparsed"
    assert any("unparsed date" in w for w in result.warnings)


def test_html_page_is_refused():
    body = b"<!DOCTYPE html><html><head><title>Moved</title></head><body>moved</body></html>"
    result = _parse(body)
    assert result.refused_reason == "not a feed: HTML page" and result.headlines == []


def test_bozo_feed_keeps_items_and_says_why():
    body = _rss().encode().replace(b"</channel></rss>", b"<item><title>broken & bad</title>")
    result = _parse(body)
    assert len(result.headlines) >= 1
    assert any(w.startswith("bozo: SAXParseException") for w in result.warnings)


def test_two_digit_offset_keeps_offset():
    (item,) = _parse(_rss(date="Thu, 19 Jan 2023 10:45:00 +03").encode()).headlines
    assert item["published_at"].utcoffset() == timedelta(hours=3)
    assert item["published_at"].tzinfo == timezone(timedelta(hours=3))


def test_every_fixture_feed_loads_or_says_why():
    """bench/feeds_report.py over ../shared/fixtures/real: no silent empty success."""
    import importlib.util

    from support import REAL_FIXTURES, ROOT

    if not (REAL_FIXTURES / "MANIFEST.tsv").exists():
        pytest.skip(f"real fixtures absent: {REAL_FIXTURES}")
    spec = importlib.util.spec_from_file_location("feeds_report", ROOT / "bench/feeds_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = {r["feed"].rsplit("/", 1)[-1]: r for r in module.report(REAL_FIXTURES)}
    assert len(rows) == 31
    for name, row in rows.items():
        assert row["items"] or row["why"], name  # loaded, or a reason
    assert rows["unrecognized.rss"]["verdict"] == "refused"
    assert rows["rss_empty_document.xml"]["verdict"] == "refused: no items"
    assert "no feed format recognised" in rows["rss_empty_document.xml"]["why"]
    assert rows["stub_pravda_rss.xml"]["items"] == 20
    assert rows["real-korean-times.rss"]["items"] == 195
    assert rows["real-korean-times.rss"]["no_date"] == 0  # "Thu,28 Jul 2022 4:35:5 GMT+9"
    assert rows["uolNoticias.rss"]["encoding"] == "cp1252"  # Latin-1, undeclared
    assert rows["windows1255.xml"]["encoding"] == "cp1255"
    assert sum(r["items"] for r in rows.values()) == 557
