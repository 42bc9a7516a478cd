"""The raw store: every HTTP exchange kept as a WARC record (ISO 28500, WARC/1.1, via warcio).

A capture is one gzipped WARC file. The daily fetch writes one capture per source and local
day at ``raw/<source_id>/<YYYY-MM-DD>.warc.gz`` under the data folder; it is written to a
temporary name and renamed when complete, so a capture that exists is whole, and a day that
has a capture is never fetched again unless asked (``force``).

``response`` records hold the payload bytes as received (Content-Encoding intact, chunking
removed). Two extension fields say why the page was fetched: ``Mediamon-Kind`` (``feed``,
``listing``, ``sitemap``, ``article``, ``robots`` or ``homepage``), ``Mediamon-List`` (the list
id, for lists), ``Mediamon-Elapsed-Ms`` (request start to last byte, when measured) and
``Mediamon-Reason`` (why the crawl chose this URL, when it was a choice: a feed's candidate,
a fallback; :mod:`mediamon.fetch.feeds`).
A request that got no HTTP response is kept as a ``metadata`` record whose JSON payload holds
the error, so the failure is not lost either.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from mediamon.inflate import InflateError, inflate, is_compressed

KIND_HEADER = "Mediamon-Kind"
LIST_HEADER = "Mediamon-List"
ELAPSED_HEADER = "Mediamon-Elapsed-Ms"
REASON_HEADER = "Mediamon-Reason"
MAX_REASON_CHARS = 1000
HOP_BY_HOP = {"transfer-encoding", "connection", "keep-alive"}
_HTTP_HEAD = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False)


@dataclass(frozen=True)
class Exchange:
    """One recorded exchange read back from a capture.

    ``body`` is the decoded payload (Content-Encoding undone); ``raw_bytes`` its size as
    stored; ``status`` is None when no HTTP response was received (``error`` says why).
    ``fetched_at`` is the WARC-Date (UTC). ``body_error`` says why the declared
    Content-Encoding could not be undone (a truncated gzip stream, or one inflating past the
    decoded-size cap of :mod:`mediamon.inflate`); ``body`` is then the raw bytes and must not
    be parsed.
    """

    url: str
    kind: str
    list_id: str | None
    status: int | None
    headers: dict[str, str]
    body: bytes
    raw_bytes: int
    sha256: str
    fetched_at: datetime
    warc_path: str
    offset: int
    error: str | None = None
    elapsed_ms: int | None = None
    body_error: str | None = None
    reason: str | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class CaptureWriter:
    """Append exchanges to a WARC file that appears at ``path`` only on :meth:`close`.

    Use as a context manager; on an exception the partial file is removed.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".part")
        self._file = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(self._file, gzip=True, warc_version="WARC/1.1")

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._file.close()
            self._tmp.unlink(missing_ok=True)

    def write_response(
        self,
        url: str,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        payload: bytes,
        *,
        fetched_at: datetime,
        kind: str,
        list_id: str | None = None,
        elapsed_ms: int | None = None,
        why: str | None = None,
    ) -> None:
        """Record one HTTP response; ``payload`` is the body as received (bytes); ``why``:
        why the crawl chose this URL (one line, at most :data:`MAX_REASON_CHARS`)."""
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        http_headers = StatusAndHeaders(f"{status} {reason or ''}".strip(), kept, "HTTP/1.1")
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http_headers,
            warc_headers_dict=self._extension(fetched_at, kind, list_id, elapsed_ms, why),
        )
        self._writer.write_record(record)

    def write_failure(
        self,
        url: str,
        error: str,
        *,
        fetched_at: datetime,
        kind: str,
        list_id: str | None = None,
        elapsed_ms: int | None = None,
        why: str | None = None,
    ) -> None:
        """Record a request that got no HTTP response (timeout, refused, too large...);
        ``why``: as for :meth:`write_response`."""
        payload = json.dumps({"error": error}).encode()
        headers = self._extension(fetched_at, kind, list_id, elapsed_ms, why)
        record = self._writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict=headers,
        )
        self._writer.write_record(record)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.path)

    @staticmethod
    def _extension(
        fetched_at: datetime,
        kind: str,
        list_id: str | None,
        elapsed_ms: int | None = None,
        why: str | None = None,
    ) -> dict[str, str]:
        stamp = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = {"WARC-Date": stamp, KIND_HEADER: kind}
        if list_id:
            headers[LIST_HEADER] = list_id
        if elapsed_ms is not None:
            headers[ELAPSED_HEADER] = str(int(elapsed_ms))
        if why:
            headers[REASON_HEADER] = " ".join(why.split())[:MAX_REASON_CHARS]
        return headers


