"""The story's text from the page's own tree: the container its paragraphs sit in, found by
text and link density, with a test of whether that container can be trusted.

The tree :class:`~mediamon.parse.article.page.Page` parsed once is read as it is (no second
parse, no serialisation). Each ``<p>`` of 25+ characters outside site chrome scores its parent
(and half that its grandparent) by its length and commas, the way readability does; the best
scoring element, its score cut by its link density, is the story's container, together with
its siblings that score at least a fifth of it (a story split over several containers). Its
text is its blocks (paragraphs, headings, list items, quotes; inline elements joined without
added spaces) without link lists, boxes of links, figures, one-word buttons, headings after
the last paragraph and blocks printed three times or more; a lead printed above it in the
same ``<article>`` comes first.

:func:`dense_text` gives that text only when the container is *strong*, every test of
:func:`_weakness` passing: 400+ characters in 3+ paragraphs, 85% of the page's paragraph text
inside it, at most a fifth of its text in links, at most 15% of its text outside blocks
(:func:`_loose_chars`: a ``<br>``-separated story or a table would be lost). When the page
has fewer than 3 scoring paragraphs or its container failed only that last test, the story
may be printed in lines: :mod:`~mediamon.parse.article.lines` reads it so. Otherwise the body
chain asks trafilatura (:mod:`~mediamon.parse.article.body`), which is slower but reads the
harder layouts.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from mediamon.parse._tree import HtmlElement, in_chrome, text_of
from mediamon.parse.article.page import Page

# Elements whose text is one block of the story (leaves: the innermost of nested ones).
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5"})
# Blocks below these are no part of the text: a link (a teaser), a figure (its caption).
_SKIPPED_ANCESTORS = frozenset({"a", "figure"})
# Text below these is no loose prose (:func:`_loose_chars`).
_COVERED = frozenset({*BLOCK_TAGS, "a", "figure", "h1", "h6", "button", "label", "select"})
_REPEATED = 3  # copies of one block that make it a placeholder
# A sibling of the best container scoring this share of it is more of the story.
_SIBLING_SHARE = 0.2
_SCORED_MIN = 25  # characters of a paragraph that scores its container
_LEAD_MIN = 60  # characters of a lead printed above the container
_SCAN_MAX = 5000  # paragraphs looked at (bounded time on hostile pages)
# A strong container: at least this much text, in at least this many scoring paragraphs ...
_MIN_CHARS = 400
_MIN_PARAGRAPHS = 3
# ... holding this share of all scoring paragraph text of the page (outside chrome) ...
_MIN_SHARE = 0.85
# ... with at most this share of its text in links ...
_MAX_LINK_DENSITY = 0.2
# ... and at most this share of its text outside its blocks (text the blocks would lose).
_MAX_LOOSE = 0.15
# A block whose text is mostly links (a list of other stories) is left out of the text.
_BLOCK_LINK_DENSITY = 0.5


def one_word(text: str) -> bool:
    """True for a button or a label ("Teilen", "E-Mail"): one word without a digit, shorter
    than a scoring paragraph (a paragraph of Japanese or Chinese has no spaces either)."""
    return len(text) < _SCORED_MIN and " " not in text and not any(ch.isdigit() for ch in text)


def _text(el: HtmlElement, memo: dict[HtmlElement, str] | None) -> str:
    """:func:`text_of` ``el``, kept in ``memo`` (one reading of a page asks it of the same
    paragraphs, links and containers several times)."""
    if memo is None:
        return text_of(el)
    text = memo.get(el)
    if text is None:
        text = memo[el] = text_of(el)
    return text


def _link_chars(el: HtmlElement, memo: dict[HtmlElement, str] | None = None) -> int:
    return sum(len(_text(a, memo)) for a in el.iter("a"))


def _score(text: str) -> float:
    return 1 + text.count(",") + min(len(text) // 100, 3)


def _candidates(
    page: Page, memo: dict[HtmlElement, str]
) -> tuple[dict[HtmlElement, float], int, int]:
    """(container -> score, characters and number of the scoring paragraphs of the page)."""
    scores: dict[HtmlElement, float] = {}
    total = count = 0
    for i, p in enumerate(page.root.iter("p")):
        if i >= _SCAN_MAX:
            break
        text = _text(p, memo)
        if len(text) < _SCORED_MIN or in_chrome(p):
            continue
        total += len(text)
        count += 1
        parent = p.getparent()
        if parent is None:
            continue
        score = _score(text)
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    return scores, total, count


def flat_text(el: HtmlElement) -> str:
    """``el``'s text as a reader sees it: inline elements joined without added spaces
    ("Immobilien<b>giganten</b>" is one word), a ``<br>`` a space, whitespace collapsed."""
    if el.find(".//br") is None:
        return " ".join("".join(el.itertext()).split())
    return " ".join(_with_breaks(el).split())


def _with_breaks(el: HtmlElement) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(" " if child.tag == "br" else _with_breaks(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _own_text(el: HtmlElement) -> str:
    """The text of a block that holds other blocks (a ``<p>`` left open around a box),
    without the parts that hold them."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            if child.tag == "br" or next(child.iter(*BLOCK_TAGS), None) is not None:
                parts.append(" ")
            else:
                parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return "".join(parts)


