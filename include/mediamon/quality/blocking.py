"""Candidate pairs for near-duplicate detection: blocks on shared rare tokens, capped.

Comparing every item with every other is quadratic; two items that are one story share
their telling tokens, so only items that share one are compared. Each item names a few
tokens, its *prefix* (for headlines its rarest words, for bodies its heaviest TF-IDF terms);
items naming the same token form a block.

A block is quadratic in its size, and a token that many items name (synthetic days drawn from
a few phrases, or a day when every outlet writes about one event) makes a block of thousands.
So a block larger than ``cap`` is not compared all against all: its members are sorted by
their *signature* (their prefix tokens other than the block's, rarest first: items that share
their rarest tokens sort next to each other) and cut into windows of ``cap`` members, each
overlapping the next by half, every pair inside a window being a candidate (sorted
neighbourhood). The work is then at most ``2 * cap`` pairs per member of a block: linear in
the number of items. What a large block can miss is a pair that sorts more than ``cap / 2``
apart; since clusters are joined transitively, such a pair is lost only when no chain of
candidates joins it either (``bench/bench_duplicates_scale.py`` measures blocking's recall
against the exhaustive comparison).

Everything is ordered by values (token strings, item order given by the caller), never by
hash or dictionary order, so the same items give the same pairs on every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np

SPLIT_TOKENS = 3  # a large block is re-blocked on each member's next rarest tokens


def candidate_pairs(owner: np.ndarray, token: np.ndarray, rank: np.ndarray, cap: int, *,
                    signature: list[tuple[int, ...]] | None = None,
                    batch: int = 1 << 20) -> Iterator[np.ndarray]:  # fmt: skip
    """Candidate pairs from items' prefix tokens, in batches: ``(m, 2)`` int64 arrays of item
    ids ``(i, j)``, ``i < j`` (a pair two blocks share comes once per block).

    ``owner[k]``, ``token[k]``: item ``owner[k]`` names token id ``token[k]`` in its prefix
    (one entry per item and token, no repeats); ``rank[k]``: how rare that token is (lower =
    rarer; ties broken by token id). ``cap``: the largest block compared all against all (at
    least 2); ``signature``: per item, the token ids that order a large block (default: its
    prefix, rarest first; passing all of an item's tokens, rarest first, keeps near-identical
    items closer); ``batch``: about how many pairs per array.
    """
    if cap < 2:
        raise ValueError(f"cap must be at least 2, got {cap}")
    owner = np.asarray(owner, dtype=np.int64)
    token = np.asarray(token, dtype=np.int64)
    if not len(owner):
        return
    if signature is None:
        order = np.lexsort((token, rank, owner))  # each item's tokens, rarest first
        cuts = np.flatnonzero(np.diff(owner[order])) + 1
        signature = dict(zip(owner[order][np.r_[0, cuts]].tolist(),
                             map(tuple, map(np.ndarray.tolist, np.split(token[order], cuts))),
                             strict=True))  # fmt: skip
    by_token = np.lexsort((owner, token))
    owner, token = owner[by_token], token[by_token]
    cuts = np.flatnonzero(np.diff(token)) + 1
    pending, size = [], 0
    for block, members in zip(token[np.r_[0, cuts]].tolist(), np.split(owner, cuts),
                              strict=True):  # fmt: skip
        if len(members) < 2:
            continue
        if len(members) <= cap:
            pairs = _window_pairs(members, cap)
        else:
            pairs = _split_block(members.tolist(), block, signature, cap)
        pending.append(pairs)
        size += len(pairs)
        if size >= batch:
            yield np.concatenate(pending)
            pending, size = [], 0
    if pending:
        yield np.concatenate(pending)


def _split_block(members: list[int], block: int, signature, cap: int) -> np.ndarray:
    """Pairs of a block larger than ``cap``: its members re-blocked on each of the
    :data:`SPLIT_TOKENS` rarest tokens of their signature other than ``block`` (two items
    that share most tokens share one of those too), each sub-block larger than ``cap``
    sorted by signature and compared in windows."""
    rest = {i: tuple(t for t in signature[i] if t != block) for i in members}
    sub: dict[int, list[int]] = {}
    for i in members:
        for t in rest[i][:SPLIT_TOKENS]:
            sub.setdefault(t, []).append(i)
    found = [np.empty((0, 2), dtype=np.int64)]
    for t in sorted(sub):
        group = sub[t]
        if len(group) < 2:
            continue
        if len(group) > cap:
            group = sorted(group, key=lambda i: (rest[i], i))
        pairs = _window_pairs(np.array(group, dtype=np.int64), cap)
        pairs.sort(axis=1)
        found.append(pairs)
    return np.concatenate(found)


def _window_pairs(members: np.ndarray, cap: int) -> np.ndarray:
    """Every pair of ``members`` when there are at most ``cap``, else every pair inside
    windows of ``cap`` consecutive members, a window starting every ``cap // 2``."""
    if len(members) <= cap:
        a, b = _triangle(len(members))
        return np.column_stack((members[a], members[b]))
    step = cap // 2
    starts = range(0, len(members) - cap + step, step)
    return np.concatenate([_window_pairs(members[s : s + cap], cap) for s in starts])


@lru_cache(maxsize=512)
def _triangle(m: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.triu_indices(m, 1)
    return a.astype(np.int64), b.astype(np.int64)
