"""A synthetic capture of many outlets and days, built from the demo's article pages.

For benchmarks and multi-day demos: ``H`` fictional hosts (``synth-01.kz.example`` ...), each
a source with a daily date archive (``https://<host>/archive/YYYY/MM/DD/``, paginated, 100
items a page, ``{date:%Y/%m/%d}`` listing template) linking that local day's articles.
Article pages are the demo's pages (``include/mediamon/demo/exclusive/site/news``) with the
title, byline, dates, section and body replaced: titles are drawn from invented phrase lists
(city, subject, action, 160,000+ combinations), bodies from the demo's own sentences
reshuffled, bylines from invented names (about 8 % editorial, 5 % missing), publication times
spread over the local day (Asia/Almaty). Generation is deterministic for a given ``seed``.

Articles are spread evenly over hosts and days (``articles`` in total, the last day being
``end``). Every response is recorded at ``end`` 23:30 local time, after every publication.

Output: ``<out>/capture.warc.gz`` and ``<out>/sources.yaml`` (the layout of
``mediamon capture build``): serve it with ``mediamon capture serve <out>`` (``--latency-ms``
adds a per-response server delay) or run a day on it with ``mediamon run --capture <out>``.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import yaml

from mediamon.fetch.warcstore import CaptureWriter
from mediamon.window import DEFAULT_ZONE, day_range

DEMO_SITE = Path(__file__).resolve().parents[1] / "demo" / "exclusive" / "site"
ZONE = ZoneInfo(DEFAULT_ZONE)
PAGE_SIZE = 100  # archive items per page
HTML = "text/html; charset=utf-8"

CITIES = (
    "Алматы", "Астана", "Шымкент", "Караганда", "Павлодар", "Костанай", "Актобе", "Атырау",
    "Семей", "Тараз", "Кызылорда", "Уральск", "Петропавловск", "Туркестан", "Актау",
    "Кокшетау", "Талдыкорган", "Экибастуз", "Жезказган", "Усть-Каменогорск",
)  # fmt: skip
SUBJECTS = (
    "акимат", "маслихат", "управление транспорта", "городская больница", "фермеры",
    "школьники", "волонтёры", "энергетики", "строители", "полиция", "спасатели",
    "библиотека", "театр", "футбольный клуб", "студенты", "предприниматели", "пенсионеры",
    "музей", "водоканал", "экологи",
)  # fmt: skip
ACTIONS = (
    "объявил о", "завершил", "начал", "представил", "обсудил", "отложил", "одобрил",
    "подвёл итоги", "запустил", "получил средства на", "предложил", "проверил",
    "возобновил", "приостановил", "рассказал о", "поддержал", "отменил", "ускорил",
    "планирует", "отчитался о",
)  # fmt: skip
OBJECTS = (
    "ремонт дорог", "строительство школы", "новый маршрут автобуса", "сезон отопления",
    "благоустройство парка", "уборку урожая", "фестиваль", "закупку оборудования",
    "городской бюджет", "программу грантов", "реконструкцию моста", "открытие клиники",
    "турнир по боксу", "субботник", "выставку", "набор в колледж", "проект водопровода",
    "озеленение улиц", "ярмарку", "цифровой сервис",
)  # fmt: skip
FIRST = (
    "Айгуль", "Ержан", "Динара", "Марат", "Сауле", "Нурлан", "Асель", "Бауыржан", "Гульнара",
    "Тимур", "Жанна", "Руслан", "Алия", "Данияр", "Мадина",
)  # fmt: skip
LAST = (
    "Сапарова", "Ахметов", "Ибраева", "Касымов", "Жумабаева", "Оспанов", "Нургалиева",
    "Серикбаев", "Тулегенова", "Бекенов", "Мусина", "Абенов", "Калиева", "Есенов",
    "Омарова",
)  # fmt: skip
SECTIONS = ("Общество", "Экономика", "Культура", "Спорт", "Регионы")
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
)  # fmt: skip


@dataclass(frozen=True)
class SynthArticle:
    """One generated article: where it lives and what its page says."""

    host: str
    url: str
    title: str
    author: str | None
    published_at: datetime
    section: str
    paragraphs: tuple[str, ...]


def synth_capture(
    out: Path | str,
    *,
    articles: int,
    days: int = 1,
    hosts: int = 10,
    end: date = date(2024, 9, 8),
    seed: int = 0,
) -> Path:
    """Write a synthetic capture to ``out``; returns the WARC path (``out/capture.warc.gz``).

    ``articles``: total article pages (>= 1), spread evenly over ``hosts`` (1..99) and the
    ``days`` local days ending on ``end``. Raises ValueError for out-of-range arguments.
    """
    if articles < 1 or not 1 <= hosts <= 99 or days < 1:
        raise ValueError("need articles >= 1, 1 <= hosts <= 99, days >= 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    templates = _templates()
    sentences = _sentences(templates)
    recorded = datetime.combine(end, time(23, 30), tzinfo=ZONE)
    day_list = day_range(end - timedelta(days=days - 1), end)
    host_names = [f"synth-{n:02d}.kz.example" for n in range(1, hosts + 1)]
    plan: dict[tuple[str, date], list[SynthArticle]] = {
        (h, d): [] for h in host_names for d in day_list
    }
    for n in range(articles):
        host = host_names[n % hosts]
        day = day_list[(n // hosts) % days]
        plan[(host, day)].append(_article(rng, n, host, day, sentences))
    warc = out / "capture.warc.gz"
    with CaptureWriter(warc) as writer:
        for (host, day), items in plan.items():
            items.sort(key=lambda a: a.published_at, reverse=True)  # newest first, as sites do
            pages = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
            for number, chunk in enumerate(pages, 1):
                body = _archive_page(host, day, number, chunk, last=number == len(pages))
                writer.write_response(
                    _archive_url(host, day, number), 200, "OK", [("Content-Type", HTML)],
                    body, fetched_at=recorded, kind="listing", list_id="archive",
                )  # fmt: skip
            for item in items:
                page = _article_page(rng.choice(templates), item)
                writer.write_response(
                    item.url, 200, "OK", [("Content-Type", HTML)], page,
                    fetched_at=recorded, kind="article",
                )  # fmt: skip
    (out / "sources.yaml").write_text(_registry(host_names), encoding="utf-8")
    return warc


def synth_articles(count: int, *, day: date = date(2024, 9, 8), hosts: int = 10,
                   seed: int = 0) -> list[SynthArticle]:  # fmt: skip
    """``count`` generated articles of one local ``day`` spread over ``hosts`` hosts, the
    articles of :func:`synth_capture` without their pages (for benchmarks of the stages
    after parsing, e.g. story clustering)."""
    rng = random.Random(seed)
    sentences = _sentences(_templates())
    names = [f"synth-{n:02d}.kz.example" for n in range(1, hosts + 1)]
    return [_article(rng, n, names[n % hosts], day, sentences) for n in range(count)]


def _has(name: str) -> str:
    """XPath predicate: the element's class attribute holds ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _templates() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(DEMO_SITE.glob("news/*/*/*/*.html"))]


