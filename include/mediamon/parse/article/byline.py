"""The byline rules of an article page: where the authors' names are printed.

The chain (first rule with a name wins, recorded as ``authors_source``): the profile's
``byline`` selector, JSON-LD ``author`` (organisations typed as such), author ``<meta>``
(repeated tags are several people), microdata ``itemprop=author``, then ``byline_pattern``:
``<a rel=author>`` / a class naming a byline nearest the headline, a short labelled line near
it ("Автор: ...", "By ..."), or anywhere in an element whose class names an author
("article__author": "Von ..."), an author field ("<strong>Autor</strong> Name"), a line
holding only a news agency's name, or the agency of the story's dateline; last,
trafilatura's author when the page prints it. Metadata naming only organisations (a desk,
an agency, the outlet's domain or initials) is held while the page is searched for a person
of two words or more, and given when none is found. Metadata naming the outlet itself is
given last, when nothing else names anyone: the outlet signs the story (``editorial``), as
fundus's and readability's gold read such pages. Names found in the markup count only
outside site chrome, headline lists and teaser cards. The names themselves are cleaned and
classified by :mod:`mediamon.parse.authors`.
"""

from __future__ import annotations

import re

from mediamon.parse._tree import HtmlElement, in_chrome, select, text_longer_than, text_of
from mediamon.parse.article.page import (
    CLASS_SPLIT,
    META_AUTHOR,
    ORGANISATION_TYPES,
    XML_SPACE,
    Page,
    element_value,
    host_names,
    in_listing_item,
    ld_people,
    outlet_names,
)
from mediamon.parse.authors import authors_status, byline_kind, clean_authors, name_kind

_BYLINE_LABEL = re.compile(
    r"(?i)^(?:автор(?:ы)?(?:\s+(?:сюжета|материала|текста|статьи))?|текст|материал\s+подготовил[аи]?"
    r"|подготовил[аи]?|авторлар|мәтін|дайындаған|avtor|daiyndağan"
    r"|by|posted\s+by|written\s+by|reporting\s+by|par|von|por)\b\s*:?\s*\S"
)
_BYLINE_MAX = 120
_SOURCE_LABEL = re.compile(r"(?i)^\s*(?:источник|дереккөз|source|по\s+материалам)\s*:?\s*")
_AGENCY_CREDIT_MAX = 60
_PICTURE_CLASS = re.compile(r"(?i)image|photo|picture|caption|img|media|gallery|credit")
# A wire story's dateline: "Астана. 5 сәуір. KAZINFORM – ...", "АЛМАТЫ, 12 марта. КазТАГ -".
_DATELINE = re.compile(
    r"^[^\W\d_][^\W\d_ -]{1,25}(?:[ -][^\W\d_]{2,25})?[.,]\s+\d{1,2}\s+[^\W\d_]{3,12}\.?"
    r"(?:\s+\d{4})?[.,]?\s+([^\W\d_][\w«»\"'. -]{1,30}?)\s*[–—-]\s"
)
# The letters the class tests below read case-insensitively (as XPath's translate() did).
_BYLINE_CASE = str.maketrans("BYLINE", "byline")
_AUTHOR_CASE = str.maketrans("AUTHOR", "author")
_NOT_BYLINE_PARTS = frozenset({"date", "time", "dateline", "photo", "img", "image", "label"})


def find_authors(page: Page) -> tuple[list[str], str, str | None, str | None]:
    """(names, authors_status, authors_source, byline_kind)."""
    names, status, source_name, orgs = _authors_chain(page)
    known = orgs + outlet_names(page)
    kinds = [
        "editorial" if k == "person" and _outlet_like(page, n) else k
        for n, k in ((n, name_kind(n, known)) for n in names)
    ]
    if "person" in kinds and "editorial" in kinds:
        # "Rob Picheta, CNN": the outlet's own name next to a person is not an author
        names = [n for n, k in zip(names, kinds, strict=True) if k != "editorial"]
        status = authors_status(names, known)
    return names, status, source_name, byline_kind(names, known)


