"""The parsers' HTML tree: lxml, parsed once per page, with small helpers; and the one engine
that evaluates the registry's CSS selectors (lxml + cssselect) for articles and listings.

lxml (libxml2) parses a page about ten times faster than BeautifulSoup builds its tree, and
it bounds what a hostile page can do: nesting deeper than 256 levels is flattened by libxml2
and NUL characters never reach the tree (the article parser strips and flags them first).
Comments and processing instructions are dropped at parse time; ``<script>``/``<style>``/
``<template>`` elements (and ruby annotations) are removed by :func:`drop_code` once their
text has been read (JSON-LD), so every text helper here sees only what a reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from cssselect import HTMLTranslator
from cssselect.parser import Attrib
from cssselect.xpath import XPathExpr
from lxml import etree
from lxml.cssselect import CSSSelector

# Plain lxml elements (not lxml.html's classes, whose Python-level class lookup costs a call
# per element): the helpers below need only iter/get/getparent/itertext.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           no_network=True)  # fmt: skip
# The same, keeping comments and processing instructions as nodes: a comment between two
# words still separates them ("a<!-- -->b" reads "a b"), as listings always read them.
_PARSER_KEEPING_COMMENTS = etree.HTMLParser(encoding="utf-8", remove_comments=False,
                                            remove_pis=False, no_network=True)  # fmt: skip
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
# Ruby annotations (the reading printed small above Japanese/Chinese characters, "子<rt>こ</rt>
# ども"): not part of the text a reader reads (nor of what text extractors give).
RUBY_NOTES = ("rt", "rp")
# More tags than this in one feed or listing page is refused: a pure-Python tree builder
# (feedparser; BeautifulSoup, which read listings before) spends ~60 us per tag, so 100,000
# tags bound a document to a few seconds whatever its size (a real feed or section page has
# a few thousand). Listings keep the same limit on lxml.
MAX_TAGS = 100_000


def too_many_tags(body: bytes | str) -> str | None:
    """A refusal reason when ``body`` holds more than :data:`MAX_TAGS` "<", else None."""
    count = body.count(b"<" if isinstance(body, bytes) else "<")
    if count > MAX_TAGS:
        return f"{count} tags, more than the {MAX_TAGS} a list page may hold: not parsed"
    return None


def make_tree(html: str, *, keep_comments: bool = False) -> HtmlElement:
    """Parse decoded HTML into an lxml ``<html>`` element; never raises and never returns
    None (an empty or markup-free document gives an empty ``<html><head/><body/></html>``).
    The text is handed to libxml2 as UTF-8 (lone surrogates replaced), so an XML encoding
    declaration left in the text cannot make it re-decode. Comments and processing
    instructions are dropped unless ``keep_comments``."""
    parser = _PARSER_KEEPING_COMMENTS if keep_comments else _PARSER
    data = html.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, parser) if data.strip() else None
    except (etree.ParserError, ValueError):
        root = None
    if root is None or not isinstance(root.tag, str):
        root = etree.fromstring(_EMPTY, parser)
    return root


def drop_code(root: HtmlElement) -> None:
    """Remove ``<script>``, ``<style>`` and ``<template>`` elements and ruby annotations
    (``<rt>``, ``<rp>``); their tails, the text after them, stay."""
    etree.strip_elements(root, *CODE_TAGS, *RUBY_NOTES, with_tail=False)


def text_of(el: HtmlElement | None) -> str:
    """Visible text of ``el``: its text nodes joined by spaces, whitespace collapsed to
    single spaces ('' for None). Call after :func:`drop_code`."""
    if el is None:
        return ""
    return " ".join(" ".join(el.itertext()).split())


def text_longer_than(el: HtmlElement, limit: int) -> bool:
    """``len(text_of(el)) > limit``, reading only as much of the text as it takes (a test on
    every ancestor of many elements stays linear on a page of megabytes)."""
    length = -1  # the words' lengths plus one space between each two
    for piece in el.itertext():
        for word in piece.split():
            length += len(word) + 1
            if length > limit:
                return True
    return False


def elements(root: HtmlElement) -> Iterator[HtmlElement]:
    """Every element of ``root`` in document order (``root`` included)."""
    return root.iter(etree.Element)


def classes(el: HtmlElement) -> list[str]:
    """The element's class names."""
    return (el.get("class") or "").split()


class SelectorError(ValueError):
    """A registry CSS selector that cannot be used: not valid CSS, or a form cssselect does not
    translate to XPath (``*:nth-of-type()``, ``:-soup-contains()``, ...); the message names it."""


class _RegistryTranslator(HTMLTranslator):
    """cssselect's HTML rules (element and attribute names case-insensitive), plus the one
    HTML rule soupsieve has and cssselect lacks: the value of a ``type`` attribute compares
    case-insensitively (``input[type=text]`` matches ``type="TEXT"``)."""

    _LOWER = "translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"

    def xpath_attrib(self, selector: Attrib) -> XPathExpr:
        plain = selector.namespace or selector.value is None or selector.flag == "s"
        if selector.attrib.lower() != "type" or plain:  # ("s": case-sensitive on request)
            return super().xpath_attrib(selector)
        operator = self.attribute_operator_mapping[selector.operator]
        method = getattr(self, f"xpath_attrib_{operator}")
        value = str(selector.value.value).lower()
        return method(self.xpath(selector.selector), self._LOWER, value)


