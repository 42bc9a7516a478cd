import numpy as np
import pytest
from mediamon.quality.blocking import candidate_pairs


def _pairs(owner, token, cap, signature=None):
    rank = np.zeros(len(token), dtype=np.int64)
    batches = candidate_pairs(np.array(owner), np.array(token), rank, cap, signature=signature)
    return [p for batch in batches for p in batch.tolist()]


def test_small_blocks_give_every_pair_once_per_block():
    # items 0, 1, 2 share token 7; items 2 and 3 share token 8; item 4 is alone
    found = _pairs([0, 1, 2, 2, 3, 4], [7, 7, 7, 8, 8, 9], cap=4)
    assert sorted(found) == [[0, 1], [0, 2], [1, 2], [2, 3]]


def test_a_large_block_is_split_and_stays_linear():
    # 400 items share token 0; item 2k and 2k+1 also share a token of their own (their
    # signature), so they are the near-duplicates the split must keep together
    n, cap = 400, 8
    owner = [i for i in range(n) for _ in (0, 1)]
    token = [t for i in range(n) for t in (0, 1000 + i // 2)]
    signature = {i: (1000 + i // 2, 0) for i in range(n)}
    found = {tuple(p) for p in _pairs(owner, token, cap, signature)}
    assert {(2 * k, 2 * k + 1) for k in range(n // 2)} <= found
    assert all(a < b for a, b in found)
    assert len(found) <= n * cap  # not n * (n - 1) / 2 = 79,800


def test_cap_below_two_is_refused():
    with pytest.raises(ValueError, match="cap"):
        _pairs([0, 1], [5, 5], cap=1)