def _authors_chain(page: Page) -> tuple[list[str], str, str | None, list[str]]:
    site_names = outlet_names(page)
    candidates: list[tuple[str, list[str], list[str]]] = []
    profile = [text_of(el) for el in page.select("byline")]
    candidates.append(("profile", profile, []))
    if page.ld:
        names, orgs = ld_people(page.ld.get("author"), page.ids)
        candidates.append(("jsonld", names, orgs))
    candidates.append(("meta", _meta_authors(page), []))
    # metadata naming the outlet itself (BBC's JSON-LD author = publisher) is the CMS
    # default, not a byline: look further down the chain. Metadata naming only other
    # organisations (a desk, an agency, the outlet's domain or initials) is held while the
    # rules below look for a person the page prints, and given when none is found
    held: tuple[list[str], str, str | None, list[str]] | None = None
    outlet_only: tuple[list[str], str, str | None, list[str]] | None = None
    for source_name, raw, orgs in candidates:
        names = clean_authors(raw)
        if source_name == "profile":
            if names:
                status = authors_status(names, site_names)
                return names, status, source_name, []
            continue
        if held is not None:
            break  # later metadata does not outvote it: only names the page prints do
        outlet = {n.casefold() for n in site_names}
        people = [n for n in names if n.casefold() not in outlet]
        if names and not people and outlet_only is None:
            outlet_only = (names, "editorial", source_name, [])
        known = clean_authors(orgs) + site_names + [n for n in people if _outlet_like(page, n)]
        status = authors_status(people, known)
        if status == "present":
            return people, status, source_name, clean_authors(orgs)
        if people:
            held = (people, status, source_name, clean_authors(orgs))
    found = _page_authors(page, site_names)
    if found is not None and (held is None or _names_a_person(page, found[0], site_names)):
        return found
    if held is not None:
        return held
    author = page.trafilatura_author()
    if author:
        names = [n for n in clean_authors(author.split(";")) if _text_in_article(page, n)]
        if names:
            return names, authors_status(names, site_names), "trafilatura", []
    if outlet_only is not None:
        return outlet_only
    return [], "absent", None, []


def _page_authors(
    page: Page, site_names: list[str]
) -> tuple[list[str], str, str | None, list[str]] | None:
    """The names the page itself prints: microdata ``itemprop=author``, else a byline
    element nearest the headline, a labelled line, an agency credit or dateline; None."""
    micro: list[str] = []
    micro_orgs: list[str] = []
    for el in page.marked("author"):
        if not _byline_in_article(page, el, text_of(el)):
            continue
        inner = next(iter(select(el, "[itemprop~=name]")), None)
        value = element_value(inner) if inner is not None else element_value(el)
        micro.append(value)
        if str(el.get("itemtype") or "").rsplit("/", 1)[-1] in ORGANISATION_TYPES:
            micro_orgs.append(value)
    names = clean_authors(micro)
    if names:
        status = authors_status(names, clean_authors(micro_orgs) + site_names)
        return names, status, "microdata", clean_authors(micro_orgs)
    found = [
        el
        for el in _byline_elements(page)
        if text_of(el) and _byline_in_article(page, el, text_of(el))
    ]
    anchor = page.headline()
    if anchor is not None and len(found) > 1:
        at = page.position(anchor)
        found.sort(key=lambda el: abs(page.position(el) - at))
    names = clean_authors([text_of(el) for el in found[:1]])
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    names = (
        clean_authors(_labelled_byline(page))
        or clean_authors(_labelled_author_block(page))
        or clean_authors(_author_field(page))
    )
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    names = clean_authors(_agency_credit(page)) or clean_authors(_dateline_agency(page))
    if names:
        return names, authors_status(names, site_names), "byline_pattern", []
    return None


def _names_a_person(page: Page, names: list[str], site_names: list[str]) -> bool:
    """True when ``names`` hold a person's name of two words or more (what outvotes an
    organisation named by the metadata: not a lone word such as "Min." or a staff code)."""
    return any(
        len(re.findall(r"[^\W\d_]+", n)) >= 2
        and name_kind(n, site_names) == "person"
        and not _outlet_like(page, n)
        for n in names
    )


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[^\W\d_]+", name)).casefold()


def _outlet_like(page: Page, name: str) -> bool:
    """True when ``name`` names the outlet itself: one of its names (:func:`outlet_names`),
    a domain, its host's name ("ndr.de"), the initials of one of its names ("LTO" for
    "Legal Tribune Online"), words whose initials spell its host ("Deutsche Welle" on
    dw.com), or one of its desks: the host's name or a one-word name of the outlet, then
    more words ("MDR Thüringen" on mdr.de, "BBC Sport")."""
    low = " ".join(name.casefold().split())
    names = [" ".join(n.casefold().split()) for n in outlet_names(page)]
    hosts = [h for h in host_names(page) if h]
    labels = {h.split(".")[-2] if h.count(".") else h for h in hosts}
    if low in names or low in hosts or low.removeprefix("www.") in hosts:
        return True
    words = low.split()
    single = {n for n in names if len(n.split()) == 1}
    if len(words) >= 2 and len(words[0]) >= 2 and words[0] in labels | single:
        return True
    letters = re.sub(r"[^\w]", "", low)
    if len(letters) >= 2 and any(len(n.split()) >= 2 and letters == _initials(n) for n in names):
        return True
    return len(low.split()) >= 2 and _initials(low) in labels


