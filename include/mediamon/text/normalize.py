"""Normalized headline titles: the key under which the same headline is recognised.

:func:`normalize_title` case-folds, turns ё into е, unifies quotes and dashes, drops a rubric
prefix ("Мнение:", "ВИДЕО:", "Пікір:") and a site suffix ("… | Exclusive.kz", "… — Tengrinews")
and collapses whitespace. It is for comparing and grouping; the title as published is kept
beside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_QUOTES = str.maketrans({c: '"' for c in "«»„“”‟″‹›‚‘’‛'`´"})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
# Rubric labels printed before a headline, case-insensitive (ru, kk, en).
RUBRICS = (
    "мнение", "колонка", "интервью", "видео", "фото", "фоторепортаж", "инфографика", "опрос",
    "эксклюзив", "срочно", "молния", "обновлено", "обновлено", "онлайн", "прямая трансляция",
    "блог", "комментарий", "аналитика", "расследование", "тест", "карточки", "подкаст",
    "пікір", "бейне", "сұхбат", "фотобаян", "шұғыл", "жедел",
    "opinion", "video", "photo", "photos", "live", "update", "updated", "breaking", "analysis",
    "interview", "exclusive", "podcast", "watch", "explainer",
)  # fmt: skip
_RUBRIC = re.compile(
    r"^\s*[\[(]?(?:" + "|".join(re.escape(r) for r in RUBRICS) + r")[\])]?\s*[:.|—-]\s+",
    re.I,
)
_SUFFIX = re.compile(r"\s+[|—–\-:·•/]\s+([^|—–·•]{1,60})$")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.I)


def _site_like(piece: str, site_names: list[str]) -> bool:
    low = piece.casefold().strip(" .")
    if _DOMAIN.match(low):
        return True
    for name in site_names:
        n = name.casefold().strip()
        if n and (low == n or low in n or n in low):
            return True
    return False


def normalize_title(title: str | None, site_names: Iterable[str] = ()) -> str | None:
    """The comparison form of a headline, or None for no title.

    Site suffixes are removed when the part after the last separator is a domain name or
    contains / is contained in one of ``site_names`` (the source's name and hosts, e.g.
    "Exclusive", "exclusive.kz"); rubric prefixes from :data:`RUBRICS` followed by a colon are
    removed (repeatedly: "Видео: Мнение: …"). Never returns an empty string for a non-empty
    title: when stripping would leave nothing, the unstripped form is kept.
    """
    if not title:
        return None
    text = unicodedata.normalize("NFKC", title)
    text = " ".join(text.replace("\u00ad", "").split())
    if not text:
        return None
    names = [n for n in site_names if n]
    for _ in range(3):
        m = _SUFFIX.search(text)
        if not m or not _site_like(m.group(1), names) or not text[: m.start()].strip():
            break
        text = text[: m.start()].rstrip()
    for _ in range(3):
        stripped = _RUBRIC.sub("", text, count=1)
        if stripped == text or not stripped.strip():
            break
        text = stripped
    text = text.casefold().replace("ё", "е")
    text = text.translate(_QUOTES)
    text = _DASHES.sub("-", text)
    text = text.replace("…", "...")
    text = " ".join(text.split()).strip()
    return text or None


def strip_nul(value: Any) -> tuple[Any, int]:
    """``value`` with U+0000 removed from every string in it (str, or dicts / lists / tuples
    of them, keys included) and how many were removed. PostgreSQL ``text`` refuses U+0000,
    so every parser output goes through this before it leaves the parse stage."""
    if isinstance(value, str):
        count = value.count("\x00")
        return (value.replace("\x00", ""), count) if count else (value, 0)
    if isinstance(value, dict):
        total = 0
        out = {}
        for key, item in value.items():
            key, a = strip_nul(key)
            out[key], b = strip_nul(item)
            total += a + b
        return (out, total) if total else (value, 0)
    if isinstance(value, list | tuple):
        pairs = [strip_nul(item) for item in value]
        total = sum(n for _, n in pairs)
        if not total:
            return value, 0
        items = [v for v, _ in pairs]
        return (items if isinstance(value, list) else tuple(items)), total
    return value, 0