def read_capture(path: Path | str) -> Iterator[Exchange]:
    """Yield every response and failure record of a capture, in file order.

    Raises OSError when the file cannot be read and warcio's ArchiveLoadFailed when it is not
    a WARC.
    """
    path = Path(path)
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.format != "warc":
                raise ArchiveLoadFailed(f"{path}: not a WARC file (read as {record.format})")
            if record.rec_type not in ("response", "metadata"):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "response" and record.http_headers is None:
                if not (url or "").lower().startswith(("http:", "https:")):
                    continue  # e.g. a dns: record: not an HTTP exchange
                # warcio reads HTTP headers only after a lower-case "http:"/"https:" (a
                # scheme is case-insensitive: HTTPS://HOST/ is the same exchange)
                record.http_headers = _HTTP_HEAD.parse(record.raw_stream)
            fetched_at = _parse_warc_date(record.rec_headers.get_header("WARC-Date"))
            kind = record.rec_headers.get_header(KIND_HEADER) or "article"
            list_id = record.rec_headers.get_header(LIST_HEADER)
            elapsed = record.rec_headers.get_header(ELAPSED_HEADER)
            elapsed_ms = int(elapsed) if elapsed and elapsed.isdigit() else None
            reason = record.rec_headers.get_header(REASON_HEADER)
            if record.rec_type == "metadata":
                if not record.rec_headers.get_header(KIND_HEADER):
                    continue
                detail = json.loads(record.content_stream().read() or b"{}")
                offset = records.get_record_offset()  # after reading: it skips to the end
                yield Exchange(
                    url,
                    kind,
                    list_id,
                    None,
                    {},
                    b"",
                    0,
                    "",
                    fetched_at,
                    str(path),
                    offset,
                    error=detail.get("error", "unknown error"),
                    elapsed_ms=elapsed_ms,
                    reason=reason,
                )
                continue
            raw = record.raw_stream.read()
            offset = records.get_record_offset()
            body, body_error = decode_payload_checked(
                raw, record.http_headers.get_header("Content-Encoding")
            )
            status = int(record.http_headers.get_statuscode())
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            yield Exchange(
                url,
                kind,
                list_id,
                status,
                headers,
                body,
                len(raw),
                hashlib.sha256(raw).hexdigest(),
                fetched_at,
                str(path),
                offset,
                elapsed_ms=elapsed_ms,
                body_error=body_error,
                reason=reason,
            )


def decode_payload(raw: bytes, content_encoding: str | None, limit: int | None = None) -> bytes:
    """Undo an HTTP Content-Encoding (gzip, deflate; at most ``limit`` decoded bytes, default
    :func:`mediamon.inflate.max_decoded_bytes`); unknown, broken or too large encodings pass
    through unchanged (the raw bytes stay in the store either way). See
    :func:`decode_payload_checked` to learn whether decoding failed."""
    return decode_payload_checked(raw, content_encoding, limit)[0]


def decode_payload_checked(
    raw: bytes, content_encoding: str | None, limit: int | None = None
) -> tuple[bytes, str | None]:
    """(decoded body, None), or (``raw``, why) when the declared gzip/deflate encoding cannot
    be undone: a stream cut before its end marker (RFC 9110 section 8.4.1), corrupt data, or
    one that inflates past ``limit`` bytes (default :func:`mediamon.inflate.max_decoded_bytes`;
    why: ``cannot undo Content-Encoding gzip: larger than N bytes once decoded``). Inflating
    stops at the cap (:mod:`mediamon.inflate`). An unknown encoding name is not an error
    here: the bytes pass through."""
    if not is_compressed(content_encoding):
        return raw, None
    encoding = content_encoding.strip().lower()
    try:
        return inflate(raw, encoding, limit), None
    except InflateError as exc:
        return raw, f"cannot undo Content-Encoding {encoding}: {exc}"


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
