"""Title cleaning: entities, whitespace, the outlet's name after a separator, doubled text.

Pages print headlines with HTML entities left in JSON-LD or meta (``&quot;``, ``&#171;``), with
line breaks and non-breaking spaces, with the site name appended ("… | Exclusive.kz",
"… — Tengrinews") and, on listing-style markup, twice in a row (image alt text plus link text:
"X X"). :func:`clean_title` undoes all of that; it never shortens a title to nothing.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable

# Separators between a headline and the outlet's name.
_SEPARATOR = r"\s+(?:[|—–\-:»·•/]|::|-{2})\s+|\s*\|\s*"
_SEPARATOR_RE = re.compile(_SEPARATOR)
_TAGS = re.compile(r"<[^>]{1,200}>")
_WORDS_SITEISH = re.compile(
    r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:kz|ru|com|net|org|info|media|news|ua|uz|kg|by|co\.uk|de)$",
    re.I,
)
_DATE_PIECE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}-\d{2}-\d{2}$")
_GENERIC_SITE_WORDS = frozenset(
    {"новости", "новости казахстана", "news", "latest news", "жаңалықтар", "главные новости",
     "последние новости", "актуальные новости"}
)  # fmt: skip


def normalize_whitespace(text: str) -> str:
    """Entities decoded (twice, for "&amp;quot;"), tags removed, whitespace collapsed."""
    text = html_lib.unescape(html_lib.unescape(text or ""))
    text = _TAGS.sub(" ", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def repair_doubled(text: str) -> str:
    """ "X X" -> "X" when the whole text is the same phrase printed twice (case and spacing
    ignored); a phrase of one short word ("Да Да") is left alone."""
    words = text.split()
    n = len(words)
    if n >= 2 and n % 2 == 0:
        half = n // 2
        first, second = words[:half], words[half:]
        if [w.casefold() for w in first] == [w.casefold() for w in second]:
            joined = " ".join(first)
            if len(joined) >= 8:
                return joined
    return text


def undouble(text: str) -> str:
    """``"X X"`` -> ``"X"`` when a headline is printed twice in a row (image alt text plus
    link text run together; words compared as they are); any other text is returned
    unchanged. The listings' rule: stricter than :func:`repair_doubled` (case counts) and
    looser (no minimum length)."""
    words = text.split()
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return text


def _site_like(piece: str, site_names: list[str], trailing: bool) -> bool:
    """A piece that names the outlet: a domain, a generic "Новости", one of ``site_names``
    (with or without its TLD, "www."); a trailing piece may also merely contain a name of
    4+ characters ("Exclusive — аналитика"), a leading one must be the name itself."""
    low = piece.casefold().strip(" .")
    if not low:
        return True
    if trailing and _DATE_PIECE.match(low):
        return True  # "… | DW | 28.04.2023": the page's date after the outlet's name
    if _WORDS_SITEISH.match(low) or low in _GENERIC_SITE_WORDS:
        return True
    for name in site_names:
        n = name.casefold().strip().removeprefix("www.")
        if not n:
            continue
        bare = re.sub(r"\.(?:kz|ru|com|net|org|media|info|co\.uk|de|fr|ua|uz|kg)$", "", n)
        if low in (n, bare):
            return True
        if trailing and len(bare) >= 4 and bare in low and len(low.split()) <= 4:
            return True
    return False


def strip_site_name(title: str, site_names: Iterable[str] = ()) -> str:
    """Cut the outlet's name off either end of ``title``: a piece after (or before) a
    separator (`` | `` `` — `` `` - `` `` :: `` `` » ``) that is one of ``site_names``, contains
    one, or looks like a domain ("Exclusive.kz", "nur.kz") or a generic "Новости"; at the end,
    also a numeric date ("… | DW | 28.04.2023"). The longest
    remaining part is kept only when exactly the site pieces are removed."""
    names = [n for n in site_names if n]
    parts = _SEPARATOR_RE.split(title)
    if len(parts) < 2:
        return title
    # remove site-like pieces from the end, then from the start
    while len(parts) > 1 and _site_like(parts[-1], names, trailing=True):
        parts.pop()
    while len(parts) > 1 and _site_like(parts[0], names, trailing=False):
        parts.pop(0)
    if len(parts) == len(_SEPARATOR_RE.split(title)):
        return title
    # re-join with the original separators between the kept parts
    seps = _SEPARATOR_RE.findall(title)
    pieces = _SEPARATOR_RE.split(title)
    start = pieces.index(parts[0])
    out = pieces[start]
    for i in range(1, len(parts)):
        out += seps[start + i - 1] + pieces[start + i]
    return out.strip()


def clean_title(raw: str | None, site_names: Iterable[str] = ()) -> str | None:
    """A headline ready to store: :func:`normalize_whitespace`, :func:`strip_site_name`,
    :func:`repair_doubled`; None when nothing is left."""
    if raw is None:
        return None
    text = normalize_whitespace(str(raw))
    text = strip_site_name(text, list(site_names))
    text = repair_doubled(text)
    return text or None
