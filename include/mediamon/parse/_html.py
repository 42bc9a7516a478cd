"""Small HTML helpers shared by the article and listing parsers (BeautifulSoup on lxml)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

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


def make_soup(html: str) -> BeautifulSoup:
    """Parse decoded HTML with lxml through BeautifulSoup (lenient, fast)."""
    return BeautifulSoup(html, "lxml")


def text_of(el: Tag | None) -> str:
    """Visible text of ``el`` with whitespace collapsed to single spaces ('' for None)."""
    if el is None:
        return ""
    return " ".join(el.get_text(" ", strip=True).split())


def _chrome_attr(value: object) -> bool:
    if not value:
        return False
    classes = value if isinstance(value, list) else str(value).split()
    for cls in classes:
        parts = [p for p in _SPLIT.split(cls.lower()) if p]
        if not parts or set(parts) & _ARTICLE_WORDS:
            continue
        # "site-header", "header__date", "menu-item", "right-sidebar" -- but not layout names
        # such as "panel-two-col-sidebar-right-mix" where the word sits in the middle.
        if parts[0] in _CHROME_WORDS or parts[-1] in _CHROME_WORDS:
            return True
    return False


def _is_boundary(node: Tag) -> bool:
    if node.name in ("article", "main"):
        return True
    if "Article" in str(node.get("itemtype") or "") or node.get("itemprop") == "articleBody":
        return True
    names = [*(node.get("class") or []), str(node.get("id") or "")]
    return any("article" in _SPLIT.split(n.lower()) for n in names if n)


def in_chrome(el: Tag) -> bool:
    """True when ``el`` sits in site chrome rather than in the article.

    Walking up from ``el`` to the nearest article boundary (``<article>``, ``<main>``, an
    element with a schema.org ``*Article`` itemtype or ``itemprop=articleBody``, or a class/id
    named "article"), chrome is: a ``<nav>`` or ``<aside>``; a ``<header>``/``<footer>`` not
    inside an ``<article>``; or an element whose class or id starts or ends with a chrome
    word (header, footer, menu, sidebar, ticker, widget, related, comments, currency, ...;
    words split on "-" and "_") and has no article word (article, post, entry, story,
    content, ...) in the same class name.
    Ancestors above the boundary do not count (some outlets wrap the whole article column in
    an ``<aside>``).
    """
    node: Tag | None = el
    inside_article = any(p.name == "article" for p in el.parents if isinstance(p, Tag))
    while node is not None and isinstance(node, Tag) and node.name not in ("body", "html"):
        if node is not el and _is_boundary(node):
            return False
        if node.name in _CHROME_TAGS:
            return True
        if node.name in _SECTIONING_CHROME and not inside_article:
            return True
        if _chrome_attr(node.get("class")) or _chrome_attr(node.get("id")):
            return True
        node = node.parent
    return False
