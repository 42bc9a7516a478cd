"""The story's text read line by line, for pages whose story is not in paragraphs: lines
separated by ``<br>`` (``<p>line<br>line<br>...</p>``, ``<div>text<br><br>text</div>``) or
bare text in ``<div>``/``<span>`` elements. The second reading of the body's own extractor
(:mod:`~mediamon.parse.article.density`), asked only when its paragraph reading is weak.

Each run of text belongs to its *holder*, the nearest element around it that is not inline
(a ``<span>``, ``<b>``, ``<a>`` ... holds no text of its own: it is part of its holder's
line); a holder's text splits into lines at each ``<br>`` and around each block child (read
apart, as its own holder). A holder that holds nothing but inline elements and lines reads
like a paragraph and scores its parent, one that also holds blocks (the story's ``<div>``
with a figure among its lines) scores itself; lines of 25+ characters score, the way
paragraphs do in the first reading. The container, its siblings and the strength test are
the first reading's (400+ characters in 3+ scoring lines, 85% of the page's scoring line
text inside, at most a fifth of it in links), except the test of text outside blocks: here
every text is in a line. The text leaves out, as there, chrome, link boxes, figures,
one-word lines and lines printed three times or more.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from mediamon.parse._tree import HtmlElement, in_chrome
from mediamon.parse.article.density import (
    _BLOCK_LINK_DENSITY,
    _MAX_LINK_DENSITY,
    _MIN_CHARS,
    _MIN_PARAGRAPHS,
    _MIN_SHARE,
    _REPEATED,
    _SCAN_MAX,
    _SCORED_MIN,
    _SIBLING_SHARE,
    _Boxes,
    _lead,
    _link_chars,
    _score,
    _text,
    one_word,
)
from mediamon.parse.article.page import Page

# Elements that are part of their holder's line (phrasing content).
INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i",
     "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong",
     "sub", "sup", "time", "tt", "u", "var", "wbr"}
)  # fmt: skip
_HEADINGS = frozenset({"h2", "h3", "h4", "h5"})
# Holders whose lines are no part of the story's text (the headline is the record's title).
_SKIPPED = frozenset(
    {"html", "head", "title", "body", "h1", "address", "figure", "figcaption", "button",
     "label", "select", "option", "textarea"}
)  # fmt: skip
# A class or id naming pictures: a caption, a gallery or a slideshow is no part of the text
# (as a <figure> is not).
_PICTURES = re.compile(r"(?i)caption|gallery|slideshow|carousel")


def _in_pictures(holder: HtmlElement, container: HtmlElement) -> bool:
    """True when ``holder`` or an element between it and ``container`` names pictures."""
    for node in (holder, *holder.iterancestors()):
        if node is container:
            return False
        if _PICTURES.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


class _Holders:
    """The lines of the tree below ``root``, each with its holder, in document order; every
    holder's lines; and which holders also hold blocks (one walk of the tree)."""

    def __init__(self, root: HtmlElement):
        self.segments: list[tuple[HtmlElement, str]] = []
        self.blocky: set[HtmlElement] = set()
        buffers: dict[HtmlElement, list[str]] = {}
        holder_of: dict[HtmlElement, HtmlElement] = {}

        def flush(holder: HtmlElement) -> None:
            line = " ".join("".join(buffers[holder]).split())
            buffers[holder] = []
            if line:
                self.segments.append((holder, line))

        for event, node in etree.iterwalk(root, events=("start", "end")):
            tag = node.tag
            if not isinstance(tag, str):
                continue
            parent = node.getparent()
            outer = holder_of.get(parent) if parent is not None else None
            block = tag not in INLINE or outer is None
            if event == "start":
                holder = node if block else outer
                holder_of[node] = holder  # type: ignore[assignment]
                if block:
                    buffers[node] = []
                    if outer is not None:
                        flush(outer)  # a <br> or a block child ends the line
                        if tag != "br":
                            self.blocky.add(outer)
                if node.text and tag != "br":
                    buffers[holder].append(node.text)  # type: ignore[index]
            else:
                if block:
                    flush(node)
                if outer is not None and node.tail:
                    buffers[outer].append(node.tail)
        self.lines: dict[HtmlElement, list[str]] = {}
        for holder, line in self.segments:
            self.lines.setdefault(holder, []).append(line)


