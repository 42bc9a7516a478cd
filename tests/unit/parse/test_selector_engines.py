"""One engine for registry selectors: lxml + cssselect selects what soupsieve selected.

Listings used BeautifulSoup/soupsieve until they moved to the articles' engine
(:class:`mediamon.parse._tree.DocumentSelectors`). Every selector of the packaged registry,
the demo capture's registry, the site profiles, the tests' own registries and the common CSS
forms is run through both engines on the same pages; both must pick the same elements (by
their path in the tree, which both build with libxml2), over the whole page and inside each
list item. The forms cssselect cannot translate are pinned at the end: they raise
:class:`~mediamon.parse._tree.SelectorError` (a config error) instead of selecting.
"""

import json
import os
import warnings
from pathlib import Path

import pytest
import yaml
from mediamon.parse._tree import DocumentSelectors, SelectorError, make_tree
from mediamon.parse.decode import decode_html
from mediamon.parse.profiles import PROFILES_DIR

bs4 = pytest.importorskip("bs4")
soupsieve = pytest.importorskip("soupsieve")

PACKAGE = Path(__file__).resolve().parents[3] / "include" / "mediamon"
REGISTRIES = [PACKAGE / "sources.yaml", PACKAGE / "demo" / "exclusive" / "sources.yaml"]
DEMO_PAGES = sorted((PACKAGE / "demo" / "exclusive" / "site").rglob("*.html"))
REAL = Path(os.environ.get("MEDIAMON_REAL_FIXTURES") or PACKAGE.parents[2] / "shared/fixtures/real")

# Listing selectors of the tests' own registries (tests/unit/fetch, tests/unit/parse,
# tests/unit/test_config.py) and article selectors they hand to parse_article.
TEST_REGISTRY_LISTINGS = [
    {"item": "li", "title": "a", "link": "a", "next_page": "a.next"},
    {"item": "div.it", "title": "a", "link": "a", "date": "time", "next_page": "a.next",
     "position": "span.n"},
    {"item": "div.category-list > div.cat-item", "title": "h3.cat-title a",
     "link": "h3.cat-title a", "next_page": "div.pagination a.next"},
    {"item": "div.news-item", "title": ".news-title", "link": ".news-title a",
     "byline": ".news-author", "date": "time, .news-date", "next_page": ".pages a.next"},
    {"item": "li.none", "title": "a", "link": "a"},
    {"item": "#lastnews .last_feed > ul > li", "title": "a", "link": "a", "date": "span.ln_time"},
]  # fmt: skip
TEST_REGISTRY_ARTICLE = ["h1", "div.text", "p.lead", "h1.article-title", ".article-author",
                         ".article-date", "div.entry-author"]  # fmt: skip

# The common forms: combinators, attribute operators, structural pseudo-classes, negation,
# comma lists, case rules of HTML.
COMMON_FORMS = [
    "div.list > ul > li", "div li a", "h2 + ul", "h2 ~ p", "#Main li", ".News .x",
    "li:nth-of-type(2)", "li:nth-of-type(2n+1)", "li:nth-of-type(odd)", "article:nth-of-type(2) a",
    "li:nth-last-of-type(1)", "li:first-of-type", "li:last-of-type", "td:nth-child(2)",
    "li:nth-child(-n+2)", "li:first-child", "li:last-child", "a:only-child", "li:nth-last-child(1)",
    "li:not(.ad)", "li:not(.ad) > a", "a:not([href^='#'])", "ul > li:not(:first-child)",
    "h2, h3", "h2 a, h3 a", "time, span.date", "a[href]", "a[href^='/n']", "a[href*=news]",
    "a[href$='.html']", "[data-id]", "a[rel~=next]", "[lang|=kk]", "[class~=x]",
    "[class='x ad']", "a[title=\"два\"]", "a[href$='.HTML' i]", "input[type=text]",
    "input[type=TEXT]", "input:checked", "p:empty", ":root > body", "DIV.list", "#main",
    ".news", "*", "*[class]", "div:has(> h3)", ":is(h2, h3) a", "p:lang(kk)", "p b", "template",
    "template a", "title", "base",
]  # fmt: skip

PAGE = """<!DOCTYPE html><html lang="ru"><head><title>t</title><base href="/b/"></head><body>
<div id="Main" class="list News"><h2 class="t">Заголовок</h2>
<ul><li class="x"><a href="/n/1" rel="bookmark next">Один</a><span class="date">10:00</span></li>
<li class="x ad"><a href="/n/2.html" title="два">Два</a></li>
<li><a href="#top">up</a><!-- c --></li>
<li class="x"><a href="https://ex.kz/news/3" data-id="3">Три</a><time datetime="2024-01-01">1 янв
</time></li></ul><p></p><p lang="kk-KZ">Қазақша <b>сөз</b></p><input type="TEXT" name="q">
<input type="checkbox" checked><table><tr><td>1</td><td>2</td></tr></table>
<template><div class="item"><a href="/tpl">in a template</a></div></template>
<div class="item"><h3><a href="/n/4">Төрт</a></h3><span class="author">Автор</span></div>
<div class="item"><h3><a href="/n/5">Бес</a></h3></div>
<section><article><h2><a href="/n/6">Алты</a></h2></article><article><h2>Жеті</h2>
<a href="/n/7">x</a></article></section>
<div class="pagination"><a class="prev" href="/p/1">1</a><a class="next" href="/p/3">3</a></div>
</div></body></html>"""


