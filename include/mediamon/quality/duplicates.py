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

Matching pairs are joined into clusters (connected components). A cluster keeps its id across
runs: it takes the smallest existing id among its members, else a new id derived from its first
member's canonical URL (the smallest), so re-running a day assigns the same ids; the result does
not depend on the order of the items.

Scale: both rules are blocked (:mod:`mediamon.quality.blocking`), so time grows linearly with
the items. Identical story keys are compared once; each distinct key is put in the blocks of
its :data:`BLOCK_TOKENS` rarest words (document frequency over the items), each lead in the
blocks of its :data:`BODY_PREFIX` heaviest TF-IDF terms; a block over its cap
(:data:`TITLE_BLOCK_CAP`, :data:`BODY_BLOCK_CAP`) is re-blocked on its members' next rarest
words, then compared in windows. RapidFuzz's ``cpdist`` scores the candidate keys, a sparse
row product the candidate leads; a candidate already in the same cluster is not scored.
Recall is kept because matching keys share most words (hence one of their rarest ones, and
one of the next ones), and matching leads share heavy terms; ``bench/bench_duplicates.py``
(labelled real pages: unchanged precision and recall) and ``bench/bench_duplicates_scale.py``
(blocked against exhaustive comparison, time on 1,000,000 headlines and 10,000 synthetic
articles) measure it.
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

from mediamon.quality.blocking import candidate_pairs
from mediamon.text.normalize import normalize_title

STEM = 6
THRESHOLD = 88.0
LENGTH_RATIO = 0.6
BLOCK_TOKENS = 2
TITLE_BLOCK_CAP = 64  # larger blocks of headlines are compared in windows (blocking.py)
BLOCK_CHUNK = 2000  # rows scored at once by the exhaustive comparison (memory: x n bytes)
BODY_MIN_CHARS = 300
LEAD_WORDS = 150
BODY_THRESHOLD = 0.22
BODY_PREFIX = 20  # an item's heaviest lead terms it is blocked on
BODY_BLOCK_CAP = 64  # larger blocks of leads are compared in windows (blocking.py)
BODY_BATCH = 50_000  # candidate pairs scored at once
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
    """Index pairs ``(i, j)``, ``i < j``, of ``keys`` that :func:`same_story` joins, sorted.

    ``keys``: distinct story keys passed through :func:`sorted_key` (identical keys are one
    story already). Blocked on each key's :data:`BLOCK_TOKENS` rarest words, blocks over
    :data:`TITLE_BLOCK_CAP` keys compared in windows (:mod:`mediamon.quality.blocking`), unless
    ``exhaustive`` (every pair: quadratic, for measuring what blocking misses).
    """
    yield from map(tuple, _title_edges(keys, exhaustive=exhaustive).tolist())


