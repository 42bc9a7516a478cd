"""The title and byline fallbacks of trafilatura's metadata, read at less cost.

When the page's own rules find no author (or no title), trafilatura's metadata is asked:
``trafilatura.metadata.extract_metadata``'s steps that decide the two fields, in its order
(``<meta>``, JSON-LD, then the title or author XPaths), without the date (htmldate), site
name, categories, tags and licence it would also look for. Each field is read only when a
rule asks for it (the byline rules nearly always, the title rules rarely).

trafilatura's author XPaths (``trafilatura.xpaths.AUTHOR_XPATHS``, and the
``AUTHOR_DISCARD_XPATHS`` pruned before them) test class and id attributes with EXSLT
regular expressions, which libxml2 evaluates by calling back into Python for every element:
four fifths of the metadata's time. :func:`_author_from_tree` evaluates the same tests in one
walk of the tree (:func:`_matches`) and then does what ``extract_author`` does with the
elements found (deletes the discarded ones on its own copy of the tree, keeping their tails,
and takes the first text of 3 to 119 characters, in the XPaths' order), so that its answer is
trafilatura's. One test of the first XPath is left out: ``rel='me'`` there compares a child
*element* named ``rel`` (a typo for ``@rel``; no HTML has such elements).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

# trafilatura.xpaths.AUTHOR_XPATHS, one test per XPath: (tags or None for any, exact
# attribute values, attribute substrings, attribute regular expressions).
_AUTHOR_TESTS: tuple[tuple[frozenset[str] | None, tuple, tuple, tuple], ...] = (
    (
        frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
        (("rel", "author"), ("id", "author"), ("class", "author"), ("itemprop", "author name"),
         ("data-testid", "AuthorCard"), ("data-testid", "AuthorURL")),
        (),
        (("class", re.compile("author-?name|AuthorName|authorName")),),
    ),
    (
        frozenset({"a", "div", "h3", "h4", "p", "span"}),
        (("class", "byline"), ("class", "username"), ("class", "byl"), ("class", "BBL")),
        (("itemprop", "author"),),
        (("id", re.compile("author|zuozhe|bianji|xiaobian")),
         ("class", re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by"
                              "|posted-by|journalist-name"))),
    ),
    (
        None,
        (),
        (("data-component", "Byline"), ("itemprop", "author")),
        (("id", re.compile("[Aa]uthor")),
         ("class", re.compile("[Aa]uthor|screenname|writer|[Bb]yline"))),
    ),
)  # fmt: skip
# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS: its first XPath (below the root), then
# //time|//figure.
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_EXACT = (("id", "comments"), ("class", "comments"), ("class", "title"), ("class", "date"))
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_AUTHOR_LEN_LIMIT = 120  # extract_author's len_limit


def _matches(el: Any, test: tuple) -> bool:
    tags, exact, contained, patterns = test
    if tags is not None and el.tag not in tags:
        return False
    get = el.get
    return (
        any(get(name) == value for name, value in exact)
        or any(value in (get(name) or "") for name, value in contained)
        or any(pattern.search(get(name) or "") for name, pattern in patterns)
    )


def _discarded(el: Any, is_root: bool) -> bool:
    if el.tag in ("time", "figure"):
        return True
    if is_root or el.tag not in _DISCARD_TAGS:
        return False
    get = el.get
    return (
        any(get(name) == value for name, value in _DISCARD_EXACT)
        or bool(_DISCARD_ID.search(get("id") or ""))
        or bool(_DISCARD_CLASS.search(get("class") or ""))
        or "Figure" in (get("data-component") or "")
    )


# Supersets of the two sets above, in XPath that libxml2 evaluates alone (no regular
# expressions): every element the tests can match holds one of these substrings.
_AUTHOR_LIKE = etree.XPath(
    "//*[" + " or ".join(
        [f"contains(@{a}, 'uthor')" for a in ("class", "id", "rel", "itemprop", "data-testid")]
        + [f"contains(@class, '{w}')" for w in ("yl", "BBL", "username", "screenname",
                                                "writer", "channel-name", "submitted-by",
                                                "posted-by", "journalist-name")]
        + [f"contains(@{a}, '{w}')" for a in ("class", "id") for w in ("zuozhe", "bianji",
                                                                     "xiaobian")]
        + ["contains(@data-component, 'Byline')"]
    ) + "] | //author"
)  # fmt: skip
_DISCARD_LIKE = etree.XPath(
    ".//*[self::a or self::div or self::section or self::span][" + " or ".join(
        ["contains(@id, 'omment')", "contains(@id, 'ProductReviews')", "@class='title'",
         "@class='date'", "contains(@data-component, 'Figure')"]
        + [f"contains(@class, '{w}')" for w in ("omment", "sidebar", "is-hidden", "quote",
                                                "embedly-instagram", "article-", "print",
                                                "category", "meta-")]
    ) + "]"
)  # fmt: skip


def _author_from_tree(tree: Any) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``'s answer (module docstring); ``tree`` is
    pruned in place (the caller's own copy)."""
    from trafilatura.metadata import normalize_authors
    from trafilatura.utils import trim
    from trafilatura.xml import delete_element

    # discarded elements: the first XPath's matches in document order, then time/figure ones
    first = [el for el in _DISCARD_LIKE(tree) if _discarded(el, el is tree)]
    for el in [*first, *tree.iter("time", "figure")]:
        delete_element(el)
    found: list[list[Any]] = [[], [], []]
    for el in _AUTHOR_LIKE(tree):
        for i, test in enumerate(_AUTHOR_TESTS):
            if _matches(el, test) or (i == 0 and el.tag == "author"):
                found[i].append(el)
    for results in found:
        for el in results:
            content = trim(" ".join(el.itertext()))
            if content and 2 < len(content) < _AUTHOR_LEN_LIMIT:
                return normalize_authors(None, content)
    return None