def _meta_authors(page: Page) -> list[str]:
    """Every value of the first author ``<meta>`` name the page uses (repeated tags such as
    several ``citation_author`` / ``author`` are several people); profile URLs refused."""
    for key in (*META_AUTHOR, "citation_author"):
        values = [
            str(m.get("content") or "").strip()
            for m in page.root.iter("meta")
            if str(m.get("name") or m.get("property") or "").strip().lower() == key
        ]
        values = [v for v in values if v and not re.match(r"(?i)https?://|www\.", v)]
        if values:
            return values
    return []


def _byline_elements(page: Page) -> list[HtmlElement]:
    """``<a rel=author>`` and elements with a class naming a byline: the word "byline" in a
    class split on "-"/"_" ("byline", "pb-byline", "byline-author", "article__byline"),
    not a date/photo part of it ("byline__date"); outermost only (a byline's inner
    "byline-name" adds nothing)."""
    out: list[HtmlElement] = []
    candidates = [
        el
        for el in page.named()
        if (el.tag == "a" and "author" in XML_SPACE.split(el.get("rel") or ""))
        or "byline" in (el.get("class") or "").translate(_BYLINE_CASE)
    ]
    for el in candidates:
        if el.tag != "a" or "author" not in (el.get("rel") or "").lower().split():
            parts = [
                set(CLASS_SPLIT.split(c))
                for c in (el.get("class") or "").lower().split()
                if "byline" in c
            ]
            if not any("byline" in p and not p & _NOT_BYLINE_PARTS for p in parts):
                continue
        if any(a in out for a in el.iterancestors()):
            continue
        out.append(el)
    return out


def _labelled_byline(page: Page) -> list[str]:
    """A short element next to the headline that starts with a byline label ("Автор:",
    "Текст:", "By", "Par"), outside chrome and headline lists: [its text] or []."""
    for el, _before in page.near_headline():
        # the element's text, else the text after it ("<br>Автор:&nbsp;Имя<br>" in a
        # container whose own text is the whole story)
        for text, holder in ((text_of(el), el), (" ".join((el.tail or "").split()), None)):
            if not text or len(text) > _BYLINE_MAX or not _BYLINE_LABEL.match(text):
                continue
            holder = holder if holder is not None else el.getparent()
            if holder is None or in_chrome(holder) or in_listing_item(holder, text):
                continue
            return [text]
    return []


_AUTHOR_CLASS_WORDS = frozenset({"author", "authors"})


def _labelled_author_block(page: Page) -> list[str]:
    """An element whose class names an author ("article__author", "authors__list-item")
    and whose short text starts with a byline label ("Von Seb Dumitru", "By ..."), outside
    chrome, headline lists and teaser cards, nearest the headline (else the first): [its
    text] or []. The label is what tells a byline from an author box or a comment's author.
    """
    found = []
    named = page.named()
    for el in (e for e in named if "author" in (e.get("class") or "").translate(_AUTHOR_CASE)):
        words = {w for c in str(el.get("class")).lower().split() for w in CLASS_SPLIT.split(c)}
        text = text_of(el)
        if not words & _AUTHOR_CLASS_WORDS or not text or len(text) > _BYLINE_MAX:
            continue
        if _BYLINE_LABEL.match(text) and _byline_in_article(page, el, text):
            found.append(el)
    anchor = page.headline()
    if anchor is not None and len(found) > 1:
        at = page.position(anchor)
        found.sort(key=lambda el: abs(page.position(el) - at))
    return [text_of(found[0])] if found else []


# The label of an author field: "<li><strong>Autorin/Autor</strong> Name</li>",
# "<dt>Автор</dt><dd>Name</dd>".
_FIELD_LABEL = re.compile(
    r"(?i)^(?:autor(?:in)?(?:\s*/\s*autor(?:in)?)?|autoren|authors?|auteurs?|autore|автор[ыи]?"
    r"|авторлар)\s*:?$"
)
_FIELD_TAGS = ("strong", "b", "dt", "th", "label", "span")
_FIELD_VALUE_MAX = 80


