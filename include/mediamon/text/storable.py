"""Text every later stage can hold: valid Unicode without U+0000.

Parsers hand over Python strings that UTF-8 cannot encode (a lone surrogate from a JSON-LD
``"\\ud800"``, a pair of surrogates from ``&#55357;&#56832;``) or that PostgreSQL ``text``
refuses (U+0000). :func:`storable_text` repairs them once, at the boundary where parser output
becomes a batch record (:func:`mediamon.batches.write_batch`), and says what it repaired so
the record can carry the note: never a silent change.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def _repair(text: str, counts: Counter[str]) -> str:
    """``text`` made storable; ``counts`` receives the repairs by kind."""
    if "\x00" in text:
        counts["NUL"] += text.count("\x00")
        text = text.replace("\x00", "")
    if not _UNSTORABLE.search(text):
        return text
    surrogates = len(_UNSTORABLE.findall(text))
    before = text.count(REPLACEMENT)
    # UTF-16 joins a high surrogate followed by a low one into their character; any other
    # surrogate is a lone one: U+FFFD
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    lone = text.count(REPLACEMENT) - before
    counts["lone surrogate"] += lone
    counts["surrogate pair"] += (surrogates - lone) // 2
    return text


def _walk(value: Any, counts: Counter[str]) -> Any:
    if isinstance(value, str):
        return _repair(value, counts)
    if isinstance(value, dict):
        return {_walk(k, counts): _walk(v, counts) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_walk(v, counts) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


_NOTES = {
    "lone surrogate": "lone surrogates replaced by U+FFFD: {n}",
    "surrogate pair": "surrogate pairs joined into their characters: {n}",
    "NUL": "NUL characters removed (PostgreSQL text refuses U+0000): {n}",
}


def storable_text(value: Any) -> tuple[Any, list[str]]:
    """``(value, notes)``: ``value`` (a str, or dicts / lists / tuples of them, keys included)
    with every string valid Unicode that PostgreSQL ``text`` accepts, and one note per kind
    of repair (empty when nothing changed; then ``value`` is returned as given).

    Repairs: a high surrogate followed by a low one becomes their character; any other
    surrogate becomes U+FFFD; U+0000 is removed (as :func:`mediamon.text.normalize.strip_nul`
    does: UTF-16 read as a single-byte code page has one after every letter, so a space
    would split every word). Never raises.
    """
    counts: Counter[str] = Counter()
    repaired = _walk(value, counts)
    notes = [_NOTES[kind].format(n=n) for kind, n in counts.items() if n]
    return (repaired, notes) if notes else (value, [])
