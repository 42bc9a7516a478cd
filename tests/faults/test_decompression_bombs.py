"""Decompression bombs: a small compressed body that inflates to far more than anyone needs.

A gzip stream of 1 GiB of zeros is about 1 MiB, under the wire cap; inflated it would take
the fetch and the parse to gigabytes. The decoded size is capped (64 MiB by default,
``MEDIAMON_MAX_DECODED_BYTES``) wherever a body is inflated: in the fetcher (counted while
the body streams in, refused with the reason in its ``fetches`` row), when a capture is read
(a bomb already in a WARC: that page quarantined with the reason), and for a ``.gz`` file given
to ``parse-article`` / ``parse-feed`` / ``parse-listing``. Peak memory is measured: the Python
allocations of each stage with :mod:`tracemalloc`, the whole CLI process with its rusage.
"""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from faultkit import (
    DAY,
    HTML,
    POLICY,
    RSS,
    article_html,
    assert_reconciled,
    fake_dns,
    quarantine_reasons,
    rss,
    run_day,
    source_entry,
    stored_fetches,
    traced_peak,
    write_registry,
)
from mediamon import batches, pipeline
from mediamon.fetch.warcstore import CaptureWriter, read_capture
from support import ROOT

CAP = 64 * 1024 * 1024  # the default decoded-size cap
MIB = 1024 * 1024
# A full inflate of the 1 GiB bomb needs >= 1 GiB; a bounded one about the cap. 256 MiB is
# four times the cap and a quarter of the bomb.
MEMORY_BOUND = 256 * MIB