class _Boxes:
    """Link density of the elements between a block and the container, computed once each:
    a box mostly of links (a teaser list, "most read") is not the story."""

    def __init__(self, container: HtmlElement, memo: dict[HtmlElement, str] | None = None):
        self.container = container
        self.dense: dict[HtmlElement, bool] = {}
        self.memo = memo

    def in_link_box(self, el: HtmlElement) -> bool:
        for node in el.iterancestors():
            if node is self.container:
                return False
            if node.tag in _SKIPPED_ANCESTORS:
                return True
            found = self.dense.get(node)
            if found is None:
                whole = len(_text(node, self.memo))
                found = bool(whole) and _link_chars(node, self.memo) > _BLOCK_LINK_DENSITY * whole
                self.dense[node] = found
            if found:
                return True
        return False


def _blocks(container: HtmlElement, memo: dict[HtmlElement, str] | None = None) -> list[str]:
    """The texts of ``container``'s leaf blocks: link lists, link boxes, figures and chrome
    left out, and the headings after the last paragraph (a list's title), and a block printed
    three times or more (an embed's placeholder: "External content not available")."""
    boxes = _Boxes(container, memo)
    out: list[tuple[str, bool]] = []
    for el in container.iterdescendants(*BLOCK_TAGS):
        if next(el.iterdescendants(*BLOCK_TAGS), None) is not None:
            text = " ".join(_own_text(el).split())  # its inner blocks are read apart
        else:
            text = flat_text(el)
        if not text or in_chrome(el) or boxes.in_link_box(el):
            continue
        if _link_chars(el, memo) > _BLOCK_LINK_DENSITY * len(text):
            continue
        if one_word(text):
            continue  # one word: a button ("Teilen", "E-Mail"), a label
        out.append((text, el.tag in _HEADINGS))
    while out and out[-1][1]:
        out.pop()
    seen = Counter(text for text, _heading in out)
    return [text for text, _heading in out if seen[text] < _REPEATED]


def _lead(container: HtmlElement) -> str:
    """The story's lead when it is printed above the container, in the same ``<article>``
    (an excerpt in the article's header): the first paragraph of 60+ characters, few links,
    in a preceding sibling of the container or of one of its ancestors up to the
    ``<article>``; "" without one or without an ``<article>`` within three levels."""
    chain = [container]
    for node in container.iterancestors():
        if len(chain) > 3 or node.tag in ("body", "html"):
            return ""
        if node.tag == "article":
            break
        chain.append(node)
    else:
        return ""
    for node in reversed(chain):  # the outermost siblings come first in the document
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or sibling.tag in _SKIPPED_ANCESTORS:
                continue
            for p in sibling.iter("p"):
                text = flat_text(p)
                if (
                    len(text) >= _LEAD_MIN
                    and next(p.iterancestors(*_SKIPPED_ANCESTORS), None) is None
                    and _link_chars(p) <= _MAX_LINK_DENSITY * len(text)
                ):
                    return text
    return ""


def _loose_chars(container: HtmlElement) -> int:
    """Characters of ``container``'s text outside any block, link or figure: prose that the
    blocks would lose (a story of ``<br>``-separated lines, a table)."""
    covered = {container: False}
    loose = len((container.text or "").strip())
    for node in container.iterdescendants():
        parent = node.getparent()
        inside = covered.get(parent, True)
        if not inside:
            loose += len((node.tail or "").strip())
        if not isinstance(node.tag, str):
            continue
        covered[node] = here = inside or node.tag in _COVERED
        if not here:
            loose += len((node.text or "").strip())
    return loose