_TRANSLATOR = _RegistryTranslator()


@lru_cache(maxsize=512)
def _compile(selector: str) -> CSSSelector | str:
    try:
        return CSSSelector(selector, translator=_TRANSLATOR)
    except Exception as exc:  # cssselect's SelectorError / ExpressionError: an unusable selector
        return f"CSS selector {selector!r} cannot be used: {type(exc).__name__}: {exc}"


def compiled_selector(selector: str) -> CSSSelector | None:
    """A CSS selector compiled to XPath (``lxml.cssselect``, HTML rules, ``type`` values
    case-insensitive); None when it is not valid CSS or uses what cssselect cannot
    translate."""
    compiled = _compile(selector)
    return None if isinstance(compiled, str) else compiled


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


@lru_cache(maxsize=8192)
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


@lru_cache(maxsize=8192)
def _names_article(value: str, whole: bool) -> bool:
    """Whether a class list (``whole`` False: each class apart) or an id (``whole``) has the
    word "article"."""
    names = [value] if whole else value.split()
    return any("article" in _SPLIT.split(n.lower()) for n in names if n)


def _is_boundary(node: HtmlElement) -> bool:
    if node.tag in ("article", "main"):
        return True
    itemtype = node.get("itemtype") or ""
    if "Article" in itemtype or "BlogPosting" in itemtype or node.get("itemprop") == "articleBody":
        return True
    return _names_article(node.get("class") or "", False) or _names_article(
        node.get("id") or "", True
    )


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
    node: HtmlElement | None = el
    while node is not None and node.tag not in ("body", "html"):
        if node is not el and _is_boundary(node):
            return False
        if node.tag in _CHROME_TAGS:
            return True
        if node.tag in _SECTIONING_CHROME and next(el.iterancestors("article"), None) is None:
            return True
        if _chrome_attr(node.get("class")) or _chrome_attr(node.get("id")):
            return True
        node = node.getparent()
    return False


class DocumentSelectors:
    """Registry CSS selectors over one whole document, each evaluated once, then looked up
    per list item the way the listings always scoped them: :meth:`first_in` gives the first
    match below an item in document order (the selector's combinators may reach above the
    item: ".list a" finds the link of an item inside ".list"), else the item itself when it
    matches. The contents of a ``<template>`` are not part of the document: they match only
    below an item that is the template itself (as in soupsieve, the listings' engine before).
    Raises :class:`SelectorError` for a
    selector that cannot be used."""

    def __init__(self, root: HtmlElement):
        self.root = root
        self._matches: dict[str, list[HtmlElement]] = {}
        self._first_below: dict[str, dict[HtmlElement, HtmlElement]] = {}
        self._match_sets: dict[str, set[HtmlElement]] = {}
        self._in_templates: set[HtmlElement] = {
            el for template in root.iter("template") for el in template.iterdescendants()
        }

    def all(self, selector: str) -> list[HtmlElement]:
        """Every element of the document matching ``selector`` (the root included), in
        document order."""
        if selector not in self._matches:
            compiled = _compile(selector)
            if isinstance(compiled, str):
                raise SelectorError(compiled)
            try:
                found = compiled(self.root)
                self._matches[selector] = [el for el in found if el not in self._in_templates]
            except Exception:  # XPath evaluation errors on odd trees: no match
                self._matches[selector] = []
        return self._matches[selector]

    def first(self, selector: str) -> HtmlElement | None:
        """The first element of the document matching ``selector``, or None."""
        return next(iter(self.all(selector)), None)

    def first_in(self, item: HtmlElement, selector: str) -> HtmlElement | None:
        """The first match of ``selector`` below ``item``, else ``item`` when it matches,
        else None."""
        below = self._first_below.get(selector)
        if below is None:
            below = {}
            for el in self.all(selector):  # in document order: the first one set wins
                for ancestor in el.iterancestors():
                    if ancestor in below:  # and so are all of its ancestors
                        break
                    below[ancestor] = el
            self._first_below[selector] = below
            self._match_sets[selector] = set(self.all(selector))
        found = below.get(item)
        if found is None and item.tag == "template":
            found = self._first_in_template(item, selector)
        if found is None and item in self._match_sets[selector]:
            return item
        return found

    def _first_in_template(self, template: HtmlElement, selector: str) -> HtmlElement | None:
        """The first match inside ``template``'s own contents (not in a nested template):
        the one place its contents are reached from."""
        compiled = compiled_selector(selector)
        for el in compiled(template) if compiled is not None else ():
            if el is not template and find_parent(el, "template") is template:
                return el
        return None
