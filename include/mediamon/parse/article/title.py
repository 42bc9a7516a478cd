"""The title rules of an article page: which element or field holds the headline.

The chain (first usable value wins, its rule recorded as ``title_source``): the profile's
``title`` selector, JSON-LD ``headline``/``name``, ``og:title``/``twitter:title``/
``dc.title``, the first ``<h1>`` outside chrome, trafilatura's title, ``<title>`` with the
site-name part cut off. The ``<h1>`` also wins over a JSON-LD/og title that is a rewritten
variant of it, decorates it with a kicker, or stands alone against it while another title place
(og:title, JSON-LD, ``<title>``, JSON-LD ``alternativeHeadline``) repeats the ``<h1>`` (the
headline the reader sees, confirmed); but a kicker that JSON-LD, og:title and the whole
``<title>`` all print before the ``<h1>``'s words stays (the page names its headline so in
every title place). On a page without a visible ``<h1>`` (none outside chrome, or only the
breadcrumb's last item, named so or ending a trail of links from the site's root, while an
``<h2>`` prints the headline large), the wording most title places print wins first (JSON-LD,
og:title, the whole ``<title>``, an ``<h2>`` that prints one of them, whole or less a kicker in
an element of its own, or the JSON-LD ``alternativeHeadline``; a site tag after a separator set
aside); else that ``<h2>``, less its kicker, plays the ``<h1>``'s part in the chain. Every
value is cleaned by :func:`mediamon.parse.titles.clean_title`; template placeholders are
refused.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from mediamon.parse._tree import HtmlElement, in_chrome, text_of
from mediamon.parse.article.page import (
    CLASS_SPLIT,
    META_TITLE,
    PLACEHOLDER,
    Page,
    clean_text,
    first_meta,
    host_names,
    outlet_names,
)
from mediamon.parse.titles import clean_title

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|—–-]|::|»)\s+")
_WORD_RE = re.compile(r"\w+")
# Class words of the small line printed inside or above a headline ("Die Zukunft der Arbeit",
# "Corona-Pandemie"): a kicker / overline, not part of the headline; and text hidden from
# sighted readers.
_KICKER_WORDS = frozenset(
    {"kicker", "overline", "dachzeile", "topline", "eyebrow", "rubric", "rubrika", "supertitle",
     "pretitle", "overtitle", "roofline", "spitzmarke", "hidden", "sr", "visuallyhidden"}
)  # fmt: skip
_TITLE_SEPARATOR_END = re.compile(r"[:|—–\-·•/»]\s*$")
# What may follow a headline in one title place and not in another: a separator, then a short
# site or section tag ("… | Sport", "…, Tageszeitung junge Welt, 26.04.2024").
_TAG_SEPARATOR = re.compile(r"^\s*(?:[|—–\-·•/»,]|::)\s*\S")
_TAG_MAX_WORDS = 6
# How far up from an <h1> a breadcrumb container is looked for; a kicker's longest wording.
_CRUMB_DEPTH = 4
_KICKER_MAX_WORDS = 8
# Title places in the order their wording is preferred when several print it.
_PLACE_ORDER = ("jsonld", "meta", "h1", "title_tag")


def find_title(page: Page) -> tuple[str | None, str | None]:
    """The first usable title of the chain, cleaned (:func:`clean_title`: entities,
    whitespace, the outlet's name cut off, "X X" repaired); template placeholders refused."""
    names = outlet_names(page) + host_names(page)

    def usable(raw: Any) -> str | None:
        text = clean_text(raw) if not isinstance(raw, str) else raw
        if not text or PLACEHOLDER.search(text):
            return None
        return clean_title(text, names)

    for el in page.select("title"):
        if title := usable(text_of(el)):
            return title, "profile"
    h1 = page.h1()
    visible = usable(_headline_text(h1)) if h1 is not None else None
    places = {
        "jsonld": usable(clean_text(page.ld.get("headline") or page.ld.get("name"))),
        "meta": usable(clean_text(first_meta(page.meta, META_TITLE))),
        "title_tag": usable(_title_from_tag(page.root)),
    }
    # the vote reads the whole <title> (less the site name), not its longest part
    whole_tag = usable(text_of(next(page.root.iter("title"), None)))
    # a visible <h1> is the headline the reader sees: the rules below; an <h1> that is the
    # breadcrumb's last item is not, when an <h2> prints the headline large
    # the JSON-LD's own second wording: it may repeat the visible headline
    alternative = usable(clean_text(page.ld.get("alternativeHeadline")))
    h2 = (
        _headline_h2(page, {**places, "alternative": alternative}, usable)
        if h1 is None or _breadcrumb_item(h1)
        else None
    )
    if h1 is None or h2 is not None:
        shown, head = h2 or (None, None)
        voted = _agreed_wording({**places, "title_tag": whole_tag, "h1": shown})
        if voted is not None:
            return voted
        visible = head
    for rule in ("jsonld", "meta"):
        if title := places[rule]:
            others = [t for r, t in places.items() if r != rule and t]
            others += [alternative] if alternative else []
            unanimous = all(
                t and _supports(t, title) for t in (places["jsonld"], places["meta"], whole_tag)
            )
            if _decorates(title, visible) and unanimous:
                return title, rule
            if (
                _rewritten_for_social(title, visible)
                or _decorates(title, visible)
                or _corroborated(visible, title, others)
            ):
                return visible, "h1"
            return title, rule
    if visible:
        return visible, "h1"
    traf = page.trafilatura_title()
    if traf and (title := usable(clean_text(traf))):
        return title, "trafilatura"
    if title := usable(_title_from_tag(page.root)):
        return title, "title_tag"
    return None, None


_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‘": "'", "’": "'",
                         "–": "-", "—": "-"})  # fmt: skip