def _scored(
    holders: _Holders, memo: dict[HtmlElement, str]
) -> tuple[dict[HtmlElement, float], dict[HtmlElement, list[str]], int, int]:
    """(container -> score, holder -> lines for the holders outside chrome with lines,
    characters and number of the scoring lines of the page)."""
    scores: dict[HtmlElement, float] = {}
    kept: dict[HtmlElement, list[str]] = {}
    total = count = 0
    for i, (holder, lines) in enumerate(holders.lines.items()):
        if i >= _SCAN_MAX * 4:
            break
        if holder.tag in _SKIPPED or in_chrome(holder):
            continue
        kept[holder] = lines
        if holder.tag in _HEADINGS or _link_chars(holder, memo) > _BLOCK_LINK_DENSITY * sum(
            map(len, lines)
        ):
            continue  # a heading, a teaser's link: no paragraph of a story
        target = holder if holder in holders.blocky else holder.getparent()
        for line in lines:
            if len(line) < _SCORED_MIN or target is None:
                continue
            total += len(line)
            count += 1
            score = _score(line)
            scores[target] = scores.get(target, 0.0) + score
            grand = target.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + score / 2
    return scores, kept, total, count


def _text_lines(
    containers: list[HtmlElement],
    kept: dict[HtmlElement, list[str]],
    holders: _Holders,
    memo: dict[HtmlElement, str],
) -> list[str]:
    """The lines of the holders in ``containers``, in document order: link boxes, figures,
    link-dense holders, one-word lines, trailing headings and lines printed three times or
    more left out."""
    usable: set[HtmlElement] = set()
    for container in containers:
        boxes = _Boxes(container, memo)
        for holder in container.iter():
            lines = kept.get(holder)
            if not lines or (holder is not container and boxes.in_link_box(holder)):
                continue
            if _in_pictures(holder, container):
                continue
            if _link_chars(holder, memo) <= _BLOCK_LINK_DENSITY * sum(map(len, lines)):
                usable.add(holder)
    out = [
        (line, holder.tag in _HEADINGS)
        for holder, line in holders.segments
        if holder in usable and not one_word(line)  # (one word: a button, a label)
    ]
    while out and out[-1][1]:
        out.pop()
    seen = Counter(text for text, _heading in out)
    return [text for text, _heading in out if seen[text] < _REPEATED]


def line_text(page: Page) -> str:
    """The story's lines joined by a blank line when their container is strong (module
    docstring), else ""."""
    holders = _Holders(page.root)
    memo: dict[HtmlElement, str] = {}  # texts of links and containers, read once
    scores, kept, total, count = _scored(holders, memo)
    if count < _MIN_PARAGRAPHS or not scores:
        return ""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:3]
    best = max(
        ranked,
        key=lambda kv: kv[1] * (1 - _link_chars(kv[0], memo) / max(1, len(_text(kv[0], memo)))),
    )[0]
    parent = best.getparent()
    floor = _SIBLING_SHARE * scores[best]
    containers = (
        [best]
        if parent is None
        else [el for el in parent if el is best or scores.get(el, 0.0) >= floor]
    )
    lines = _text_lines(containers, kept, holders, memo)
    if sum(len(line) for line in lines) < _MIN_CHARS:
        return ""
    if sum(len(line) >= _SCORED_MIN for line in lines) < _MIN_PARAGRAPHS:
        return ""
    inside_holders = {h for c in containers for h in c.iter() if h in kept}
    inside = sum(len(line) for h in inside_holders for line in kept[h] if len(line) >= _SCORED_MIN)
    if inside < _MIN_SHARE * total:
        return ""
    whole = sum(len(_text(c, memo)) for c in containers)
    if not whole or sum(_link_chars(c, memo) for c in containers) > _MAX_LINK_DENSITY * whole:
        return ""
    lead = _lead(containers[0])
    if lead and lead not in lines:
        lines.insert(0, lead)
    return "\n\n".join(lines)