def _title_edges(keys: list[str], *, exhaustive: bool = False,
                 labels: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """:func:`title_pairs` as a sorted, unique ``(m, 2)`` int64 array.

    ``labels``: the keys' clusters so far (one int per key, updated in place), when only the
    pairs that join two clusters are wanted: a candidate pair already in one cluster is not
    scored.
    """
    words = [key.split() for key in keys]
    n_words = np.array([len(w) for w in words], dtype=np.int64)
    if exhaustive:
        return _exhaustive_title_edges(keys, n_words)
    owner, token, df, signature = _prefix_of_rarest(words)
    del words
    n_chars = np.array([len(key) for key in keys], dtype=np.int64)
    texts = np.array(keys, dtype=object)
    found = []
    for pairs in candidate_pairs(owner, token, df[token], TITLE_BLOCK_CAP, signature=signature):
        pairs = _unique_pairs([pairs])
        a, b = pairs[:, 0], pairs[:, 1]
        # cheap guards first: the word counts, and the bound the lengths alone put on the
        # ratio (at most 200 * shorter / (sum of lengths))
        maybe = _matches(np.full(len(a), 100), n_words[a], n_words[b]) & (
            200 * np.minimum(n_chars[a], n_chars[b]) >= THRESHOLD * (n_chars[a] + n_chars[b])
        )
        if labels is not None:
            maybe &= labels[a] != labels[b]
        pairs, a, b = pairs[maybe], a[maybe], b[maybe]
        scores = process.cpdist(texts[a], texts[b], scorer=fuzz.ratio, score_cutoff=THRESHOLD,
                                dtype=np.uint8)  # fmt: skip
        matched = pairs[scores >= THRESHOLD]
        found.append(matched)
        if labels is not None and len(matched):
            labels[:] = _components(len(labels), np.concatenate([_label_edges(labels), matched]))
    return _unique_pairs(found)


def _exhaustive_title_edges(keys: list[str], n_words: np.ndarray) -> np.ndarray:
    found = []
    for start in range(0, len(keys), BLOCK_CHUNK):
        scores = process.cdist(keys[start : start + BLOCK_CHUNK], keys, scorer=fuzz.ratio,
                               score_cutoff=THRESHOLD, dtype=np.uint8)  # fmt: skip
        a, b = np.nonzero(scores)
        a = a.astype(np.int64) + start
        b = b.astype(np.int64)
        keep = (a < b) & _matches(scores[a - start, b], n_words[a], n_words[b])
        found.append(np.column_stack((a[keep], b[keep])))
    return _unique_pairs(found)


def _matches(scores: np.ndarray, na: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """:func:`_match` over arrays: scores (0 below the cutoff) and the keys' word counts."""
    shorter, longer = np.minimum(na, nb), np.maximum(na, nb)
    return (scores >= THRESHOLD) & (shorter > 0) & (shorter >= LENGTH_RATIO * longer)


def _prefix_of_rarest(words: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Each key's :data:`BLOCK_TOKENS` rarest distinct words: ``(owner, token, df,
    signature)``, one entry per key and word (token ids follow the words' sorted order, so
    ties in document frequency break by the word itself, whatever the order of ``words``);
    ``signature[i]``: all of key ``i``'s word ids, rarest first."""
    vocabulary = sorted({w for ws in words for w in ws})
    ids = {w: i for i, w in enumerate(vocabulary)}
    del vocabulary
    flat = array("i")
    lengths = np.empty(len(words), dtype=np.int64)
    for i, ws in enumerate(words):
        distinct = {ids[w] for w in ws}
        lengths[i] = len(distinct)
        flat.extend(distinct)
    del ids
    tokens = np.frombuffer(flat, dtype=np.int32).astype(np.int64)
    owner = np.repeat(np.arange(len(words), dtype=np.int64), lengths)
    df = np.bincount(tokens) if len(tokens) else np.zeros(0, dtype=np.int64)
    order = np.lexsort((tokens, df[tokens], owner))  # within each key: rarest first
    rank = np.arange(len(tokens)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = order[rank < BLOCK_TOKENS]
    ends = np.cumsum(lengths)[:-1]
    signature = list(map(tuple, map(np.ndarray.tolist, np.split(tokens[order], ends))))
    return owner[keep], tokens[keep], df, signature


def _unique_pairs(found: list[np.ndarray]) -> np.ndarray:
    """The distinct rows of ``found``'s ``(m, 2)`` arrays of non-negative ints, sorted."""
    pairs = np.concatenate(found).reshape(-1, 2) if found else np.empty((0, 2), dtype=np.int64)
    if not len(pairs):
        return pairs.astype(np.int64)
    width = int(pairs[:, 1].max()) + 1
    codes = np.sort(pairs[:, 0].astype(np.int64) * width + pairs[:, 1])
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.column_stack((codes // width, codes % width))


def body_pairs(items: list[Item], *, exhaustive: bool = False) -> Iterator[tuple[int, int, float]]:
    """Index pairs ``(i, j, cosine)``, ``i < j``, of ``items`` whose leads are one story (see
    module doc), sorted by ``(i, j)``.

    Items without a body of :data:`BODY_MIN_CHARS` characters take no part. Candidates are
    the items sharing one of their :data:`BODY_PREFIX` heaviest lead terms, blocks over
    :data:`BODY_BLOCK_CAP` items compared in windows (:mod:`mediamon.quality.blocking`),
    unless ``exhaustive`` (every pair).
    """
    pairs, cosines = _body_edges(items, exhaustive=exhaustive)
    for (a, b), value in zip(pairs.tolist(), cosines.tolist(), strict=True):
        yield a, b, value


def _body_edges(items: list[Item], *, exhaustive: bool = False,
                labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`body_pairs` as arrays: ``(pairs (m, 2) int64, cosines (m,) float64)``.

    ``labels``: the items' clusters so far (one int per item, updated in place), when only
    the pairs that join two clusters are wanted: a candidate whose items are already in one
    cluster is not scored (on a day where many leads are alike, most of them).
    """
    docs = np.array([i for i, item in enumerate(items) if len(item.body or "") >= BODY_MIN_CHARS],
                    dtype=np.int64)  # fmt: skip
    if len(docs) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lead_words, sublinear_tf=True)
    matrix = vectorizer.fit_transform([_lead(items[i]) for i in docs]).tocsr()
    if exhaustive:
        batches = _all_pairs(len(docs))
    else:
        owner, token, df = _prefix_of_heaviest(matrix)
        batches = candidate_pairs(owner, token, df[token], BODY_BLOCK_CAP, batch=BODY_BATCH)
    pairs, cosines = [], []
    for batch in batches:
        for start in range(0, len(batch), BODY_BATCH):  # memory: the rows of both sides
            part = docs[batch[start : start + BODY_BATCH]]
            if labels is not None:
                part = part[labels[part[:, 0]] != labels[part[:, 1]]]
            a, b = np.searchsorted(docs, part[:, 0]), np.searchsorted(docs, part[:, 1])
            value = np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()
            keep = value >= BODY_THRESHOLD
            pairs.append(part[keep])
            cosines.append(value[keep])
            if labels is not None and keep.any():
                labels[:] = _components(len(labels), np.concatenate([_label_edges(labels),
                                                                     part[keep]]))  # fmt: skip
    if not pairs:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    found, where = np.unique(np.concatenate(pairs).reshape(-1, 2), axis=0, return_index=True)
    return found, np.concatenate(cosines)[where]


def _label_edges(labels: np.ndarray) -> np.ndarray:
    """Edges joining each node to the first node of its label (a spanning star per label)."""
    first = np.full(labels.max() + 1, -1, dtype=np.int64)
    nodes = np.arange(len(labels), dtype=np.int64)
    first[labels[::-1]] = nodes[::-1]
    return np.column_stack((first[labels], nodes))


def _all_pairs(n: int, batch: int = 1 << 20) -> Iterator[np.ndarray]:
    """Every pair ``(i, j)``, ``i < j``, of ``n`` items, in batches of about ``batch``."""
    pending, size = [], 0
    for i in range(n - 1):
        pending.append(np.column_stack((np.full(n - i - 1, i), np.arange(i + 1, n))))
        size += n - i - 1
        if size >= batch or i == n - 2:
            yield np.concatenate(pending).astype(np.int64)
            pending, size = [], 0


def _prefix_of_heaviest(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's :data:`BODY_PREFIX` heaviest terms of a CSR TF-IDF ``matrix``: ``(owner,
    token, df)`` (ties in weight break by term id, the vectorizer's sorted vocabulary)."""
    lengths = np.diff(matrix.indptr)
    owner = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), lengths)
    token = matrix.indices.astype(np.int64)
    order = np.lexsort((token, -matrix.data, owner))
    rank = np.arange(len(token)) - np.repeat(matrix.indptr[:-1], lengths)
    keep = order[rank < BODY_PREFIX]
    return owner[keep], token[keep], np.bincount(token, minlength=matrix.shape[1])


def cluster(items: Iterable[Item]) -> dict[str, str]:
    """Cluster ids for every item's key: ``{key: cluster_id}`` (singletons included).

    Items with the same ``key`` count once (the last wins); the result does not depend on the
    order of ``items``. Headlines are compared blocked (:func:`title_pairs`), bodies by their
    leads' TF-IDF cosine (:func:`body_pairs`); every matching pair joins two clusters.
    Time and memory grow linearly with the items (``bench/bench_duplicates_scale.py``).
    """
    by_key = {i.key: i for i in items}
    items = [by_key[k] for k in sorted(by_key)]
    del by_key
    first_of_key: dict[str, int] = {}
    edges = []
    same = array("q")
    for index, item in enumerate(items):
        key = story_key(item.title)
        if not key:
            continue
        first = first_of_key.setdefault(sorted_key(key), index)
        if first != index:  # the same words: one story, no need to score
            same.extend((first, index))
    edges.append(np.frombuffer(same, dtype=np.int64).reshape(-1, 2))
    distinct, owner = list(first_of_key), np.array(list(first_of_key.values()), dtype=np.int64)
    del first_of_key
    # only the pairs that join two clusters (a chain of rewordings needs one edge per link)
    edges.append(owner[_title_edges(distinct, labels=np.arange(len(distinct)))].reshape(-1, 2))
    del distinct, owner
    labels = _components(len(items), np.concatenate(edges))
    _body_edges(items, labels=labels)  # updates labels with the pairs that join clusters
    roots = labels.tolist()
    first_member: dict[int, str] = {}
    known: dict[int, str] = {}
    for root, item in zip(roots, items, strict=True):
        first_member.setdefault(root, item.key)  # items are sorted by key: the smallest
        if item.cluster_id and (root not in known or item.cluster_id < known[root]):
            known[root] = item.cluster_id
    ids = {
        root: known.get(root) or hashlib.sha1(key.encode()).hexdigest()[:16]
        for root, key in first_member.items()
    }
    return {item.key: ids[root] for root, item in zip(roots, items, strict=True)}


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """The connected component of each of ``n`` nodes joined by ``edges`` ((m, 2) ints)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                       shape=(n, n))  # fmt: skip
    return connected_components(graph, directed=False)[1].astype(np.int64)