def zeros_deflated(size: int) -> tuple[bytes, int, int]:
    """(raw deflate stream of ``size`` zero bytes, its CRC-32, its Adler-32), generated in
    1 MiB steps so the test itself never holds the inflated data."""
    block = bytes(MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts, crc, adler = [], 0, 1
    for _ in range(size // MIB):
        parts.append(packer.compress(block))
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    parts.append(packer.flush())
    return b"".join(parts), crc, adler


def as_gzip(raw: bytes, crc: int, size: int) -> bytes:
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # RFC 1952, no name, max compression
    return header + raw + struct.pack("<II", crc, size & 0xFFFFFFFF)


def as_zlib(raw: bytes, adler: int) -> bytes:
    return b"\x78\xda" + raw + struct.pack(">I", adler)  # RFC 1950, max compression


@pytest.fixture(scope="module")
def bombs():
    """Content-Encoding -> body: 1 GiB of zeros as gzip (about 1 MiB), 256 MiB as
    zlib-wrapped and as raw deflate (both ``deflate`` in HTTP, about 256 KiB)."""
    big, big_crc, _ = zeros_deflated(1024 * MIB)
    small, _, small_adler = zeros_deflated(256 * MIB)
    return {
        "gzip": as_gzip(big, big_crc, 1024 * MIB),
        "deflate-zlib": as_zlib(small, small_adler),
        "deflate-raw": small,
    }


def test_the_bombs_are_small_on_the_wire(bombs):
    assert len(bombs["gzip"]) < 1.1 * MIB and len(bombs["deflate-raw"]) < 300 * 1024
    stream = zlib.decompressobj(31)  # a real gzip stream: the first MiB inflates to zeros
    assert stream.decompress(bombs["gzip"], MIB) == bytes(MIB)


@pytest.fixture(scope="module")
def registry(server, module_env, tmp_path_factory):
    entries = [
        source_entry("calm", "http://calm.test/", server.url("calm.test", "/rss.xml"),
                     allowed_hosts=[f"calm.test:{server.port}"]),
        source_entry("bombed", "http://bomb.test/", server.url("bomb.test", "/rss.xml"),
                     allowed_hosts=[f"bomb.test:{server.port}"]),
        source_entry("captured", "http://captured.test/", "http://captured.test/rss.xml"),
    ]  # fmt: skip
    fake_dns(module_env, {"bomb.test": "127.0.0.1", "calm.test": "127.0.0.1"})
    return write_registry(tmp_path_factory.mktemp("reg") / "sources.yaml", entries, module_env)


GOOD = {"/ok-1": "Акимат обновит парки", "/ok-2": "Новый маршрут автобуса"}
BOMBS = {"/bomb-gzip": "gzip", "/bomb-deflate-zlib": "deflate-zlib",
         "/bomb-deflate-raw": "deflate-raw"}  # fmt: skip


@pytest.fixture(scope="module")
def bomb_day(server, registry, module_db, bombs):
    db = module_db[1]
    links = [(title, server.url("bomb.test", path)) for path, title in GOOD.items()]
    links += [(path, server.url("bomb.test", path)) for path in [*BOMBS, "/ok-gzip"]]
    server.routes[("bomb.test", "/rss.xml")] = lambda h, n: h.send(200, rss(links), RSS)
    for path, title in GOOD.items():
        server.routes[("bomb.test", path)] = lambda h, n, t=title: h.send(
            200, article_html(t), HTML
        )
    for path, name in BOMBS.items():
        encoding = name.split("-")[0]
        server.routes[("bomb.test", path)] = lambda h, n, b=bombs[name], e=encoding: h.send(
            200, b, [*HTML, ("Content-Encoding", e)]
        )
    server.routes[("bomb.test", "/ok-gzip")] = lambda h, n: h.send(
        200, gzip.compress(article_html("Сжатая страница")), [*HTML, ("Content-Encoding", "gzip")]
    )
    # "calm" (the same good pages, no bomb) runs first: the imports and caches of the first
    # run (Great Expectations' among them) are not counted against the bombed day
    calm = [(title, server.url("calm.test", path)) for path, title in GOOD.items()]
    server.routes[("calm.test", "/rss.xml")] = lambda h, n: h.send(200, rss(calm), RSS)
    for path, title in GOOD.items():
        server.routes[("calm.test", path)] = lambda h, n, t=title: h.send(
            200, article_html(t), HTML
        )
    # the bombs pass the wire cap: only their decoded size can stop them
    policy = replace(POLICY, max_bytes=4 * MIB, total_timeout=30.0)
    peaks: dict = {}
    runs = run_day(db, ["calm", "bombed"], policy=policy, peaks=peaks)
    assert runs["calm"].error is None
    return db, runs["bombed"], stored_fetches(db, "bombed"), peaks


def test_a_bomb_is_refused_while_it_streams_in_with_the_reason(bomb_day):
    db, run, fetches, _ = bomb_day
    assert run.error is None
    for path, name in BOMBS.items():
        encoding = name.split("-")[0]
        assert fetches[path] == [
            ("article", None, f"body larger than {CAP} bytes once decoded "
                              f"(Content-Encoding {encoding})")
        ]  # fmt: skip
    # like a body over the wire cap, nothing of it is kept
    kept = [ex for ex in read_capture(run.capture) if "/bomb-" in ex.url]
    assert [(ex.status, ex.body) for ex in kept] == [(None, b"")] * len(BOMBS)


def test_the_rest_of_the_source_day_loads(bomb_day):
    db, _, fetches, _ = bomb_day
    assert fetches["/ok-gzip"] == [("article", 200, None)]  # a gzip page still decodes
    counts = assert_reconciled(db, "bombed")
    assert counts == {"fetched": 7, "loaded": 4, "quarantined": 0, "refused": 3}
    with db.cursor() as cur:
        cur.execute("select title from articles where source_id = 'bombed' order by title")
        assert cur.fetchall() == [
            ("Акимат обновит парки",),
            ("Новый маршрут автобуса",),
            ("Сжатая страница",),
        ]
    db.rollback()


def test_memory_stays_bounded_through_fetch_and_load(bomb_day):
    _, _, _, peaks = bomb_day
    for sid in ("calm", "bombed"):
        print(f"{sid}: peak Python allocations: fetch {peaks[(sid, 'fetch')] / MIB:.1f} MiB, "
              f"parse+validate+load {peaks[(sid, 'process')] / MIB:.1f} MiB")  # fmt: skip
    assert peaks[("bombed", "fetch")] < MEMORY_BOUND
    assert peaks[("bombed", "process")] < MEMORY_BOUND


def test_a_bomb_inside_a_capture_is_quarantined_alone(registry, module_db, bombs):
    """A capture written before the fetcher capped decoded sizes (or by another tool)."""
    db = module_db[1]
    base = "http://captured.test"
    links = [("one", f"{base}/ok-1"), ("bomb", f"{base}/bomb-gzip"),
             ("bomb2", f"{base}/bomb-deflate-raw"), ("two", f"{base}/ok-2")]  # fmt: skip
    at = datetime(2024, 9, 8, 9, 0, tzinfo=UTC)
    path = batches.capture_path("captured", DAY)
    with CaptureWriter(path) as writer:
        writer.write_response(f"{base}/rss.xml", 200, "OK", RSS, rss(links), fetched_at=at,
                              kind="feed", list_id="rss")  # fmt: skip
        for url, body, headers in [
            (f"{base}/ok-1", article_html(GOOD["/ok-1"]), HTML),
            (f"{base}/bomb-gzip", bombs["gzip"], [*HTML, ("Content-Encoding", "gzip")]),
            (f"{base}/bomb-deflate-raw", bombs["deflate-raw"],
             [*HTML, ("Content-Encoding", "deflate")]),
            (f"{base}/ok-2", article_html(GOOD["/ok-2"]), HTML),
        ]:  # fmt: skip
            writer.write_response(url, 200, "OK", headers, body, fetched_at=at, kind="article")
    peaks: dict = {}
    with traced_peak(peaks, "process"):
        pipeline.process_capture("captured", DAY, str(path), db)
    print(f"peak Python allocations, parse+validate+load: {peaks['process'] / MIB:.1f} MiB")
    assert peaks["process"] < MEMORY_BOUND
    reasons = quarantine_reasons(db, "captured")
    for url, encoding in [(f"{base}/bomb-gzip", "gzip"), (f"{base}/bomb-deflate-raw", "deflate")]:
        assert reasons[url] == [
            f"cannot undo Content-Encoding {encoding}: larger than {CAP} bytes once decoded"
        ]
    counts = assert_reconciled(db, "captured")
    assert counts == {"fetched": 5, "loaded": 3, "quarantined": 2, "refused": 0}


CLI = """import sys
from mediamon.cli import main
try:
    code = main(sys.argv[2:])
finally:  # the peak resident set of this process since it started (kB)
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(sys.argv[1], "w") as out:
        out.write(peak)
sys.exit(code)
"""


def _run_cli(args: list[str], env: dict, tmp_path) -> tuple[int, str, int]:
    """Run ``mediamon ARGS``; (exit code, stderr, peak RSS in bytes of that process: its own
    ``VmHWM``, as a child's rusage would count the parent's memory copied at fork)."""
    peak = tmp_path / "peak"
    try:
        done = subprocess.run(
            [sys.executable, "-c", CLI, str(peak), *args], env=env, capture_output=True,
            timeout=120,  # a full inflate and parse takes minutes
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return -1, "timed out", int(peak.read_text() or 0) * 1024 if peak.exists() else 0
    return done.returncode, done.stderr.decode("utf-8", "replace"), int(peak.read_text()) * 1024


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("parse-article", ["--url", "http://captured.test/x"]),
        ("parse-feed", ["--url", "http://captured.test/rss.xml"]),
        ("parse-listing", ["--source", "exclusive_demo", "--url", "https://exclusive.kz.example/"]),
    ],
)
def test_a_gz_file_given_to_the_cli_is_refused_past_the_cap(command, extra, bombs, tmp_path):
    bomb = tmp_path / "page.html.gz"
    bomb.write_bytes(bombs["gzip"])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
        "MEDIAMON_SOURCES": str(ROOT / "include/mediamon/demo/exclusive/sources.yaml"),
    }
    code, stderr, peak = _run_cli([command, str(bomb), *extra], env, tmp_path)
    print(f"{command}: exit {code}, peak RSS {peak / MIB:.0f} MiB")
    assert code == 2, stderr
    assert stderr.strip() == (
        f"mediamon {command}: {bomb}: gzip data larger than {CAP} bytes once decoded"
    )
    assert peak < 2 * MEMORY_BOUND  # the interpreter and lxml, plus at most the cap