def _same_wording(a: str, b: str) -> bool:
    """Equal once case, quote and dash styles and spacing are set aside."""
    return " ".join(a.translate(_QUOTES).casefold().split()) == " ".join(
        b.translate(_QUOTES).casefold().split()
    )


def _corroborated(visible: str | None, title: str, others: list[str]) -> bool:
    """True when the visible ``<h1>`` words the headline differently from the metadata
    ``title`` and another of the page's title places (og:title, JSON-LD headline or
    alternativeHeadline, ``<title>``) repeats the ``<h1>``: the metadata headline stands
    alone (an SEO variant), the one readers see is confirmed. Not when one merely
    contains the other."""
    if not visible or _same_wording(visible, title):
        return False
    a, b = title.casefold(), visible.casefold()
    if a in b or b in a:
        return False  # one adds words to the other ("The seven secrets ..."): not a rewrite
    return any(_same_wording(visible, other) for other in others)


def _title_from_tag(root: HtmlElement) -> str:
    raw = text_of(next(root.iter("title"), None))
    if not raw:
        return ""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
    return max(parts, key=len) if parts else raw


def _headline_text(h1: HtmlElement) -> str:
    """Text of the headline element without a kicker/overline child (class "kicker",
    "overline", "dachzeile", "topline", "eyebrow", ...) or visually hidden text
    ("visually-hidden", "sr-only"): the headline as the page prints it large."""
    kickers = [
        el
        for el in h1.iterdescendants()
        if {w for c in (el.get("class") or "").lower().split() for w in CLASS_SPLIT.split(c)}
        & _KICKER_WORDS
    ]
    if not kickers:
        return text_of(h1)
    pieces = []
    skip = set(kickers)
    for el in h1.iter():
        inside_kicker = el in skip or any(a in skip for a in el.iterancestors())
        if el is not h1 and not inside_kicker and el.text:
            pieces.append(el.text)
        if el is h1 and el.text:
            pieces.append(el.text)
        if el is not h1 and el.tail and not any(a in skip for a in el.iterancestors()):
            pieces.append(el.tail)
    text = " ".join(" ".join(pieces).split())
    return text or text_of(h1)


def _decorates(meta_title: str, visible: str | None) -> bool:
    """True when the metadata title is a kicker, a separator, then the visible ``<h1>`` of at
    least three words ("Siemens und die Kohlemine Adani: Kaeser verarscht Neubauer"): the
    analyst sees the ``<h1>``. (The other way round, "<h1>: more words", the ``<h1>`` is
    more likely a rubric than the headline.)"""
    if not visible or len(visible.split()) < 3 or visible == meta_title:
        return False
    a, b = meta_title.casefold(), visible.casefold()
    if a.endswith(b) and len(a) > len(b):
        return bool(_TITLE_SEPARATOR_END.search(meta_title[: len(a) - len(b)]))
    return False


