"""Near-duplicates across outlets: the same story reworded, reprinted or retold.

Two items are one story when either rule joins them:

**Headlines.** Their *story keys* (the normalized title of
:func:`mediamon.text.normalize.normalize_title`, a trailing " | Outlet" / " — Outlet" segment
of up to three words dropped, punctuation removed, words shorter than three letters and
common function words dropped, each word cut to its first :data:`STEM` letters so that
Russian and Kazakh inflections meet: "Казахстане"/"Казахстану") score at least
:data:`THRESHOLD` with RapidFuzz's ``token_sort_ratio`` **and** have comparable lengths
(the shorter key has at least :data:`LENGTH_RATIO` of the longer's words). The length guard is
the precision guard: "В Казахстане предложили вдвое сократить количество чиновников" and
"Удастся ли Казахстану вдвое сократить количество чиновников так, чтобы их не стало еще
больше?" share most words of the shorter one, but they are two articles.

**Bodies.** Outlets that tell one story in their own words title it too differently for the
headline rule ("A Man Developed 'Feather Duvet Lung' After Getting New Bedding" / "The man
whose duvet nearly killed him"). For items with a body of at least :data:`BODY_MIN_CHARS`
characters, the title plus the body's first :data:`LEAD_WORDS` words (the lead, where a news
story states who, what and where) become a TF-IDF vector (scikit-learn, sublinear term
frequency, the same stemmed words as the story key, IDF over the items clustered together);
a cosine of at least :data:`BODY_THRESHOLD` joins them. Word-shingle resemblance (MinHash)
was measured first and rejected: retellings share almost no 3- or 5-word shingles (Jaccard
≤ 0.05 on the labelled fixture groups, the same as unrelated pages), so shingles only find
copies, which the lead cosine finds too (a reprint scores near 1). Thresholds were chosen on
the labelled real pages of ``bench/bench_duplicates.py`` (see the README for the figures).

Matching pairs are joined into clusters (union-find). A cluster keeps its id across runs: it
takes the smallest existing id among its members, else a new id derived from its first
member's canonical URL, so re-running a day assigns the same ids.

Scale: headline comparison is blocked. Identical story keys are compared once; each distinct
key is put in the blocks of its :data:`BLOCK_TOKENS` rarest words (document frequency over the
items), and RapidFuzz's ``cdist`` scores the keys within each block. Keys that match share
most words, hence one of their rarest ones; ``bench/bench_duplicates_scale.py`` measures what
blocking misses against the exhaustive comparison, and the time and memory on 1,000,000
headlines.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from mediamon.text.normalize import normalize_title

STEM = 6
THRESHOLD = 88.0
LENGTH_RATIO = 0.6
BLOCK_TOKENS = 2
BLOCK_CHUNK = 2000  # rows of a block scored at once (memory: BLOCK_CHUNK x block bytes)
BODY_MIN_CHARS = 300
LEAD_WORDS = 150
BODY_THRESHOLD = 0.22
BODY_WORD_MIN = 4  # shorter words carry little topic in a lead ("the", "was", "это")
STOPWORDS = frozenset(
    "это как так что чтобы или для при про под над без его она они его них все уже еще ещё "
    "the and for with from that this are was were has have its into about after over".split()
)
BODY_STOPWORDS = STOPWORDS | frozenset(
    "this that with from have were been they their there which would about what when will "
    "more than other into after also some could them only over such most like just said says "
    "year years people time very your even many much because these those where while made "
    "make before since being does более также который которые было были этот этого если "
    "только может после года году время".split()
)
_AFFIX_HINT = re.compile(r"[:.|/·•\u2010-\u2015\u2212\ufe58\ufe63\uff0d-]\s")
_TAIL = re.compile(r"\s+[|\-:·•/]\s+(?:\S+\s*){1,3}$")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Item:
    """One headline or article to cluster.

    ``key``: its canonical URL (unique per item); ``title`` as published; ``body``: the
    article's text (None for a headline seen only in a list; only its lead is used);
    ``cluster_id``: the story it already belongs to, if any.
    """

    key: str
    source_id: str
    title: str
    cluster_id: str | None = None
    body: str | None = None


def story_key(title: str | None) -> str:
    """The comparison key of a headline: stemmed content words, in order, space-separated.

    Same result as taking :func:`mediamon.text.normalize.normalize_title` first; a title with
    no separator followed by a space (no rubric prefix or site suffix can be stripped) skips
    it, since its other changes only touch punctuation, which the key drops (3x faster).
    """
    text = unicodedata.normalize("NFKC", title or "").replace("\u00ad", "")
    if _AFFIX_HINT.search(text):
        text = normalize_title(title) or ""
        text = _TAIL.sub("", text) or text
    else:
        text = text.casefold().replace("ё", "е")
    words = _WORD.findall(text)
    return " ".join(w[:STEM] for w in words if len(w) > 2 and w not in STOPWORDS)


def same_story(a: str, b: str) -> bool:
    """True when two story keys (see :func:`story_key`) name the same story."""
    return _match(a, b, fuzz.token_sort_ratio(a, b))


def _match(a: str, b: str, score: float) -> bool:
    na, nb = a.count(" ") + 1 if a else 0, b.count(" ") + 1 if b else 0
    if not na or not nb or min(na, nb) / max(na, nb) < LENGTH_RATIO:
        return False
    return score >= THRESHOLD


def lead_words(text: str | None) -> list[str]:
    """The stemmed content words of ``text`` used by the body rule (casefolded, ё → е)."""
    words = _WORD.findall((text or "").casefold().replace("ё", "е"))
    return [w[:STEM] for w in words if len(w) >= BODY_WORD_MIN and w not in BODY_STOPWORDS]


def _lead(item: Item) -> str:
    return f"{item.title}\n{' '.join((item.body or '').split()[:LEAD_WORDS])}"


def sorted_key(key: str) -> str:
    """A story key with its words sorted: ``token_sort_ratio`` is the plain ratio of these."""
    return " ".join(sorted(key.split()))


def title_pairs(keys: list[str], *, exhaustive: bool = False) -> Iterator[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of ``keys`` that :func:`same_story` joins.

    ``keys``: distinct story keys passed through :func:`sorted_key` (identical keys are one
    story already). Blocked on each key's :data:`BLOCK_TOKENS` rarest words unless
    ``exhaustive`` (every pair: quadratic, for measuring what blocking misses).
    """
    blocks = [np.arange(len(keys))] if exhaustive else _blocks(keys)
    for members in blocks:
        sub = [keys[i] for i in members]
        for start in range(0, len(sub), BLOCK_CHUNK):
            scores = process.cdist(
                sub[start : start + BLOCK_CHUNK], sub, scorer=fuzz.ratio,
                score_cutoff=THRESHOLD, dtype=np.uint8,
            )  # fmt: skip
            for a, b in zip(*scores.nonzero(), strict=True):
                a = int(a) + start
                if a < b and _match(sub[a], sub[b], scores[a - start, b]):
                    yield int(members[a]), int(members[b])


