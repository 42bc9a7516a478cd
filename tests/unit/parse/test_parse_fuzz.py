"""Property-based fuzzing of the ``parse-article``, ``parse-feed`` and ``parse-listing`` entry
points on mutated real pages (demo pages when the shared fixtures are absent): each input
gives a JSON-ready record free of U+0000, or a clear refusal -- never an exception.

A small count here (a few seconds); bench/fuzz_parsers.py runs the same strategies at full
size (100,000+ inputs) and records the slowest input.
"""

from __future__ import annotations

import pytest
from fuzz_support import KINDS, load_seeds, mutated, run_one
from hypothesis import HealthCheck, given, settings

SEEDS = load_seeds()
EXAMPLES = 12
WINDOW = 12_000  # bytes of a seed kept before the edits: small inputs keep this test quick


@pytest.mark.parametrize("kind", KINDS)
def test_entry_point_survives_mutated_inputs(kind, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"fuzz-{kind}")

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=mutated(SEEDS[kind], WINDOW))
    def check(case):
        _name, data = case
        assert run_one(kind, data, workdir) in ("ok", "refused")

    check()


def test_known_hostile_inputs(tmp_path):
    """Inputs the full-size run found or that the issue names, kept as regressions."""
    hostile = [
        b"",
        b"\x1f\x8b\x08\x00broken",
        b"\x00" * 100,
        b"<html>" + b"<div>" * 100_000,
        b'<script type="application/ld+json">{"@type":"NewsArticle","headline":"\\u0000"}</script>',
        b"<?xml version='1.0' encoding='utf-16'?><rss><channel><item><title>x",
        # found by bench/fuzz_parsers.py: a canonical link with a broken IPv6 literal made
        # urljoin raise ValueError
        b'<html><head><link rel="canonical" href="http://[::1"></head><body><h1>Title</h1>',
        # found by the fuzz test: U+0000 inside a feed item's link reached the output
        b"<rss version='2.0'><channel><item><title>T</title>"
        b"<link>https://example.kz/a\x00b</link></item></channel></rss>",
    ]
    for data in hostile:
        for kind in KINDS:
            assert run_one(kind, data, tmp_path) in ("ok", "refused")
