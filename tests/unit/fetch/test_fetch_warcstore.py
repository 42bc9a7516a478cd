"""warcstore: atomic capture files and the round trip write_* -> read_capture, on real WARCs."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from mediamon.fetch.warcstore import CaptureWriter, decode_payload, read_capture
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

T0 = datetime(2024, 9, 8, 14, 0, 0, 123456, tzinfo=UTC)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
PAGE = "<html><body><h1>Заголовок</h1><p>Текст статьи.</p></body></html>".encode()


def _part(path):
    return path.with_name(path.name + ".part")


def test_capture_appears_only_on_close(tmp_path):
    path = tmp_path / "raw" / "src" / "2024-09-08.warc.gz"
    with CaptureWriter(path) as writer:
        writer.write_response(
            "https://a.example/", 200, "OK", [], b"x", fetched_at=T0, kind="article"
        )
        assert not path.exists()
        assert _part(path).exists()
    assert path.exists()
    assert not _part(path).exists()
    assert [e.url for e in read_capture(path)] == ["https://a.example/"]


def test_exception_inside_with_leaves_no_file(tmp_path):
    path = tmp_path / "cap.warc.gz"
    with pytest.raises(RuntimeError, match="disk on fire"):
        with CaptureWriter(path) as writer:
            writer.write_response(
                "https://a.example/", 200, "OK", [], b"x", fetched_at=T0, kind="article"
            )
            raise RuntimeError("disk on fire")
    assert not path.exists()
    assert not _part(path).exists()
    assert list(tmp_path.iterdir()) == []


def test_exception_keeps_an_earlier_complete_capture(tmp_path):
    path = tmp_path / "cap.warc.gz"
    with CaptureWriter(path) as writer:
        writer.write_response(
            "https://a.example/old", 200, "OK", [], b"old", fetched_at=T0, kind="article"
        )
    with pytest.raises(KeyError):
        with CaptureWriter(path) as writer:
            writer.write_response(
                "https://a.example/new", 200, "OK", [], b"new", fetched_at=T0, kind="article"
            )
            raise KeyError("boom")
    assert [(e.url, e.body) for e in read_capture(path)] == [("https://a.example/old", b"old")]


def _write_sample(path):
    almaty = datetime(2024, 9, 8, 19, 0, 0, 654321, tzinfo=ZoneInfo("Asia/Almaty"))
    with CaptureWriter(path) as writer:
        writer.write_response(
            "https://a.example/rss.xml",
            200,
            "OK",
            [("Content-Type", "application/rss+xml"), ("ETag", '"abc"')],
            FEED,
            fetched_at=T0,
            kind="feed",
            list_id="rss",
        )
        writer.write_response(
            "https://a.example/category/news/?page=2",
            200,
            "OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Transfer-Encoding", "chunked"),
                ("Connection", "keep-alive"),
                ("Keep-Alive", "timeout=5"),
                ("X-Powered-By", "PHP"),
            ],
            PAGE,
            fetched_at=T0 + timedelta(seconds=1),
            kind="listing",
            list_id="news",
        )
        writer.write_response(
            "https://a.example/news/1.html",
            404,
            "Not Found",
            [("Content-Type", "text/plain")],
            b"gone",
            fetched_at=almaty,
            kind="article",
        )
        writer.write_failure(
            "https://a.example/news/2.html",
            "ReadTimeout: read timed out (20.0 s)",
            fetched_at=T0 + timedelta(seconds=3),
            kind="article",
        )
        writer.write_failure(
            "https://a.example/sitemap.xml",
            "ConnectionError: refused",
            fetched_at=T0 + timedelta(seconds=4),
            kind="sitemap",
            list_id="sm",
        )
    return almaty


def test_round_trip_of_every_field(tmp_path):
    path = tmp_path / "cap.warc.gz"
    almaty = _write_sample(path)
    feed, listing, missing, timeout, refused = list(read_capture(path))

    assert (feed.url, feed.kind, feed.list_id, feed.status) == (
        "https://a.example/rss.xml",
        "feed",
        "rss",
        200,
    )
    assert feed.headers == {"content-type": "application/rss+xml", "etag": '"abc"'}
    assert feed.content_type == "application/rss+xml"
    assert feed.body == FEED
    assert feed.raw_bytes == len(FEED)
    assert feed.sha256 == hashlib.sha256(FEED).hexdigest()
    assert feed.fetched_at == T0
    assert feed.fetched_at.utcoffset() == timedelta(0)
    assert feed.error is None
    assert feed.warc_path == str(path)

    assert listing.url == "https://a.example/category/news/?page=2"
    assert (listing.kind, listing.list_id) == ("listing", "news")
    # hop-by-hop headers are not stored; the rest are, with lower-cased names
    assert listing.headers == {
        "content-type": "text/html; charset=utf-8",
        "x-powered-by": "PHP",
    }
    assert listing.body == PAGE
    assert (
        listing.body.decode() == "<html><body><h1>Заголовок</h1><p>Текст статьи.</p></body></html>"
    )
    assert listing.fetched_at == T0 + timedelta(seconds=1)

    assert (missing.status, missing.kind, missing.list_id) == (404, "article", None)
    assert missing.body == b"gone"
    assert missing.fetched_at == almaty  # same instant ...
    assert missing.fetched_at.tzinfo == UTC  # ... read back in UTC
    assert missing.fetched_at.replace(tzinfo=None) == datetime(2024, 9, 8, 14, 0, 0, 654321)

    assert timeout.status is None
    assert timeout.error == "ReadTimeout: read timed out (20.0 s)"
    assert (timeout.kind, timeout.list_id) == ("article", None)
    assert (timeout.body, timeout.raw_bytes, timeout.sha256, timeout.headers) == (b"", 0, "", {})
    assert timeout.fetched_at == T0 + timedelta(seconds=3)

    assert (refused.status, refused.error) == (None, "ConnectionError: refused")
    assert (refused.kind, refused.list_id) == ("sitemap", "sm")


def test_offsets_are_increasing_and_point_at_their_records(tmp_path):
    path = tmp_path / "cap.warc.gz"
    _write_sample(path)
    exchanges = list(read_capture(path))
    offsets = [e.offset for e in exchanges]
    assert offsets[0] == 0
    assert offsets == sorted(set(offsets))
    size = path.stat().st_size
    assert all(0 <= o < size for o in offsets)
    with open(path, "rb") as stream:
        for exchange in exchanges:
            stream.seek(exchange.offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Target-URI") == exchange.url


def test_gzip_payload_is_decoded_but_stored_as_received(tmp_path):
    path = tmp_path / "cap.warc.gz"
    stored = gzip.compress(PAGE * 20, mtime=0)
    assert len(stored) < len(PAGE * 20)
    with CaptureWriter(path) as writer:
        writer.write_response(
            "https://a.example/gz",
            200,
            "OK",
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            stored,
            fetched_at=T0,
            kind="article",
        )
    (exchange,) = read_capture(path)
    assert exchange.body == PAGE * 20
    assert exchange.raw_bytes == len(stored)
    assert exchange.sha256 == hashlib.sha256(stored).hexdigest()
    assert exchange.headers["content-encoding"] == "gzip"


def test_decode_payload_encodings():
    text = b"hello hello hello hello"
    assert decode_payload(gzip.compress(text), "gzip") == text
    assert decode_payload(gzip.compress(text), " X-GZIP ") == text
    assert decode_payload(zlib.compress(text), "deflate") == text
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decode_payload(raw_deflate.compress(text) + raw_deflate.flush(), "deflate") == text
    assert decode_payload(text, None) == text
    assert decode_payload(text, "br") == text  # unknown: passed through
    assert decode_payload(b"not gzip at all", "gzip") == b"not gzip at all"  # broken: as is


def test_empty_capture_reads_as_nothing(tmp_path):
    path = tmp_path / "empty.warc.gz"
    with CaptureWriter(path):
        pass
    assert path.exists()
    assert list(read_capture(path)) == []


def test_read_capture_errors(tmp_path):
    with pytest.raises(OSError):
        list(read_capture(tmp_path / "absent.warc.gz"))
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"<html>a saved page</html>\n")
    with pytest.raises(ArchiveLoadFailed):
        list(read_capture(junk))


def test_text_file_that_looks_like_arc_is_not_a_warc(tmp_path):
    junk = tmp_path / "notes.warc.gz"
    junk.write_bytes(b"this is not a WARC file\r\n\r\n")
    with pytest.raises(ArchiveLoadFailed):
        list(read_capture(junk))


def test_a_response_whose_url_scheme_is_upper_case_is_read(tmp_path):
    """Found by the pipeline fuzzer (bench/fuzz_pipeline.py): warcio parses a response's HTTP
    headers only after a lower-case ``http:``, so ``HTTPS://HOST/...`` was skipped as if it
    were a dns: record, a silent drop from the day's fetches and reconciliation."""
    path = tmp_path / "cap.warc.gz"
    url = "HTTPS://EXCLUSIVE.KZ/NEWS/1.HTML"
    with CaptureWriter(path) as writer:
        writer.write_response(url, 203, "Fuzz", [("Content-Type", "text/html")], PAGE,
                              fetched_at=T0, kind="article")  # fmt: skip
        writer.write_response("https://exclusive.kz/2", 200, "OK", [], b"x", fetched_at=T0,
                              kind="article")  # fmt: skip
    (upper, lower) = read_capture(path)
    assert (upper.url, upper.status, upper.body) == (url, 203, PAGE)
    assert upper.headers["content-type"] == "text/html"
    assert (lower.url, lower.body) == ("https://exclusive.kz/2", b"x")
