"""The body's line reading (parse/article/lines.py): stories printed as ``<br>``-separated
lines or bare ``<div>`` text, read without trafilatura; and the paragraph reading's
treatment of CJK paragraphs and ruby annotations."""

from datetime import UTC, datetime

from mediamon.parse import parse_article
from mediamon.parse.article.lines import line_text
from mediamon.parse.article.page import Page
from support import make_source

FETCHED = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
URL = "https://exclusive.kz/news/2024/09/08/shkoly.html"
LINES = [
    f"Строка {i}: депутаты мажилиса обсудили поправки в бюджет и решили направить часть "
    "средств на ремонт школ и поликлиник в старых районах города."
    for i in range(4)
]
MENU = "".join(f'<li><a href="/r/{i}">Раздел {i}</a></li>' for i in range(5))


def html(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Школы</title>'
        f"</head><body><nav><ul>{MENU}</ul></nav>{body}<footer><p>© Редакция, все права "
        "защищены, перепечатка запрещена.</p></footer></body></html>"
    )


def record(body: str) -> dict:
    return parse_article(html(body).encode(), URL, source=make_source(), fetched_at=FETCHED)


def test_br_separated_story_in_one_paragraph_is_read_line_by_line():
    lines = "<br>".join(f"<b>{LINES[0][:7]}</b>{LINES[0][7:]}" if i == 0 else line
                        for i, line in enumerate(LINES))  # fmt: skip
    rec = record(f"<article><h1>Школы отремонтируют</h1><p>{lines}</p></article>")
    assert rec["body_source"] == "density"
    assert rec["body_text"].split("\n\n") == LINES


def test_story_as_div_text_with_a_figure_among_its_lines():
    body = (
        '<div class="story"><h1>Школы отремонтируют</h1><div class="text">'
        f"{LINES[0]}<br><br>{LINES[1]}<figure><img src=x.jpg><figcaption>Фото: пресс-служба"
        f"</figcaption></figure>{LINES[2]}<br>{LINES[3]}<br><span>Поделиться</span></div></div>"
    )
    page = Page(html(body), URL, make_source(), FETCHED)
    assert line_text(page).split("\n\n") == LINES


def test_line_reading_refuses_a_page_of_short_lines():
    body = '<div class="text">' + "<br>".join(f"Раздел номер {i}" for i in range(30)) + "</div>"
    assert line_text(Page(html(body), URL, make_source(), FETCHED)) == ""


def test_cjk_paragraphs_without_spaces_are_text_and_ruby_readings_are_not():
    paragraphs = [
        "子どもへの虐待をなくすための法律ができて、親が子どもを教育するために、体罰を禁止する"
        f"ことになりました。第{i}段落の文章です。" * 2
        for i in range(4)
    ]
    ruby = paragraphs[0].replace("法律", "<ruby>法律<rt>ほうりつ</rt></ruby>", 1)
    story = "".join(f"<p>{p}</p>" for p in [ruby, *paragraphs[1:]])
    rec = record(f"<article><h1>体罰を禁止する法律</h1><div class=body>{story}</div></article>")
    assert rec["body_source"] == "density"
    assert rec["body_text"].split("\n\n") == paragraphs
