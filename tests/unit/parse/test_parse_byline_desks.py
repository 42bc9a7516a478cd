"""Bylines that name the outlet's own desk after the author ("von A, MDR THÜRINGEN") and
bylines that end in a dateline ("Von A, Lille"), each on a small page or string written for
the test (the real pages that showed the class are only measured, in bench/bench_fundus.py)."""

from __future__ import annotations

from mediamon.parse import parse_article
from support import STORY_FETCHED as FETCHED
from support import STORY_TEXT as TEXT
from support import STORY_URL as URL
from support import make_source


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
