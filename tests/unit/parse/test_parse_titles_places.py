"""Titles where the page's title places disagree with its <h1>: an <h1> that is only the
breadcrumb's last item (an SEO wording, small) while the headline is printed large in an <h2>
of the article header, often after a kicker in an element of its own; and a kicker that every
metadata place prints before the <h1>'s words. Each on a small page written for the test (the
real pages that showed the class are only measured, in bench/bench_fundus.py)."""

from __future__ import annotations

import json

from mediamon.parse import parse_article
from support import STORY_FETCHED as FETCHED
from support import STORY_TEXT as TEXT
from support import STORY_URL as URL
from support import make_source

SEO = "Ремонт дорог начнут с окраин, где больше всего жалоб"
HEAD = "Ремонт начнут с окраин"


def parse(html: str) -> dict:
    source = make_source(homepage="https://example.kz/", sid="example")
    return parse_article(html.encode(), URL, source=source, fetched_at=FETCHED)


def page(og: str, crumb: str, h2: str) -> str:
    """JSON-LD headline and <title> print the SEO wording; og:title is given."""
    ld = {"@type": "NewsArticle", "headline": SEO}
    return (
        f'<html lang="ru"><head><meta charset="utf-8"><title>{SEO}</title>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f'<meta property="og:title" content="{og}"></head>'
        f"<body>{crumb}<article><header>{h2}</header>{TEXT}</article></body></html>"
    )


def test_h1_in_a_named_breadcrumb_yields_to_the_h2_headline():
    crumb = f'<ul class="breadcrumb"><li><a href="/">Главная</a></li><li><h1>{SEO}</h1></li></ul>'
    rec = parse(page(HEAD, crumb, f"<h2>{HEAD}</h2>"))
    assert rec["title"] == HEAD and rec["title_source"] == "h1"


def test_h1_ending_an_unnamed_link_trail_yields_to_the_h2_less_its_kicker():
    # home link, section link, then the <h1>: a breadcrumb without the name; og:title puts
    # the kicker before the headline, the <h2> prints it in an element of its own
    links = '<a href="/">Главная</a><a href="/news/">Новости</a>'
    crumb = f'<div class="x1">{links}<h1>{SEO}</h1></div>'
    h2 = f'<h2><span class="k9">Дороги города</span><span class="h7">{HEAD}</span></h2>'
    rec = parse(page(f"Дороги города: {HEAD}", crumb, h2))
    assert rec["title"] == HEAD


def test_h1_after_links_but_with_other_words_stays_the_headline():
    # a header holding a lead line is no breadcrumb: its <h1> is the headline
    crumb = (
        f'<div class="x1"><a href="/">Главная</a><a href="/news/">Новости</a><h1>{SEO}</h1>'
        "<p>Подрядчиков выберут на открытом конкурсе весной</p></div>"
    )
    rec = parse(page(HEAD, crumb, f"<h2>{HEAD}</h2>"))
    assert rec["title"] == SEO


def test_a_kicker_every_metadata_place_prints_stays_in_the_title():
    # JSON-LD, og:title and <title> all read "Kicker: Headline"; the <h1> prints the kicker
    # small in an element of its own: the page names its headline with the kicker
    full = f"Дороги города: {HEAD}"
    ld = {"@type": "NewsArticle", "headline": full}
    html = (
        f'<html lang="ru"><head><meta charset="utf-8"><title>{full} | Город</title>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f'<meta property="og:title" content="{full}"></head><body><article>'
        f'<h1><span class="topline">Дороги города</span> <span>{HEAD}</span></h1>{TEXT}'
        "</article></body></html>"
    )
    rec = parse(html)
    assert rec["title"] == full and rec["title_source"] == "jsonld"


def test_the_visible_h2_the_json_ld_alternative_headline_repeats_wins():
    # the JSON-LD headline names another wording (a stale one); its alternativeHeadline and
    # the <h2> under the breadcrumb's <h1> print the headline the reader sees
    ld = {"@type": "NewsArticle", "headline": "Дороги: подрядчиков выберут весной",
          "alternativeHeadline": HEAD}  # fmt: skip
    crumb = f'<ul class="breadcrumb"><li><a href="/">Главная</a></li><li><h1>{SEO}</h1></li></ul>'
    html = (
        '<html lang="ru"><head><meta charset="utf-8">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f'<meta property="og:title" content="{SEO}"></head><body>{crumb}<article>'
        f"<hgroup><div>Дороги города</div><h2>{HEAD}</h2></hgroup>{TEXT}</article></body></html>"
    )
    rec = parse(html)
    assert rec["title"] == HEAD and rec["title_source"] == "h1"