def _blocks(keys: list[str]) -> list[np.ndarray]:
    """Groups of key indices sharing one of their :data:`BLOCK_TOKENS` rarest words.

    Rarity is the document frequency over ``keys`` (ties broken by the word's id, so the
    choice is deterministic). Only groups of two or more are returned.
    """
    ids: dict[str, int] = {}
    flat = array("i")
    lengths = np.empty(len(keys), dtype=np.int32)
    for i, key in enumerate(keys):
        words = set(key.split())
        lengths[i] = len(words)
        flat.extend([ids.setdefault(w, len(ids)) for w in words])
    del ids
    tokens = np.frombuffer(flat, dtype=np.int32)
    owner = np.repeat(np.arange(len(keys), dtype=np.int32), lengths)
    df = np.bincount(tokens)
    # within each key, its words from rarest to commonest; keep the first BLOCK_TOKENS
    order = np.lexsort((tokens, df[tokens], owner))
    starts = np.cumsum(lengths) - lengths
    rank = np.arange(len(tokens), dtype=np.int32) - np.repeat(starts, lengths)
    keep = order[rank < BLOCK_TOKENS]
    del order, rank
    tokens, owner = tokens[keep], owner[keep]
    order = np.argsort(tokens, kind="stable")
    tokens, owner = tokens[order], owner[order]
    cuts = np.flatnonzero(np.diff(tokens)) + 1
    return [g for g in np.split(owner, cuts) if len(g) > 1]


def body_pairs(items: list[Item]) -> Iterator[tuple[int, int, float]]:
    """Index pairs ``(i, j, cosine)`` of ``items`` whose leads are one story (see module doc).

    Items without a body of :data:`BODY_MIN_CHARS` characters take no part.
    """
    docs = [i for i, item in enumerate(items) if len(item.body or "") >= BODY_MIN_CHARS]
    if len(docs) < 2:
        return
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lead_words, sublinear_tf=True)
    matrix = vectorizer.fit_transform([_lead(items[i]) for i in docs])
    for start in range(0, len(docs), 1000):
        sims = (matrix[start : start + 1000] @ matrix.T).tocoo()
        for a, b, value in zip(sims.row, sims.col, sims.data, strict=True):
            a = int(a) + start
            if a < b and value >= BODY_THRESHOLD:
                yield docs[a], docs[int(b)], float(value)


def cluster(items: Iterable[Item]) -> dict[str, str]:
    """Cluster ids for every item's key: ``{key: cluster_id}`` (singletons included).

    Items with the same ``key`` count once (the last wins). Headlines are compared blocked
    (:func:`title_pairs`), bodies by their leads' TF-IDF cosine (:func:`body_pairs`).
    Memory: about 0.5 KB per item on top of the items (measured on 1,000,000 headlines).
    """
    items = list({i.key: i for i in items}.values())
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(j)] = find(i)

    first_of_key: dict[str, int] = {}
    for index, item in enumerate(items):
        key = story_key(item.title)
        if not key:
            continue
        key = sorted_key(key)
        first = first_of_key.setdefault(key, index)
        if first != index:  # the same words: one story, no need to score
            union(first, index)
    distinct, owner = list(first_of_key), list(first_of_key.values())
    del first_of_key
    for a, b in title_pairs(distinct):
        union(owner[a], owner[b])
    del distinct, owner
    for a, b, _ in body_pairs(items):
        union(a, b)
    first_member: dict[int, str] = {}
    known: dict[int, str] = {}
    roots = [find(i) for i in range(len(items))]
    for root, item in zip(roots, items, strict=True):
        if root not in first_member or item.key < first_member[root]:
            first_member[root] = item.key
        if item.cluster_id and (root not in known or item.cluster_id < known[root]):
            known[root] = item.cluster_id
    ids = {
        root: known.get(root) or hashlib.sha1(key.encode()).hexdigest()[:16]
        for root, key in first_member.items()
    }
    return {item.key: ids[root] for root, item in zip(roots, items, strict=True)}
