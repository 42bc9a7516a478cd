"""Bylines that name the outlet's own desk after the author ("von A, MDR THÜRINGEN") and
bylines that end in a dateline ("Von A, Lille"), each on a small page or string written for
the test (the real pages that showed the class are only measured, in bench/bench_fundus.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from mediamon.parse import parse_article
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
URL = "https://example.kz/news/2024/09/07/story/"
TEXT = (
    "<p>Городской совет обсудил план ремонта дорог на следующий год и решил начать с окраин, "
    "где жалоб больше всего.</p><p>Работы начнутся весной, подрядчиков выберут на открытом "
    "конкурсе, а итоги будут опубликованы на сайте акимата.</p>"
)


def parse(byline: str) -> dict:
    html = (
        '<html lang="ru"><head><meta charset="utf-8"></head><body><article>'
        f"<h1>Ремонт начнут с окраин</h1><p class='byline'>{byline}</p>{TEXT}</article>"
        "</body></html>"
    )
    source = make_source(homepage="https://example.kz/", sid="example")
    return parse_article(html.encode(), URL, source=source, fetched_at=FETCHED)


def test_the_outlets_desk_after_the_author_is_not_a_second_author():
    rec = parse("Автор: Анна Ким, EXAMPLE АЛМАТЫ")
    assert rec["authors"] == ["Анна Ким"] and rec["byline_kind"] == "person"


def test_a_person_whose_first_word_is_not_the_outlets_name_stays():
    rec = parse("Автор: Анна Ким, Олег Example")
    assert rec["authors"] == ["Анна Ким", "Олег Example"]
