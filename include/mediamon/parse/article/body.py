"""The body rules of an article page: the story's text, paragraphs joined by a blank line.

The chain: the profile's ``body`` selector, schema.org ``articleBody`` (JSON-LD, then one
``itemprop=articleBody`` element; refused when a teaser), the container of the page's
paragraphs when it is strong (:mod:`~mediamon.parse.article.density`, on the tree already
parsed; its lines when the story is printed as ``<br>``-separated lines or bare ``<div>``
text, :mod:`~mediamon.parse.article.lines`), trafilatura's extraction (without the headline
lists and widgets it keeps after the story), else every ``<p>`` outside chrome.
The text is then cleaned (:func:`find_body`): template placeholders, label-only lines, "read
also" lines and boilerplate, and a first paragraph repeating the title go.
"""

from __future__ import annotations

import html as html_lib
import itertools
import re

from mediamon.parse._tree import HtmlElement, in_chrome, text_of
from mediamon.parse.article.density import paragraph_text
from mediamon.parse.article.lines import line_text
from mediamon.parse.article.page import PLACEHOLDER, READ_ALSO, READ_ALSO_MAX, Page

_BODY_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote", "pre")
_TAG = re.compile(r"<[^>]{0,500}>")
# A JSON-LD articleBody / microdata articleBody element holding less than this share of the
# page's paragraph text (outside chrome) is a teaser or a fragment, not the article.
_STRUCTURED_BODY_SHARE = 0.6
_STRUCTURED_BODY_MIN = 200
# A widget line: exchange rates ("USD 450,70"), weather ("Астана -18 °C").
_WIDGET_LINE = re.compile(r"(?i)^(?:USD|EUR|RUB|CNY|KZT|GBP)\b\s*[\d.,\s]+$|°\s*[CС]?\s*$")
_HEADING_MAX = 50  # characters
_KICKER_MAX = 80  # characters of a kicker before the headline in a first paragraph
_TITLE_SEPARATOR_END = re.compile(r"[:|—–\-·•/]\s*$")
# A trafilatura text with less than this share of its characters in lines of 8+ words is a
# menu, not a story (the fast mode sometimes takes the navigation).
_PROSE_SHARE_MIN = 0.5
_PROSE_WORDS = 8
_ITEM_EXTRA_MAX = 40  # characters around a linked headline in a list item (time, source)
# Paragraphs the last-resort body looks at and keeps (bounded time on hostile pages).
_FALLBACK_SCAN = 20_000
_FALLBACK_PARAGRAPHS = 2000
_BLADE_COMMENT = re.compile(r"\{\{--.*?--\}\}|\{\{--|--\}\}", re.S)
_LABEL_ONLY = re.compile(r"^[^\W\d_][^:]{0,30}:$")
# Boilerplate lines outlets print under or inside stories: opinion disclaimers, paywall prompts.
_BOILERPLATE = re.compile(
    r"(?i)^\s*(?:(?:мнение|точка\s+зрения)\s+автора\s+может\s+не\s+совпадать"
    r"|автордың\s+(?:пікірі|көзқарасы)\s+редакция|the\s+views\s+expressed\s+(?:here|in\s+this)"
    r"|оформите\s+подписку|подпишитесь,\s+чтобы\s+(?:читать|продолжить)"
    r"|жазылыңыз|subscribe\s+to\s+(?:read|continue)"
    # newsletter, follow-us and comment prompts printed after the story
    r"|sign\s+up\s+(?:for|to)\b|(?:jetzt\s+)?(?:den\s+)?newsletter\s+abonnieren"
    r"|follow\s+(?:\S+\s+){1,3}on\s+(?:google\s+news|twitter|x|facebook|instagram)\b"
    r"|folgen\s+sie\s+uns|join\s+(?:our\s+commenting\s+forum|the\s+conversation"
    r"|thought-provoking\s+conversations)|you\s+must\s+confirm\s+your\s+public\s+display\s+name"
    r"|please\s+log\s*out\s+and\s+then\s+log\s*in)"
)