def _registry_selectors(path: Path) -> tuple[list[dict], list[str]]:
    """(listing selector sets, article selectors) of a registry or site-profile file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("sources") or [data]
    listings = [
        x["selectors"] for e in entries for x in e.get("listings") or [] if x.get("selectors")
    ]
    article = [s for e in entries for s in (e.get("article") or {}).values()]
    return listings, article


def _front_page_selectors() -> list[dict]:
    sets = []
    for gold in sorted((REAL / "kz_frontpages").glob("*.gold.json")):
        for block in json.loads(gold.read_text(encoding="utf-8"))["blocks"]:
            sets.append({"item": block["selector"], "title": "a", "link": "a",
                         "date": "span.ln_time"})  # fmt: skip
    return sets


LISTING_SETS = list(TEST_REGISTRY_LISTINGS)
ARTICLE_SELECTORS = list(TEST_REGISTRY_ARTICLE)
for _path in [*REGISTRIES, *sorted(PROFILES_DIR.glob("*.yaml"))]:
    _listings, _article = _registry_selectors(_path)
    LISTING_SETS += _listings
    ARTICLE_SELECTORS += _article
LISTING_SETS += _front_page_selectors()
SELECTORS = sorted(
    {*COMMON_FORMS, *ARTICLE_SELECTORS, *(s for x in LISTING_SETS for s in x.values())}
)
PAGES = {"synthetic": PAGE}
PAGES.update({str(p.relative_to(PACKAGE)): decode_html(p.read_bytes()) for p in DEMO_PAGES})
PAGES.update(
    {f"real/{p.name}": decode_html(p.read_bytes()) for p in (REAL / "kz_frontpages").glob("*.html")}
)


def _path_bs4(el) -> tuple:
    steps = []
    while el.parent is not None:
        siblings = [c for c in el.parent.children if isinstance(c, bs4.Tag)]
        steps.append((el.name, next(i for i, c in enumerate(siblings) if c is el)))
        el = el.parent
    return tuple(reversed(steps))


def _path_lxml(el) -> tuple:
    steps = []
    while el is not None:
        parent = el.getparent()
        siblings = [c for c in parent if isinstance(c.tag, str)] if parent is not None else [el]
        steps.append((el.tag, next(i for i, c in enumerate(siblings) if c is el)))
        el = parent
    return tuple(reversed(steps))


@pytest.fixture(scope="module")
def trees():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an XML document read as HTML
        for name, html in PAGES.items():
            soup = bs4.BeautifulSoup(html, "lxml")
            out[name] = (soup, DocumentSelectors(make_tree(html, keep_comments=True)))
    return out


def test_the_selectors_come_from_every_registry():
    assert {"div.category-list > div.cat-item", "#news-ticker li"} <= set(SELECTORS)  # demo
    assert "article.post h1.entry-title" in SELECTORS  # demo article
    assert "article h1.main-headline, h1.main-headline" in SELECTORS  # site profile
    assert len(PAGES) > len(DEMO_PAGES)


@pytest.mark.parametrize("selector", SELECTORS)
def test_both_engines_select_the_same_elements(trees, selector):
    for name, (soup, lxml_page) in trees.items():
        want = [_path_bs4(el) for el in soup.select(selector)]
        got = [_path_lxml(el) for el in lxml_page.all(selector)]
        assert got == want, name


@pytest.mark.parametrize("selectors", LISTING_SETS, ids=lambda s: s["item"])
def test_both_engines_find_the_same_parts_inside_each_item(trees, selectors):
    for name, (soup, lxml_page) in trees.items():
        bs_items = soup.select(selectors["item"])
        lxml_items = lxml_page.all(selectors["item"])
        assert [_path_lxml(x) for x in lxml_items] == [_path_bs4(x) for x in bs_items], name
        for key, selector in selectors.items():
            if key in ("item", "next_page"):
                continue
            for bs_item, lxml_item in zip(bs_items, lxml_items, strict=True):
                want = bs_item.select_one(selector)
                if want is None and soupsieve.match(selector, bs_item):
                    want = bs_item
                got = lxml_page.first_in(lxml_item, selector)
                assert (got is None) == (want is None), (name, key)
                if got is not None:
                    assert _path_lxml(got) == _path_bs4(want), (name, key)


def test_a_template_item_reaches_its_own_contents_only(trees):
    _soup, page = trees["synthetic"]
    (template,) = page.all("template")
    assert [a.get("href") for a in page.all("a") if a.get("href") == "/tpl"] == []
    assert page.first_in(template, "a").get("href") == "/tpl"
    assert page.first_in(template, "div.item a").get("href") == "/tpl"


# Valid for soupsieve, not translated by cssselect: a registry using one gets a clear error.
UNBRIDGED = [
    ".item:nth-of-type(2)",  # *:nth-of-type() and the other -of-type forms need a type
    "div > :first-of-type",
    ".x:last-of-type",
    "a:-soup-contains('Три')",  # soupsieve's own pseudo-class
    "li:not(.ad, .y)",  # a selector list inside :not()
    "li:nth-child(2 of .x)",  # the "of S" form
    "a:any-link",
]


@pytest.mark.parametrize("selector", UNBRIDGED)
def test_forms_cssselect_cannot_translate_raise_a_selector_error(selector):
    soupsieve.compile(selector)  # soupsieve took it
    page = DocumentSelectors(make_tree(PAGE, keep_comments=True))
    with pytest.raises(SelectorError, match="cannot be used"):
        page.all(selector)