def _sentences(templates: list[str]) -> list[str]:
    """The demo bodies' sentences (Russian and Kazakh), the material of synthetic bodies."""
    found = []
    for html in templates:
        doc = lxml.html.fromstring(html)
        for p in doc.xpath(f"//div[{_has('entry-content')}]/p"):
            text = " ".join(p.text_content().split())
            found += [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 30]
    return found


def _article(rng: random.Random, n: int, host: str, day: date, sentences) -> SynthArticle:
    title = (
        f"{rng.choice(CITIES)}: {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
    )
    roll = rng.random()
    if roll < 0.05:
        author = None
    elif roll < 0.13:
        author = "Редакция Synth"
    else:
        author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    minute = rng.randrange(0, 23 * 60)
    published = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=ZONE)
    paragraphs = tuple(
        " ".join(rng.sample(sentences, k=rng.randint(2, 4))) for _ in range(rng.randint(3, 6))
    )
    slug = f"{n:07d}-" + re.sub(r"[^a-z0-9]+", "-", _translit(title)).strip("-")[:60]
    url = f"https://{host}/news/{day:%Y/%m/%d}/{slug}.html"
    return SynthArticle(host, url, title, author, published, rng.choice(SECTIONS), paragraphs)


def _article_page(template: str, a: SynthArticle) -> bytes:
    """The template page with the article's fields in place of the demo's."""
    doc = lxml.html.fromstring(template)
    doc.set("lang", "ru")
    stamp = a.published_at.isoformat()
    doc.find(".//title").text = f"{a.title} | Synth"
    for el in doc.xpath('//link[@rel="canonical"] | //meta[@property="og:url"]'):
        el.set("href" if el.tag == "link" else "content", a.url)
    for el in doc.xpath('//meta[@property="og:title"]'):
        el.set("content", a.title)
    for el in doc.xpath('//meta[@property="article:published_time"]'):
        el.set("content", stamp)
    for el in doc.xpath('//meta[@property="article:modified_time"]'):
        el.getparent().remove(el)
    for el in doc.xpath('//meta[@property="article:section"]'):
        el.set("content", a.section)
    for el in doc.xpath('//script[@type="application/ld+json"]'):
        el.text = json.dumps(_json_ld(a), ensure_ascii=False)
    for el in doc.xpath(f"//time[{_has('site-today')}]"):
        el.set("datetime", f"{a.published_at:%Y-%m-%d}")
    (post,) = doc.xpath(f"//article[{_has('post')}]")
    for el in post.xpath(f".//time[{_has('entry-date')}]"):
        el.set("datetime", stamp)
        month = MONTHS[a.published_at.month - 1]
        el.text = f"{a.published_at.day:02d} {month} {a.published_at:%Y, %H:%M}"
    for el in post.xpath(f".//*[{_has('entry-modified')} or {_has('entry-updated')}]"):
        el.getparent().remove(el)
    for el in post.xpath(f".//*[{_has('entry-section')}]//a"):
        el.text = a.section
    for el in post.xpath(f".//h1[{_has('entry-title')}]"):
        el.text = a.title
    for el in post.xpath(f".//*[{_has('entry-byline')}]"):
        if a.author is None:
            el.getparent().remove(el)
        else:
            for author in el.xpath(f".//*[{_has('entry-author')}]"):
                author.clear()
                author.set("class", "entry-author")
                author.text = a.author
    for el in post.xpath(f".//div[{_has('entry-content')}]"):
        for child in list(el):
            el.remove(child)
        el.text = "\n"
        for text in a.paragraphs:
            p = lxml.html.Element("p")
            p.text = text
            p.tail = "\n"
            el.append(p)
    html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return html.replace("exclusive.kz.example", a.host).encode("utf-8")


