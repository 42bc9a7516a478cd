"""The article parser's HTML tree: lxml, parsed once per page, with small helpers.

lxml (libxml2) parses a page about ten times faster than BeautifulSoup builds its tree, and
it bounds what a hostile page can do: nesting deeper than 256 levels is flattened by libxml2
and NUL characters never reach the tree (the article parser strips and flags them first).
Comments and processing instructions are dropped at parse time; ``<script>``/``<style>``/
``<template>`` elements are removed by :func:`drop_code` once their text has been read
(JSON-LD), so every text helper here sees only what a reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lxml import etree

# Plain lxml elements (not lxml.html's classes, whose Python-level class lookup costs a call
# per element): the helpers below need only iter/get/getparent/itertext.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           no_network=True)  # fmt: skip
HtmlElement = etree._Element
_EMPTY = b"<html><head></head><body></body></html>"

# Class/id words that mark site chrome (masthead, menus, tickers, widgets, footers) ...
_CHROME_WORDS = frozenset(
    {
        "header", "footer", "nav", "navbar", "navigation", "menu", "sidebar", "topbar",
        "ticker", "marquee", "widget", "related", "popular", "breadcrumb", "breadcrumbs",
        "comment", "comments", "reply", "login", "signin", "currency", "weather", "exchange",
        "rates", "banner", "promo", "aside", "masthead", "toolbar", "copyright", "subscribe",
        "cookie", "cookies",
    }
)  # fmt: skip
# ... unless the same class says it belongs to the article ("article-header", "post__footer").
_ARTICLE_WORDS = frozenset(
    {"article", "post", "entry", "story", "material", "publication", "single", "content"}
)
_CHROME_TAGS = frozenset({"nav", "aside"})
_SECTIONING_CHROME = frozenset({"header", "footer"})
_SPLIT = re.compile(r"[-_]+")
# <noscript> stays: it is what a reader without scripts sees (some blogs print the post there).
CODE_TAGS = ("script", "style", "template")
# More tags than this in one feed or listing page is refused: pure-Python tree builders
# (feedparser, BeautifulSoup) spend ~60 us per tag, so 100,000 tags bound a document to a
# few seconds whatever its size (a real feed or section page has a few thousand).
MAX_TAGS = 100_000


def too_many_tags(body: bytes | str) -> str | None:
    """A refusal reason when ``body`` holds more than :data:`MAX_TAGS` "<", else None."""
    count = body.count(b"<" if isinstance(body, bytes) else "<")
    if count > MAX_TAGS:
        return f"{count} tags, more than the {MAX_TAGS} a list page may hold: not parsed"
    return None


def make_tree(html: str) -> HtmlElement:
    """Parse decoded HTML into an lxml ``<html>`` element; never raises and never returns
    None (an empty or markup-free document gives an empty ``<html><head/><body/></html>``).
    The text is handed to libxml2 as UTF-8 (lone surrogates replaced), so an XML encoding
    declaration left in the text cannot make it re-decode."""
    data = html.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, _PARSER) if data.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None or not isinstance(root.tag, str):
        root = etree.fromstring(_EMPTY, _PARSER)
    return root


def drop_code(root: HtmlElement) -> None:
    """Remove ``<script>``, ``<style>`` and ``<template>`` elements (their tails, the text
    after them, stay)."""
    etree.strip_elements(root, *CODE_TAGS, with_tail=False)


def text_of(el: HtmlElement | None) -> str:
    """Visible text of ``el``: its text nodes joined by spaces, whitespace collapsed to
    single spaces ('' for None). Call after :func:`drop_code`."""
    if el is None:
        return ""
    return " ".join(" ".join(el.itertext()).split())


def elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element of ``root`` in document order (``root`` included)."""
    return root.iter(etree.Element)


def classes(el: HtmlElement) -> list[str]:
    """The element's class names."""
    return (el.get("class") or "").split()


@lru_cache(maxsize=512)
def compiled_selector(selector: str):
    """A CSS selector compiled to XPath (``lxml.cssselect``); None when it is not valid
    CSS or uses what cssselect cannot translate."""
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(selector, translator="html")
    except Exception:  # cssselect's SelectorError / ExpressionError: an unusable selector
        return None


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements below ``root`` matching a CSS selector, in document order ([] for an
    unusable selector)."""
    compiled = compiled_selector(selector)
    if compiled is None:
        return []
    try:
        return [el for el in compiled(root) if el is not root]
    except Exception:  # XPath evaluation errors on odd trees: no match
        return []


def find_parent(el: HtmlElement, tag: str) -> HtmlElement | None:
    """The nearest ancestor named ``tag``, or None."""
    return next(el.iterancestors(tag), None)


def _chrome_attr(value: str | None) -> bool:
    if not value:
        return False
    for cls in value.split():
        parts = [p for p in _SPLIT.split(cls.lower()) if p]
        if not parts or set(parts) & _ARTICLE_WORDS:
            continue
        # "site-header", "header__date", "menu-item", "right-sidebar" -- but not layout names
        # such as "panel-two-col-sidebar-right-mix" where the word sits in the middle.
        if parts[0] in _CHROME_WORDS or parts[-1] in _CHROME_WORDS:
            return True
    return False


def _is_boundary(node: HtmlElement) -> bool:
    if node.tag in ("article", "main"):
        return True
    itemtype = node.get("itemtype") or ""
    if "Article" in itemtype or "BlogPosting" in itemtype or node.get("itemprop") == "articleBody":
        return True
    names = [*classes(node), node.get("id") or ""]
    return any("article" in _SPLIT.split(n.lower()) for n in names if n)


def in_chrome(el: HtmlElement) -> bool:
    """True when ``el`` sits in site chrome rather than in the article.

    Walking up from ``el`` to the nearest article boundary (``<article>``, ``<main>``, an
    element with a schema.org ``*Article`` or ``BlogPosting`` itemtype or
    ``itemprop=articleBody``, or a class/id named "article"), chrome is: a ``<nav>`` or
    ``<aside>``; a ``<header>``/``<footer>`` not inside an ``<article>``; or an element whose
    class or id starts or ends with a chrome word (header, footer, menu, sidebar, ticker,
    widget, related, comments, currency, ...; words split on "-" and "_") and has no article
    word (article, post, entry, story, content, ...) in the same class name.
    Ancestors above the boundary do not count (some outlets wrap the whole article column in
    an ``<aside>``).
    """
    inside_article = next(el.iterancestors("article"), None) is not None
    node: HtmlElement | None = el
    while node is not None and node.tag not in ("body", "html"):
        if node is not el and _is_boundary(node):
            return False
        if node.tag in _CHROME_TAGS:
            return True
        if node.tag in _SECTIONING_CHROME and not inside_article:
            return True
        if _chrome_attr(node.get("class")) or _chrome_attr(node.get("id")):
            return True
        node = node.getparent()
    return False