class FallbackMeta:
    """trafilatura's title and author of one page (module docstring), each read on first
    use; None where trafilatura finds none or cannot read the page."""

    def __init__(self, html: str):
        self._html = html
        self._metadata: Any = None  # trafilatura's Document after <meta> and JSON-LD
        self._loaded: Any = None  # the tree they were read from, until a rule prunes it
        self._title: Any = False
        self._author: Any = False

    def _meta(self) -> Any:
        if self._metadata is None:
            from trafilatura.metadata import examine_meta, extract_meta_json
            from trafilatura.utils import load_html

            tree = load_html(self._html)
            if tree is None:
                self._metadata = False
                return None
            self._loaded = tree
            metadata = examine_meta(tree)
            if metadata.author and " " not in metadata.author:
                metadata.author = None
            try:
                metadata = extract_meta_json(tree, metadata)
            except Exception:  # (as extract_metadata: bugs in trafilatura's JSON-LD reading)
                pass
            self._metadata = metadata
        return self._metadata or None

    def _tree(self) -> Any:
        """The page's trafilatura tree, unpruned (parsed again once the author was read)."""
        from trafilatura.utils import load_html

        return self._loaded if self._loaded is not None else load_html(self._html)

    @property
    def title(self) -> str | None:
        """trafilatura's title: ``<meta>``/JSON-LD, else ``extract_title`` on the page."""
        if self._title is False:
            self._title = None
            metadata = self._meta()
            if metadata is not None:
                from trafilatura.metadata import extract_title

                tree = self._tree()
                title = metadata.title or (extract_title(tree) if tree is not None else None)
                self._title = _clean(title)
        return self._title

    @property
    def author(self) -> str | None:
        """trafilatura's author: ``<meta>``/JSON-LD, else the author XPaths' first text."""
        if self._author is False:
            self._author = None
            metadata = self._meta()
            if metadata is not None:
                author = metadata.author
                if not author:
                    tree = self._tree()
                    self._loaded = None  # pruned below
                    author = _author_from_tree(tree) if tree is not None else None
                self._author = _clean(author)
        return self._author


def _clean(value: Any) -> str | None:
    """What ``Document.clean_and_trim`` makes of one field (cut at 10,000 characters,
    entities decoded, spaces and control characters removed); None when empty."""
    from html import unescape

    from trafilatura.utils import line_processing

    if not isinstance(value, str):
        return None
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value)) or None