def _json_ld(a: SynthArticle) -> dict:
    author = (
        {"@type": "Organization", "name": a.author}
        if a.author and a.author.startswith("Редакция")
        else {"@type": "Person", "name": a.author}
        if a.author
        else None
    )
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published_at.isoformat(),
        "inLanguage": "ru",
        "articleSection": a.section,
        "publisher": {"@type": "Organization", "name": "Synth"},
        "mainEntityOfPage": a.url,
    }
    if author:
        ld["author"] = author
    return ld


def _archive_url(host: str, day: date, number: int) -> str:
    base = f"https://{host}/archive/{day:%Y/%m/%d}/"
    return base if number == 1 else f"{base}page/{number}/"


def _archive_page(host: str, day: date, number: int, items, *, last: bool) -> bytes:
    rows = "\n".join(
        f'<li class="item"><a class="headline" href="{escape(a.url)}">{escape(a.title)}</a> '
        f'<span class="author">{escape(a.author or "")}</span> '
        f'<time datetime="{a.published_at.isoformat()}">{a.published_at:%H:%M}</time></li>'
        for a in items
    )
    more = "" if last else f'<a class="next" href="{_archive_url(host, day, number + 1)}">Далее</a>'
    return (
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Архив {day} | Synth'
        f'</title></head><body><h1>Архив за {day:%d.%m.%Y}</h1><ul class="archive">\n{rows}\n'
        f'</ul><div class="pagination">{more}</div></body></html>'
    ).encode()


def _registry(host_names: list[str]) -> str:
    sources = [
        {
            "id": host.split(".")[0].replace("-", "_"),
            "name": f"Synth {host.split('.')[0][-2:]} (synthetic, fictional)",
            "homepage": f"https://{host}/",
            "languages": ["ru", "kk"],
            "timezone": DEFAULT_ZONE,
            "first_year": 2010,
            "max_articles": 100000,
            "listings": [
                {
                    "id": "archive",
                    "url": f"https://{host}/archive/{{date:%Y/%m/%d}}/",
                    "max_pages": 100,
                    "selectors": {
                        "item": "ul.archive > li.item",
                        "title": "a.headline",
                        "link": "a.headline",
                        "byline": "span.author",
                        "date": "time",
                        "next_page": "div.pagination a.next",
                    },
                }
            ],
            "article": {
                "title": "article.post h1.entry-title",
                "byline": "article.post .entry-author",
                "date": "article.post time.entry-date",
                "body": "article.post div.entry-content",
                "section": "article.post .entry-section a",
            },
        }
        for host in host_names
    ]
    return "# Generated by `mediamon capture synth`: fictional outlets.\n" + yaml.safe_dump(
        {"sources": sources}, allow_unicode=True, sort_keys=False
    )


_TRANSLIT = {
    **dict(
        zip(
            "абвгдеёжзийклмнопрстуфхцчшщыэюя",
            "a b v g d e e zh z i j k l m n o p r s t u f kh ts ch sh shch y e yu ya".split(),
            strict=True,
        )
    ),
    "ъ": "",
    "ь": "",
}


def _translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