def _body(page: Page) -> tuple[str, str]:
    """(body text, rule): the profile's ``body`` selector, schema.org ``articleBody``
    (:func:`_structured_body`), a strong paragraph container (:func:`paragraph_text`) or
    line container (:func:`line_text`), trafilatura, else every ``<p>`` outside chrome."""
    for el in page.select("body"):
        text = _body_from_element(el)
        if text:
            return text, "profile"
    text, rule = _structured_body(page)
    if text:
        return text, rule
    text, in_lines = paragraph_text(page)
    if not text and in_lines:
        text = line_text(page)
    if text:
        return text, "density"
    text = _trafilatura_text(page, fast=True)
    if text and _prose_share(text) < _PROSE_SHARE_MIN:
        # the fast mode took a menu for the story: the full mode (readability/jusText
        # second opinion) is asked once, and kept when more of its text is prose
        slow = _trafilatura_text(page, fast=False)
        if slow and _prose_share(slow) > _prose_share(text):
            text = slow
    if text:
        return _trim_trailing_lists(_paragraphs(text), page), "trafilatura"
    scanned = itertools.islice(page.root.iter("p"), _FALLBACK_SCAN)
    blocks = (text_of(p) for p in scanned if not in_chrome(p))
    return "\n\n".join(itertools.islice((b for b in blocks if b), _FALLBACK_PARAGRAPHS)), (
        "paragraphs"
    )


def _trafilatura_text(page: Page, fast: bool) -> str:
    """trafilatura's text of the page ("" when it finds none, fails, or the page is too
    large for it)."""
    # imported here: trafilatura takes ~0.2 s to import, and most pages never need it
    from trafilatura import bare_extraction

    try:
        if not page.heavy_allowed():
            raise ValueError("page too large for trafilatura")
        doc = bare_extraction(
            page.html,
            url=page.url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            fast=fast,  # fast: no second opinion from readability/jusText, 1/3 less time
        )
    except Exception:  # trafilatura failing must not lose the whole record
        doc = None
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def _prose_share(text: str) -> float:
    """Share of ``text``'s characters in lines of at least :data:`_PROSE_WORDS` words
    (sentences, not menu items)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    total = sum(len(line) for line in lines)
    prose = sum(len(line) for line in lines if len(line.split()) >= _PROSE_WORDS)
    return prose / total if total else 0.0


def _structured_body(page: Page) -> tuple[str, str]:
    """(text, rule) from schema.org markup: the JSON-LD ``articleBody`` (entities decoded,
    tags removed; rule "jsonld"), else the one ``itemprop=articleBody`` element (rule
    "microdata"); ("", "") when neither exists or the text is shorter than 200 characters
    or than 60% of the page's paragraph text outside chrome (a teaser)."""
    raw = page.ld.get("articleBody") if page.ld else None
    candidates: list[tuple[str, str]] = []
    if isinstance(raw, str) and len(raw) >= _STRUCTURED_BODY_MIN:
        text = html_lib.unescape(raw)
        text = _paragraphs(_TAG.sub("\n", text) if "<" in text else text)
        candidates.append((text, "jsonld"))
    marked = page.marked("articleBody")
    if len(marked) == 1:
        candidates.append((_body_from_element(marked[0]), "microdata"))
    paragraph_chars: int | None = None
    for text, rule in candidates:
        if len(text) < _STRUCTURED_BODY_MIN:
            continue
        if paragraph_chars is None:
            paragraph_chars = _paragraph_chars(page)
        if len(text) >= _STRUCTURED_BODY_SHARE * paragraph_chars:
            return text, rule
    return "", ""


def _paragraph_chars(page: Page) -> int:
    return sum(len(text_of(p)) for p in page.root.iter("p") if not in_chrome(p))


