"""Fuzzing the ``parse-*`` entry points: seeds, mutations (hypothesis strategies), one call.

Shared by the small fuzz test in ``make test`` (tests/unit/parse/test_parse_fuzz.py) and the
full-size runner (bench/fuzz_parsers.py). Seeds are the real pages and feeds of
``../shared/fixtures/real`` (MANIFEST.tsv), else the demo site's pages and feed. A mutated
input is a seed cut to a window (a truncated download, or any slice), then up to six edits:
byte flips, truncation, deletion, duplication, tags and hostile tokens spliced in (NUL,
stray UTF-8 lead bytes, windows-1251 0x98, BOMs, charset declarations that lie, deep nesting,
broken JSON-LD, CDATA, entities out of range) and chunks of another seed.

:func:`run_one` calls the function a ``mediamon parse-*`` command runs on a file and checks
what a caller relies on: a JSON-serialisable dict whose strings are valid UTF-8 without
U+0000 (PostgreSQL ``text``), or :class:`~mediamon.parse.input_file.InputError` (a clear
refusal, allowed only for empty or broken-gzip input). Anything else is a crash.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from hypothesis import strategies as st
from mediamon.parse.input_file import InputError
from support import DEMO, REAL_FIXTURES

KINDS = ("article", "feed", "listing")
DEMO_REGISTRY = DEMO / "sources.yaml"
LISTING_SOURCE = "exclusive_demo"
# A seed is cut to at most this many bytes (mutations can add a little more).
WINDOW = 64_000
_TOKENS = (
    b"\x00", b"\xff", b"\x98", b"\xd0", b"\xe2\x80", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
    b"<", b">", b"&", b"&#0;", b"&#x110000;", b"&#xD800;", b"&#99999999999;", b"&amp",
    b"</div>", b"<div>" * 400, b"<p>", b"</p></p></p>", b"<h1>", b"</h1>", b"<h1></h1>",
    b"<script>", b"</script>", b"<style>", b"<!--", b"-->", b"<![CDATA[", b"]]>",
    b'<meta charset="utf-16">', b'<meta charset="koi8-r">', b'<meta charset="x-nonsense">',
    b'<?xml version="1.0" encoding="utf-16"?>', b'<?xml version="1.0" encoding="bogus"?>',
    b"<time datetime='-1'>",
    b"<time datetime='99999-99-99T99:99'>31 " + "июля".encode() + b"</time>",
    b'<script type="application/ld+json">{"@type":"NewsArticle","headline":null,'
    b'"datePublished":"0000-00-00","author":[[[[{"@id":"x"}]]]],"@graph":{"@graph":[]}}</script>',
    b'<script type="application/ld+json">{"@type":["NewsArticle"],"headline":"\\u0000",'
    b'"author":{"givenName":7,"familyName":[1]},"datePublished":1e400}</script>',
    b'<meta property="article:published_time" content="1e999">',
    '<meta name="author" content="Автор: 2 часа назад">'.encode(),
    b'<link rel="canonical" href="http://[::1">', b'<a href="javascript:alert(1)">x</a>',
    b'<base href="//">', b"<item><title>", b"</item>", b"<entry>", b"<pubDate>Mon, 99 Foo",
    b"<rss version='2.0'><channel>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"\x1f\x8b", b"\r\n", b"\t" * 50, b" " * 1000,
)  # fmt: skip


def _manifest(root: Path) -> list[dict[str, str]]:
    with open(root / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_seeds(root: Path | None = None) -> dict[str, list[tuple[str, bytes]]]:
    """{kind: [(name, bytes)]} for article, feed and listing: the real fixtures when
    ``root`` (default :data:`REAL_FIXTURES`) holds a MANIFEST.tsv, else the demo site. HTML
    listings are fed with article pages too (any HTML page is a possible listing)."""
    root = root or REAL_FIXTURES
    seeds: dict[str, list[tuple[str, bytes]]] = {k: [] for k in KINDS}
    if (root / "MANIFEST.tsv").is_file():
        for row in _manifest(root):
            kind = row["kind"]
            if kind in seeds:
                seeds[kind].append((row["local_path"], (root / row["local_path"]).read_bytes()))
    site = DEMO / "site"
    demo_articles = [(p.name, p.read_bytes()) for p in sorted(site.glob("news/**/*.html"))]
    demo_lists = [(p.name, p.read_bytes()) for p in sorted(site.glob("category/**/*.html"))]
    demo_lists.append(("index.html", (site / "index.html").read_bytes()))
    seeds["article"] = seeds["article"] or demo_articles
    seeds["feed"] = seeds["feed"] or [("rss.xml", (site / "rss.xml").read_bytes())]
    seeds["listing"] = demo_lists + seeds["listing"] + seeds["article"][:10]
    return seeds


def _at(fraction: float, data: bytes) -> int:
    return int(fraction * len(data))


@st.composite
def mutated(draw, seeds: list[tuple[str, bytes]], window: int = WINDOW) -> tuple[str, bytes]:
    """(seed name, mutated bytes) from one of ``seeds``, cut to at most ``window`` bytes
    before the edits."""
    index = draw(st.integers(0, len(seeds) - 1))
    name, data = seeds[index]
    if len(data) > window:
        start = draw(st.sampled_from([0, 0, None]))  # mostly a truncated download
        if start is None:
            start = draw(st.integers(0, len(data) - window))
        data = data[start : start + window]
    fraction = st.floats(0, 1, allow_nan=False)
    op = st.one_of(
        st.tuples(st.just("flip"), fraction, st.integers(1, 255)),
        st.tuples(st.just("truncate"), fraction),
        st.tuples(st.just("delete"), fraction, st.integers(1, 4096)),
        st.tuples(st.just("duplicate"), fraction, st.integers(1, 4096)),
        st.tuples(st.just("insert"), fraction, st.sampled_from(_TOKENS)),
        st.tuples(st.just("insert"), fraction, st.binary(min_size=1, max_size=24)),
        st.tuples(
            st.just("splice"),
            fraction,
            st.integers(0, len(seeds) - 1),
            fraction,
            st.integers(1, 2048),
        ),  # fmt: skip
    )
    for edit in draw(st.lists(op, max_size=6)):
        kind, at = edit[0], _at(edit[1], data)
        if kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ edit[2]]) + data[at + 1 :]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "delete":
            data = data[:at] + data[at + edit[2] :]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + edit[2]] + data[at:]
        elif kind == "insert":
            data = data[:at] + edit[2] + data[at:]
        elif kind == "splice":
            other = seeds[edit[2]][1]
            start = _at(edit[3], other)
            data = data[:at] + other[start : start + edit[4]] + data[at:]
    return name, data


class Crash(AssertionError):
    """An entry point raised something other than a clear refusal, or broke its contract."""


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def check_output(out: object) -> None:
    """Raise :class:`Crash` unless ``out`` is a JSON-ready dict of valid UTF-8 strings
    without U+0000."""
    if not isinstance(out, dict):
        raise Crash(f"entry point returned {type(out).__name__}, not a dict")
    try:
        json.dumps(out, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise Crash(f"output not JSON/UTF-8: {exc!r}"[:300]) from exc
    for text in _strings(out):
        if "\x00" in text:
            raise Crash(f"U+0000 in output string {text[:80]!r}")


_REGISTRIES: dict[str, dict] = {}


def _cache_registry() -> None:
    """Read each sources registry once per process: the entry points read it on every call
    (cheap for one command, most of the time of a fuzz input). Parsing is unchanged."""
    import mediamon.config as config
    import mediamon.parse.lists_file as lists_file

    if getattr(config.load_sources, "fuzz_cached", False):
        return
    original = config.load_sources

    def load_sources(path=None):
        key = str(path or config.registry_path())
        if key not in _REGISTRIES:
            _REGISTRIES[key] = original(path)
        return _REGISTRIES[key]

    load_sources.fuzz_cached = True
    config.load_sources = lists_file.load_sources = load_sources


def run_one(kind: str, data: bytes, workdir: Path) -> str:
    """Run the ``parse-<kind>`` entry point on ``data`` written to a file in ``workdir``;
    "ok" or "refused" (an :class:`InputError`), else raise (a crash)."""
    from mediamon.parse.article_file import parse_article_file
    from mediamon.parse.lists_file import parse_feed_file, parse_listing_file

    _cache_registry()
    path = workdir / f"input.{kind}"
    path.write_bytes(data)
    try:
        if kind == "article":
            out = parse_article_file(
                path, url="https://exclusive.kz/news/2024/09/08/fuzz.html",
                fetched_at="2024-09-08T14:00:00+00:00",
            )  # fmt: skip
        elif kind == "feed":
            out = parse_feed_file(path, url="https://exclusive.kz/feed/")
        else:
            previous = os.environ.get("MEDIAMON_SOURCES")
            os.environ["MEDIAMON_SOURCES"] = str(DEMO_REGISTRY)
            try:
                out = parse_listing_file(path, source_id=LISTING_SOURCE)
            finally:
                if previous is None:
                    os.environ.pop("MEDIAMON_SOURCES", None)
                else:
                    os.environ["MEDIAMON_SOURCES"] = previous
    except InputError:
        if data.strip() and data[:2] != b"\x1f\x8b":
            raise
        return "refused"
    check_output(out)
    return "ok"
