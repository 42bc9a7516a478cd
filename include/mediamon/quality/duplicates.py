"""Near-duplicate headlines across outlets: the same story reworded or reprinted.

Two headlines are one story when their *story keys* (the normalized title of
:func:`mediamon.parse.normalize.normalize_title`, a trailing " | Outlet" / " — Outlet" segment
of up to three words dropped, punctuation removed, words shorter than three letters and
common function words dropped, each word cut to its first :data:`STEM` letters so that
Russian and Kazakh inflections meet: "Казахстане"/"Казахстану") score at least
:data:`THRESHOLD` with RapidFuzz's ``token_sort_ratio`` **and** have comparable lengths
(the shorter key has at least :data:`LENGTH_RATIO` of the longer's words). The length guard is
the precision guard: "В Казахстане предложили вдвое сократить количество чиновников" and
"Удастся ли Казахстану вдвое сократить количество чиновников так, чтобы их не стало еще
больше?" share most words of the shorter one, but they are two articles.

Matching pairs are joined into clusters (union-find). A cluster keeps its id across runs: it
takes the smallest existing id among its members, else a new id derived from its first
member's canonical URL, so re-running a day assigns the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from mediamon.parse.normalize import normalize_title

STEM = 6
THRESHOLD = 88.0
LENGTH_RATIO = 0.6
STOPWORDS = frozenset(
    "это как так что чтобы или для при про под над без его она они его них все уже еще ещё "
    "the and for with from that this are was were has have its into about after over".split()
)
_TAIL = re.compile(r"\s+[|\-:·•/]\s+(?:\S+\s*){1,3}$")


@dataclass(frozen=True)
class Item:
    """One headline to cluster: its canonical URL (the key), source, title and known cluster."""

    key: str
    source_id: str
    title: str
    cluster_id: str | None = None


def story_key(title: str | None) -> str:
    """The comparison key of a headline: stemmed content words, in order, space-separated."""
    text = normalize_title(title) or ""
    text = _TAIL.sub("", text) or text
    words = re.findall(r"[^\W\d_]+", text)
    return " ".join(w[:STEM] for w in words if len(w) > 2 and w not in STOPWORDS)


def same_story(a: str, b: str) -> bool:
    """True when two story keys (see :func:`story_key`) name the same story."""
    return _match(a, b, fuzz.token_sort_ratio(a, b))


def _match(a: str, b: str, score: float) -> bool:
    na, nb = len(a.split()), len(b.split())
    if not na or not nb or min(na, nb) / max(na, nb) < LENGTH_RATIO:
        return False
    return score >= THRESHOLD


def cluster(items: Iterable[Item]) -> dict[str, str]:
    """Cluster ids for every item's key: ``{key: cluster_id}`` (singletons included).

    Quadratic in the number of items but vectorised by RapidFuzz's ``cdist`` (a day's
    headlines across all sources: thousands, a second or two).
    """
    items = list({i.key: i for i in items}.values())
    keys = [story_key(i.title) for i in items]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if items:
        scores = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=THRESHOLD)
        for i, j in zip(*scores.nonzero(), strict=True):
            if i < j and _match(keys[i], keys[j], scores[i, j]):
                parent[find(int(j))] = find(int(i))
    groups: dict[int, list[Item]] = {}
    for index, item in enumerate(items):
        groups.setdefault(find(index), []).append(item)
    assigned = {}
    for members in groups.values():
        known = sorted(m.cluster_id for m in members if m.cluster_id)
        first = min(m.key for m in members)
        cluster_id = known[0] if known else hashlib.sha1(first.encode()).hexdigest()[:16]
        for member in members:
            assigned[member.key] = cluster_id
    return assigned