def _weakness(
    containers: list[HtmlElement],
    blocks: list[str],
    total: int,
    memo: dict[HtmlElement, str],
    page: Page | None = None,
) -> str:
    """The first test of the module docstring that ``containers`` (with their ``blocks``)
    fail, "" when they hold the whole story: "short", "share", "links" or "loose". With
    ``page``, the share test leaves out the paragraphs of readers' comments, inside the
    containers and in the page's ``total`` (:func:`_comment_chars`)."""
    text = sum(len(b) for b in blocks)
    scoring = [b for b in blocks if len(b) >= _SCORED_MIN]
    if text < _MIN_CHARS or len(scoring) < _MIN_PARAGRAPHS:
        return "short"
    inside = sum(
        len(t)
        for c in containers
        for p in c.iter("p")
        if len(t := _text(p, memo)) >= _SCORED_MIN and (page is None or not _in_comments(p))
    )
    if page is not None:
        total -= _comment_chars(page)
    if inside < _MIN_SHARE * total:
        return "share"
    whole = sum(len(_text(c, memo)) for c in containers)
    if not whole or sum(_link_chars(c, memo) for c in containers) > _MAX_LINK_DENSITY * whole:
        return "links"
    return "loose" if sum(map(_loose_chars, containers)) > _MAX_LOOSE * whole else ""


# Class and id words of a readers' comment section (as readability's "unlikely candidates"),
# unless the same names say the element holds the article.
_COMMENTS = re.compile(r"(?i)comment|disqus|replies|shoutbox")
_NOT_COMMENTS = re.compile(r"(?i)article|body|content|main")


@lru_cache(maxsize=8192)
def _comment_names(names: str) -> bool:
    return bool(_COMMENTS.search(names)) and not _NOT_COMMENTS.search(names)


def _in_comments(el: HtmlElement) -> bool:
    """True when an ancestor of ``el`` has a class or id naming readers' comments
    ("sf_comment_text", "pb-comment-wrapper", "disqus_thread") and none naming the
    article."""
    for node in el.iterancestors():
        if node.tag in ("body", "html"):
            return False
        names = f"{node.get('class') or ''} {node.get('id') or ''}"
        if names != " " and _comment_names(names):
            return True
    return False


def _comment_chars(page: Page) -> int:
    """Characters of the page's scoring paragraphs (as :func:`_candidates` counts them) in
    readers' comments (:func:`_in_comments`)."""
    chars = 0
    for i, p in enumerate(page.root.iter("p")):
        if i >= _SCAN_MAX:
            break
        text = text_of(p)
        if len(text) >= _SCORED_MIN and not in_chrome(p) and _in_comments(p):
            chars += len(text)
    return chars


def _with_siblings(best: HtmlElement, scores: dict[HtmlElement, float]) -> list[HtmlElement]:
    """``best`` and its siblings that score at least :data:`_SIBLING_SHARE` of it (a story
    split over several containers), in document order."""
    parent = best.getparent()
    if parent is None:
        return [best]
    floor = _SIBLING_SHARE * scores[best]
    return [el for el in parent if el is best or scores.get(el, 0.0) >= floor]


def dense_text(page: Page) -> str:
    """The story's paragraphs joined by a blank line when its container is strong (module
    docstring), else "" (the caller then asks trafilatura)."""
    return paragraph_text(page)[0]


def paragraph_text(page: Page) -> tuple[str, bool]:
    """(:func:`dense_text`, whether the story may be printed in lines rather than
    paragraphs: fewer than 3 scoring paragraphs on the page, or a container that failed the
    strength test only by its text outside blocks; then the line reading of
    :mod:`~mediamon.parse.article.lines` may find it)."""
    memo: dict[HtmlElement, str] = {}
    scores, total, count = _candidates(page, memo)
    if count < _MIN_PARAGRAPHS or not scores:
        return "", True
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:3]
    best = max(
        ranked,
        key=lambda kv: kv[1] * (1 - _link_chars(kv[0], memo) / max(1, len(_text(kv[0], memo)))),
    )[0]
    containers = _with_siblings(best, scores)
    blocks = [text for c in containers for text in _blocks(c, memo)]
    weak = _weakness(containers, blocks, total, memo)
    if weak == "share":  # readers' comments may outweigh the story: the test without them
        weak = _weakness(containers, blocks, total, memo, page)
    if weak:
        return "", weak == "loose"
    lead = _lead(containers[0])
    if lead and lead not in blocks:
        blocks.insert(0, lead)
    return "\n\n".join(blocks), False