def _rewritten_for_social(meta_title: str, visible: str | None) -> bool:
    """True when the page's visible ``<h1>`` is a variant of the metadata headline (at least
    half of the shorter one's words shared) that neither contains the other: outlets rewrite
    the og/JSON-LD headline for social media and search, the analyst sees the ``<h1>``. An
    ``<h1>`` that merely decorates the headline ("Politics | ...") contains it and loses."""
    if not visible or visible == meta_title:
        return False
    a, b = meta_title.casefold(), visible.casefold()
    if a in b or b in a:
        return False
    wa, wb = set(_WORD_RE.findall(a)), set(_WORD_RE.findall(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.5


def _words(text: str) -> tuple[str, ...]:
    """The casefolded words of a title: punctuation, quote and dash styles set aside."""
    return tuple(w.casefold() for w in _WORD_RE.findall(text))


def _supports(place: str, wording: str) -> bool:
    """True when a title place prints ``wording``: the same words, or the wording followed by
    a separator and a short site or section tag ("… | Sport")."""
    a, b = _words(place), _words(wording)
    if not b or a[: len(b)] != b:
        return False
    if len(a) == len(b):
        return True
    if len(a) - len(b) > _TAG_MAX_WORDS:
        return False
    # the words of ``wording`` end somewhere in ``place``: a separator must follow there
    at = 0
    for word in b:
        m = re.compile(re.escape(word), re.I).search(place, at)
        if m is None:
            return False
        at = m.end()
    return bool(_TAG_SEPARATOR.match(place[at:]))


def _breadcrumb_item(h1: HtmlElement) -> bool:
    """True when the ``<h1>`` is the last item of a breadcrumb trail (some CMSs print the
    SEO headline there, small, and the headline large in an ``<h2>``): it or one of its
    four nearest ancestors is named "breadcrumb" (class, id, ``data-breadcrumb*``,
    schema.org ``BreadcrumbList``), or a near ancestor holds nothing but two or more links,
    the first to the site's root, and then the ``<h1>``."""
    node: HtmlElement | None = h1
    for _ in range(_CRUMB_DEPTH + 1):
        if node is None or node.tag in ("body", "html"):
            break
        named = " ".join(node.get(a) or "" for a in ("class", "id", "itemtype")).casefold()
        if "breadcrumb" in named or any(k.startswith("data-breadcrumb") for k in node.attrib):
            return True
        node = node.getparent()
    return _ends_link_trail(h1)


def _ends_link_trail(h1: HtmlElement) -> bool:
    """True when one of the ``<h1>``'s three nearest ancestors holds two or more links before
    it, the first to the site's root ("/"), and no other words than theirs and the
    ``<h1>``'s: a breadcrumb trail, unnamed."""
    own = _words(text_of(h1))
    node = h1.getparent()
    for _ in range(_CRUMB_DEPTH - 1):
        if node is None or node.tag in ("body", "html"):
            return False
        links = [a for a in node.iter("a") if h1 not in a.iterancestors()]
        if len(links) >= 2:
            if urlsplit(links[0].get("href") or "").path not in ("", "/"):
                return False
            said = [w for a in links for w in _words(text_of(a))]
            return _words(text_of(node)) == (*said, *own)
        node = node.getparent()
    return False


def _headline_h2(page: Page, places: dict, usable) -> tuple[str, str] | None:
    """On a page without a visible ``<h1>`` (none outside chrome, or only the breadcrumb's),
    the headline printed large: the first ``<h2>`` outside chrome that prints the words of
    one of the metadata title places, whole or less a kicker printed in an element of its
    own (``<h2><span>Kicker</span><span>Headline</span></h2>``). Returns (the wording it
    prints, in the place's words: less the kicker where a place prints it so, else whole;
    the headline less its kicker), or None."""
    keys = {_words(t): t for t in places.values() if t}
    for el in page.root.iter("h2"):
        text = usable(text_of(el))
        if not text or in_chrome(el):
            continue
        words = _words(text)
        head = _after_kicker(el, words)
        if head is not None and _words(head) in keys:
            return keys[_words(head)], keys[_words(head)]
        if words in keys:
            return keys[words], (usable(head) if head else None) or keys[words]
    return None


def _after_kicker(h2: HtmlElement, words: tuple[str, ...]) -> str | None:
    """The text of the element of ``h2`` that prints its last words after a kicker of at
    most :data:`_KICKER_MAX_WORDS` words; None when no element does."""
    best = None
    for el in h2.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        own = _words(text_of(el))
        kicker = len(words) - len(own)
        if own and 0 < kicker <= _KICKER_MAX_WORDS and words[kicker:] == own:
            if best is None or len(own) > len(_words(best)):
                best = text_of(el)
    return best


def _agreed_wording(places: dict[str, str | None]) -> tuple[str, str] | None:
    """(title, rule) when most of the page's title places (JSON-LD headline, og:title, the
    visible headline, ``<title>``) print the same words, at least two of them and more than
    print any other wording: a headline one place alone rewrites for search or social media
    is outvoted, and so is a headline printed without the kicker that every metadata place
    puts before it ("Kicker: Headline" three times against "Headline"). A site or section tag
    after a separator ("… | Sport") does not make a wording differ. ``places``: rule ->
    cleaned wording or None (``h1``: the visible headline). None when no wording has such a
    majority."""
    wordings = [t for t in places.values() if t]

    def votes(wording: str) -> int:
        count = 0
        for text in places.values():
            count += bool(text and _supports(text, wording))
        return count

    tally = sorted(((votes(w), w) for w in dict.fromkeys(wordings)), key=lambda x: -x[0])
    if not tally or tally[0][0] < 2:
        return None
    best, wording = tally[0]
    if any(n == best and _words(w) != _words(wording) for n, w in tally[1:]):
        return None  # a tie between two wordings: the rules below decide
    key = _words(wording)
    printed = [r for r in _PLACE_ORDER if places.get(r) and _words(places[r]) == key]
    if not printed:
        return None
    # of the places printing exactly these words, the wording most of them share
    texts = [places[r] for r in printed]
    text = max(texts, key=lambda t: (texts.count(t), -texts.index(t)))
    return text, printed[texts.index(text)]