def _body_from_element(el: HtmlElement) -> str:
    blocks = [
        text_of(b)
        for b in el.iterdescendants(*_BODY_BLOCKS)
        if next(b.iterdescendants(*_BODY_BLOCKS), None) is None
    ]
    blocks = [b for b in blocks if b]
    if blocks:
        return "\n\n".join(blocks)
    return _paragraphs("\n".join(el.itertext()))


def _paragraphs(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)


def _trim_trailing_lists(body: str, page: Page) -> str:
    """``body`` (paragraphs separated by blank lines) without the headline lists and widgets
    a generic extractor keeps after the story ("Другие новости раздела:", "Соңғы
    жаңалықтар", exchange rates, weather). From the end: a paragraph built around the text
    of a link to another page of the site (a headline: 3+ words, at most 40 other
    characters such as its time or source) goes, so do widget lines, and a short heading
    without closing punctuation goes once a list or widget below it went. Stops at the
    first other paragraph: the story's own text is never cut from the middle."""
    paragraphs = body.split("\n\n")
    links = page.headline_link_texts()
    kept = len(paragraphs)
    below = False  # a list item or widget line below went
    while kept:
        para = paragraphs[kept - 1].strip()
        plain = para.lstrip("-•· ").casefold()
        item = any(link in plain and len(plain) - len(link) <= _ITEM_EXTRA_MAX for link in links)
        heading = len(para) <= _HEADING_MAX and para[-1:] not in '.!?…»"”'
        if item or _WIDGET_LINE.search(para):
            below = True
        elif not (heading and below):
            break
        kept -= 1
    return "\n\n".join(paragraphs[:kept]) if kept else body


def _clean_body(body_text: str) -> str:
    """Template placeholders removed ("{{$article->title}}", "{!! ... !!}", "{{-- --}}"),
    then paragraphs with no letter left, or only a label ("Опубликовано:"), dropped."""
    if "{" not in body_text and not any(p.endswith(":") for p in body_text.split("\n\n")):
        return body_text
    text = _BLADE_COMMENT.sub(" ", body_text)
    kept = []
    for para in text.split("\n\n"):
        para = " ".join(PLACEHOLDER.sub(" ", para).split())
        if not any(ch.isalpha() for ch in para) or _LABEL_ONLY.match(para):
            continue
        kept.append(para)
    return "\n\n".join(kept)


def _drop_read_also(body_text: str) -> str:
    """Paragraphs of at most 200 characters that only point at another story ("Читайте
    также: …", "Тағы оқыңыз: …", "Read more: …") or are the outlet's boilerplate (opinion
    disclaimer, paywall prompt) dropped from the body."""
    paragraphs = body_text.split("\n\n")
    kept = [
        p
        for p in paragraphs
        if len(p) > READ_ALSO_MAX or not (READ_ALSO.match(p) or _BOILERPLATE.match(p))
    ]
    return "\n\n".join(kept) if len(kept) != len(paragraphs) else body_text


def _drop_leading_title(body_text: str, title: str | None) -> str:
    """Extractors often keep the headline as the first paragraph; the record has it apart."""
    if title:
        first, _, rest = body_text.partition("\n\n")
        first, title = " ".join(first.split()).casefold(), " ".join(title.split()).casefold()
        if first == title:
            return rest
        # the headline with its kicker ("Kicker: Headline"), the record keeps the headline
        kicker = first.removesuffix(title) if first.endswith(title) else ""
        if kicker and len(kicker) <= _KICKER_MAX and _TITLE_SEPARATOR_END.search(kicker):
            return rest
    return body_text


def find_body(page: Page, title: str | None) -> tuple[str, str | None]:
    """(article text of ``page``, its rule): the text is paragraphs joined by "\\n\\n" (""
    when none), from the first rule of the chain that gives text (profile, jsonld,
    microdata, density, trafilatura, paragraphs; None with no text), then template
    placeholders, label-only lines, "read also" lines and boilerplate removed, and a first
    paragraph equal to ``title`` dropped."""
    body_text, rule = _body(page)
    text = _drop_leading_title(_drop_read_also(_clean_body(body_text)), title)
    return text, (rule if text else None)