def _author_field(page: Page) -> list[str]:
    """A labelled author field anywhere in the story (a metadata box after it, often): an
    element holding only an author label ("Autorin/Autor", "Author", "Автор") followed by the
    name, in its parent (``<li><strong>Autor</strong> Name</li>``) or in the next ``<dd>``/
    ``<td>``; outside chrome, headline lists and teaser cards: [the name] or []."""
    for el in page.root.iter(*_FIELD_TAGS):
        label = text_of(el)
        if not label or not _FIELD_LABEL.match(label) or len(el):
            continue
        if el.tag in ("dt", "th"):
            holder = el.getnext()
            value = text_of(holder) if holder is not None else ""
        else:
            holder = el.getparent()
            value = (text_of(holder) or "").replace(label, "", 1) if holder is not None else ""
        value = " ".join(value.split()).strip(" :")
        if not value or len(value) > _FIELD_VALUE_MAX or holder is None:
            continue
        # the field's own holder must not be a teaser (its neighbours in a metadata box
        # may well link to topic pages)
        if in_chrome(holder) or _in_teaser(page, holder) or _links_a_story(holder):
            continue
        return [value]
    return []


def _links_a_story(el: HtmlElement) -> bool:
    """True when ``el`` holds a link with a headline-like text (20+ characters, 3+ words)."""
    for link in el.iter("a"):
        text = text_of(link)
        if link.get("href") and len(text) >= 20 and len(text.split()) >= 3:
            return True
    return False


def _agency_credit(page: Page) -> list[str]:
    """A short element next to the headline that holds only a news agency's name (the
    "Интерфакс-Казахстан" line wire stories carry above or under the headline; "Источник:
    Kazinform"), outside chrome and headline lists: [the agency] or []. A person's name is
    never taken this way: only what :func:`~mediamon.parse.authors.name_kind` calls an agency.
    """
    for el, _before in page.near_headline():
        raw = (text_of(el) or "").strip()
        if not raw or raw[0] in "([" or len(el) or _in_picture(el):
            continue  # "(The Associated Press)" under a photo is its credit; leaves only
        text = _SOURCE_LABEL.sub("", raw).strip(" «»\"'.")
        if not text or len(text) > _AGENCY_CREDIT_MAX:
            continue
        if name_kind(text) != "agency" or in_chrome(el) or in_listing_item(el, text):
            continue
        return [text]
    return []


def _in_picture(el: HtmlElement) -> bool:
    """True inside a figure, its caption or a container whose class names an image."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("figure", "figcaption", "picture"):
            return True
        if _PICTURE_CLASS.search(str(node.get("class") or "") + " " + str(node.get("id") or "")):
            return True
    return False


def _dateline_agency(page: Page) -> list[str]:
    """The agency named in the dateline that opens the story's first paragraph after the
    headline ("Астана. 5 сәуір. KAZINFORM – ..."): [the agency] when
    :func:`~mediamon.parse.authors.name_kind` calls it one, else []."""
    for el, before in page.near_headline():
        if before or el.tag != "p" or in_chrome(el):
            continue
        m = _DATELINE.match(text_of(el) or "")
        name = m[1].strip(" «»\"'.") if m else ""
        return [name] if name and name_kind(name) == "agency" else []
    return []


def _byline_in_article(page: Page, el: HtmlElement, name: str) -> bool:
    return not in_chrome(el) and not in_listing_item(el, name) and not _in_teaser(page, el)


# A teaser card: an <article> or list item short enough to be one, that links to a story.
_TEASER_TAGS = frozenset({"article", "li"})
_TEASER_MAX_TEXT = 600


def _in_teaser(page: Page, el: HtmlElement) -> bool:
    """True when ``el`` sits in a teaser card of another story: an ``<article>`` or ``<li>``
    ancestor that does not hold the page's headline, has under 600 characters of text and
    links to another page with a headline-like text (20+ characters, 3+ words)."""
    anchor = page.headline()
    holds_headline = set() if anchor is None else {anchor, *anchor.iterancestors()}
    for node in el.iterancestors():
        if node.tag in ("body", "html") or node in holds_headline:
            return False
        if node.tag not in _TEASER_TAGS or text_longer_than(node, _TEASER_MAX_TEXT):
            continue
        if _links_a_story(node):
            return True
    return False


def _text_in_article(page: Page, name: str) -> bool:
    """True when ``name`` is printed somewhere outside site chrome and headline lists."""
    key = name.casefold()
    for el in page.elements():
        for text, parent in ((el.text, el), (el.tail, el.getparent())):
            if not text or key not in text.casefold() or parent is None:
                continue
            if parent.tag not in ("title", "head") and _byline_in_article(page, parent, name):
                return True
    return False
