"""The body's own extractor (parse/article/density.py): the story's container by text and link
density, what it leaves out, and the strength test that sends a weak candidate to trafilatura."""

from datetime import UTC, datetime

from mediamon.parse import parse_article
from mediamon.parse.article.density import dense_text
from mediamon.parse.article.page import Page
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
URL = "https://exclusive.kz/news/2024/09/08/shkoly.html"
STORY = [
    f"Абзац {i}: депутаты мажилиса обсудили поправки в бюджет и решили направить часть "
    "средств на ремонт школ и поликлиник в старых районах города."
    for i in range(5)
]
LEAD = "Депутаты решили, куда пойдут деньги, сэкономленные на закупках этого года, и когда."
SIDEBAR = "".join(
    f'<li><a href="/news/{i}.html">Другая новость номер {i} о городских делах</a></li>'
    for i in range(3)
)


def page(body: str) -> Page:
    html = (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Школы</title>'
        f"</head><body>{body}</body></html>"
    )
    return Page(html, URL, make_source(), FETCHED)


def story_page() -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY[1:])
    return (
        f"<main><article><header><h1>Школы отремонтируют</h1><p>{LEAD}</p></header>"
        '<div class="text"><p>Абзац 0: депутаты мажилиса обсудили поправки '
        "в <b>бюд</b>жет и решили направить часть средств на ремонт школ и поликлиник в "
        "старых районах города.</p>"
        f"{paragraphs}"
        "<figure><img src=x.jpg><figcaption>Фото: пресс-служба акимата</figcaption></figure>"
        '<div class="more"><h3>Читайте ещё</h3><ul>'
        f"{SIDEBAR}</ul></div><p>Поделиться</p></div></article></main>"
    )


def test_strong_container_gives_the_story_with_its_lead_and_without_the_rest():
    text = dense_text(page(story_page()))
    assert text.split("\n\n") == [LEAD, *STORY]  # "бюд<b>жет</b>" read as one word


def test_parse_article_records_the_rule():
    rec = parse_article(
        f"<html><head><title>Школы</title></head><body>{story_page()}</body></html>".encode(),
        URL,
        source=make_source(),
        fetched_at=FETCHED,
    )
    assert rec["body_source"] == "density"
    assert rec["body_text"].split("\n\n") == [LEAD, *STORY]


def test_story_in_br_lines_is_weak():
    lines = "<br>".join(STORY)
    body = f"<article><h1>Школы</h1><div class='text'>{lines}<p>{STORY[0]}</p></div></article>"
    assert dense_text(page(body)) == ""


def test_paragraphs_spread_over_the_page_are_weak():
    half = "".join(f"<p>{p}</p>" for p in STORY[:3])
    other = "".join(f"<p>{p}</p>" for p in STORY[3:])
    body = f"<div><div><div>{half}</div></div></div><section><div>{other}</div></section>"
    assert dense_text(page(body)) == ""


def test_a_teaser_list_is_no_story():
    assert dense_text(page(f"<div><ul>{SIDEBAR * 3}</ul><p>{STORY[0]}</p></div>")) == ""


def test_readers_comments_do_not_make_the_story_weak():
    comments = "".join(
        f'<div class="sf_comment_text"><p>Комментарий {i}: {STORY[i]}</p></div>' for i in range(4)
    )
    text = dense_text(page(f"{story_page()}<div class=discussion>{comments}</div>"))
    assert text.split("\n\n") == [LEAD, *STORY]
