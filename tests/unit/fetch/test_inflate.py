"""mediamon.inflate: the bounded inflater every Content-Encoding and .gz file goes through."""

from __future__ import annotations

import gzip
import zlib

import pytest
from mediamon.inflate import (
    MAX_DECODED_BYTES,
    DecodedTooLarge,
    InflateError,
    Inflater,
    inflate,
    max_decoded_bytes,
)

PAGE = "<html><body>" + "Акимат сообщил о ремонте дорог. " * 2000 + "</body></html>"
DATA = PAGE.encode()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(DATA)),
        ("x-gzip", gzip.compress(DATA)),
        (" GZIP ", gzip.compress(DATA)),
        ("gzip", gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:]) + b"\0" * 8),
        ("deflate", zlib.compress(DATA)),  # zlib-wrapped, as RFC 9110 says
        ("deflate", _raw_deflate(DATA)),  # raw, as some servers send
    ],
)
def test_inflates_what_it_knows_in_one_piece_or_many(encoding, packed):
    assert inflate(packed, encoding) == DATA
    for size in (1, 7, 4096):
        inflater = Inflater(encoding)
        out = b"".join(inflater.feed(packed[i : i + size]) for i in range(0, len(packed), size))
        assert out + inflater.finish() == DATA and inflater.size == len(DATA)


def test_refuses_past_the_cap_without_inflating_everything():
    bomb = gzip.compress(bytes(50 * 1024 * 1024))  # 50 MiB of zeros: about 50 KB
    with pytest.raises(DecodedTooLarge, match=r"^larger than 1000000 bytes once decoded$"):
        inflate(bomb, "gzip", limit=1_000_000)
    assert inflate(gzip.compress(bytes(1000)), "gzip", limit=1000) == bytes(1000)  # at the cap
    counter = Inflater("gzip", limit=10 * 1024 * 1024, keep=False)
    with pytest.raises(DecodedTooLarge) as caught:
        for i in range(0, len(bomb), 65536):
            assert counter.feed(bomb[i : i + 65536]) == b""  # counts, keeps nothing
    assert caught.value.limit == 10 * 1024 * 1024
    assert 10 * 1024 * 1024 < counter.size <= 11 * 1024 * 1024


@pytest.mark.parametrize(
    ("encoding", "packed", "why"),
    [
        ("gzip", gzip.compress(DATA)[:200], "EOFError: compressed stream ended"),
        ("deflate", zlib.compress(DATA)[:200], "EOFError: compressed stream ended"),
        ("gzip", b"not gzip at all", "zlib.error: "),
        ("gzip", gzip.compress(DATA) + b"garbage", "zlib.error: "),
    ],
)
def test_broken_streams_say_why(encoding, packed, why):
    with pytest.raises(InflateError, match=why):
        inflate(packed, encoding)


def test_empty_body_and_unknown_encodings():
    assert inflate(b"", "gzip") == b"" and inflate(b"", "deflate") == b""
    for name in ("br", "zstd", "identity", ""):
        with pytest.raises(ValueError, match="not a compressed Content-Encoding"):
            Inflater(name)


def test_the_cap_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("MEDIAMON_MAX_DECODED_BYTES", raising=False)
    assert max_decoded_bytes() == MAX_DECODED_BYTES == 64 * 1024 * 1024
    monkeypatch.setenv("MEDIAMON_MAX_DECODED_BYTES", "5000")
    assert max_decoded_bytes() == 5000
    with pytest.raises(DecodedTooLarge, match="larger than 5000 bytes"):
        inflate(gzip.compress(bytes(5001)), "gzip")
    for bad in ("0", "-1", "64MiB"):
        monkeypatch.setenv("MEDIAMON_MAX_DECODED_BYTES", bad)
        with pytest.raises(ValueError, match="MEDIAMON_MAX_DECODED_BYTES"):
            max_decoded_bytes()


def test_a_gzipped_sitemap_is_read_up_to_the_cap(monkeypatch, caplog):
    from mediamon.parse import sitemap_children

    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://x.example/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert sitemap_children(gzip.compress(index)) == ["https://x.example/s1.xml"]
    monkeypatch.setenv("MEDIAMON_MAX_DECODED_BYTES", str(len(index) - 1))
    assert sitemap_children(gzip.compress(index)) == []
    assert f"larger than {len(index) - 1} bytes once decoded" in caplog.text
    assert sitemap_children(gzip.compress(index)[:50]) == []  # cut: unreadable, no exception
