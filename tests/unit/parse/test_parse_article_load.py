"""A parsed article's extraction fields reach PostgreSQL (migration 0002 + the loader)."""

from datetime import UTC, date, datetime

from mediamon.load.loader import load_batch
from mediamon.parse import parse_article
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
PAGE = """<html lang="ru"><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-09-06T10:00:00+05:00"></head><body>
<h1>Маслихат одобрил поправки</h1><div class="byline">Пресс-служба акимата</div>
<time datetime="2024-09-04T10:00:00+05:00">4 сентября</time>
<p>Депутаты маслихата обсудили поправки в бюджет города и решили направить часть средств
на ремонт школ и поликлиник в старых районах.</p></body></html>"""


def test_extraction_fields_are_loaded_and_reloading_converges(db):
    source = make_source(homepage="https://example.kz/", sid="example")
    url = "https://example.kz/news/1/"
    rec = parse_article(
        PAGE.encode(), url, source=source, fetched_at=FETCHED,
        content_type="text/html; charset=windows-1251",
    )  # fmt: skip
    rec["fetched_at"] = FETCHED
    batch = {"fetches": [], "headlines": [], "quarantine": [], "dq_results": []}
    for _ in range(2):
        load_batch(db, source, date(2024, 9, 8), "r", articles=[rec], **batch)
    with db.cursor() as cur:
        cur.execute(
            "select byline_kind, authors_status, published_at_reason, dates_disagree, "
            "published_at_alt_source, encoding_repaired, encoding, title_language, "
            "parse_warnings <> '{}' from articles"
        )
        rows = cur.fetchall()
    assert rows == [("press_service", "editorial", None, True, "time", True, "utf-8", "ru", True)]


def test_no_date_reason_is_stored(db):
    source = make_source(homepage="https://example.kz/", sid="example")
    rec = parse_article(
        "<html><body><h1>Без даты</h1><p>Текст.</p></body></html>".encode(),
        "https://example.kz/news/2021/04/92713", source=source, fetched_at=FETCHED,
    )  # fmt: skip
    rec["fetched_at"] = FETCHED
    batch = {"fetches": [], "headlines": [], "quarantine": [], "dq_results": []}
    load_batch(db, source, date(2024, 9, 8), "r", articles=[rec], **batch)
    with db.cursor() as cur:
        cur.execute("select published_at, published_at_reason, byline_kind from articles")
        (row,) = cur.fetchall()
    assert row[0] is None and "2021-04" in row[1] and row[2] is None
