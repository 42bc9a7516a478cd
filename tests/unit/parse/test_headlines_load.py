"""Headlines in the warehouse: normalized titles, revisions kept, flags, idempotent reloads."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mediamon.config import Source
from mediamon.load.loader import load_batch
from mediamon.pipeline import label_headline
from mediamon.text.normalize import normalize_title

SOURCE = Source(
    id="demo", name="Exclusive", homepage="https://exclusive.kz/", languages=("ru", "kk"),
    timezone="Asia/Almaty", first_year=2010, hosts=("exclusive.kz", "www.exclusive.kz"),
)  # fmt: skip
URL = "https://exclusive.kz/news/1"


def _headline(title, position=1, published_at=None, flag=None):
    return {
        "list_id": "rss", "list_kind": "feed", "url": URL, "canonical_url": URL,
        "position": position, "title": title, "byline": None, "published_at": published_at,
        "date_flag": flag, "published_at_assumed_zone": flag == "zone_assumed",
    }  # fmt: skip


def _load(conn, day, headlines):
    """Load ``headlines`` as the validate stage hands them over (labelled)."""
    return load_batch(
        conn, SOURCE, day, f"mediamon_daily:{day}", fetches=[], articles=[],
        headlines=[label_headline(h, SOURCE, day) for h in headlines], quarantine=[],
        dq_results=[],
    )  # fmt: skip


def _rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        out = cur.fetchall()
    conn.rollback()
    return out


def test_normalize_title():
    names = ["Exclusive", "exclusive.kz"]
    assert normalize_title("Мнение: «Ёлка» — в Астане | Exclusive.kz", names) == '"елка" - в астане'
    assert normalize_title("ВИДЕО: Тенге – вниз", names) == "тенге - вниз"
    assert normalize_title("Пікір:  Жаңа  кітапхана", names) == "жаңа кітапхана"
    assert normalize_title("Цены — выросли на 61%", names) == "цены - выросли на 61%"
    assert normalize_title("Exclusive.kz", names) == "exclusive.kz"  # never empty
    assert normalize_title(None) is None and normalize_title("  ") is None


def test_title_change_is_a_revision_and_reloads_converge(db):
    d1, d2 = date(2024, 9, 7), date(2024, 9, 8)
    t1 = datetime(2024, 9, 7, 10, 0, tzinfo=UTC)
    _load(db, d1, [_headline("Мнение: Тенге падает | Exclusive", 3, t1, "zone_assumed")])
    _load(db, d2, [_headline("Тенге падает третий день", 1)])
    _load(db, d1, [_headline("Мнение: Тенге падает | Exclusive", 3, t1, "zone_assumed")])
    (row,) = _rows(
        db, "select title, title_normalized, last_position, published_at, date_flag, "
            "published_at_assumed_zone, first_seen_day, last_seen_day from headlines",
    )  # fmt: skip
    # the newest day's title and position win, even though day 1 was loaded again last
    assert row == ("Тенге падает третий день", "тенге падает третий день", 1, t1,
                   "zone_assumed", True, d1, d2)  # fmt: skip
    revisions = _rows(
        db, "select title, title_normalized, first_seen_day, last_seen_day "
            "from headline_revisions order by first_seen_day",
    )  # fmt: skip
    assert revisions == [
        ("Мнение: Тенге падает | Exclusive", "тенге падает", d1, d1),
        ("Тенге падает третий день", "тенге падает третий день", d2, d2),
    ]
    assert _rows(db, "select language from headlines") == [("ru",)]
    kazakh = {**_headline("Шымкентте жаңа кітапхана ашылды", 2), "canonical_url": URL + "kk",
              "url": URL + "kk"}  # fmt: skip
    _load(db, d2, [_headline("Тенге падает третий день", 1), kazakh])
    assert _rows(db, f"select language from headlines where url = '{URL}kk'") == [("kk",)]
    sightings = _rows(
        db, "select day, position, title_normalized from sightings order by day, position"
    )
    assert sightings == [
        (d1, 3, "тенге падает"),
        (d2, 1, "тенге падает третий день"),
        (d2, 2, "шымкентте жаңа кітапхана ашылды"),
    ]
    before = {t: _rows(db, f"select * from {t} order by 1, 2, 3, 4") for t in
              ("headlines", "headline_revisions", "sightings")}  # fmt: skip
    _load(db, d1, [_headline("Мнение: Тенге падает | Exclusive", 3, t1, "zone_assumed")])
    _load(db, d2, [_headline("Тенге падает третий день", 1), kazakh])
    after = {t: _rows(db, f"select * from {t} order by 1, 2, 3, 4") for t in before}
    assert after == before
