"""Bounded inflation: a compressed body is never inflated past a cap on its decoded size.

A gzip stream of 1 MiB can hold 1 GiB of zeros (a decompression bomb), so the size cap on the
wire (:data:`mediamon.fetch.http.MAX_BODY_BYTES`) does not bound memory. Every place that
inflates goes through this module: the fetcher (it counts what a body would inflate to while
it streams in), WARC reading (:func:`mediamon.fetch.warcstore.decode_payload_checked`), a
``.gz`` file given to the ``parse-*`` commands and a gzipped sitemap.

The cap: :func:`max_decoded_bytes`, ``MEDIAMON_MAX_DECODED_BYTES`` or :data:`MAX_DECODED_BYTES`
(64 MiB: above the largest sitemap the protocol allows, 50 MB uncompressed, and far above any
article page or feed, yet small enough that a few fetch threads at the cap stay within a
worker's memory). Past it, :class:`DecodedTooLarge` is raised; a stream that is cut or corrupt
raises :class:`InflateError`.

Encodings (HTTP Content-Encoding names, RFC 9110 section 8.4.1): ``gzip`` and ``x-gzip``
(RFC 1952, concatenated members read one after another, trailing zero padding ignored) and
``deflate`` (the zlib wrapper of RFC 1950, or a raw RFC 1951 stream as some servers send).
brotli and zstd are not handled: the crawler never asks for them (its Accept-Encoding is
``gzip, deflate``), and like any unknown coding they pass through undecoded.
"""

from __future__ import annotations

import os
import zlib

MAX_DECODED_BYTES = 64 * 1024 * 1024
ENCODINGS = ("gzip", "x-gzip", "deflate")
_STEP = 1024 * 1024  # decoded bytes produced per zlib call: the memory of a counting pass


class InflateError(ValueError):
    """The compressed data cannot be inflated (cut before its end, corrupt, not that format);
    the message says why, e.g. ``EOFError: compressed stream ended before its end marker``."""


class DecodedTooLarge(InflateError):
    """The data inflates to more than ``limit`` bytes (message: ``larger than N bytes once
    decoded``); inflating stopped there."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"larger than {limit} bytes once decoded")


def max_decoded_bytes() -> int:
    """The cap on a body's decoded size in bytes: ``MEDIAMON_MAX_DECODED_BYTES`` (a positive
    integer), default :data:`MAX_DECODED_BYTES`. Raises ValueError for another value."""
    raw = os.environ.get("MEDIAMON_MAX_DECODED_BYTES")
    if not raw:
        return MAX_DECODED_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"MEDIAMON_MAX_DECODED_BYTES must be a positive integer, not {raw!r}")
    return value


def is_compressed(encoding: str | None) -> bool:
    """True when ``encoding`` (a Content-Encoding value) is one this module inflates."""
    return (encoding or "").strip().lower() in ENCODINGS


class Inflater:
    """Inflate one body given in pieces, refusing past ``limit`` decoded bytes (default
    :func:`max_decoded_bytes`).

    :meth:`feed` takes the next compressed piece and returns its decoded bytes (``b""`` when
    ``keep`` is False: the inflater then only counts, in ``size``, holding at most 1 MiB of
    output at a time); :meth:`finish` says the input is over. Both raise
    :class:`DecodedTooLarge` past the cap and :class:`InflateError` for broken data.
    ``encoding``: ``gzip``, ``x-gzip`` or ``deflate`` (case-insensitive); ValueError otherwise.
    """

    def __init__(self, encoding: str, limit: int | None = None, *, keep: bool = True):
        self.encoding = (encoding or "").strip().lower()
        if self.encoding not in ENCODINGS:
            raise ValueError(f"not a compressed Content-Encoding: {encoding!r}")
        self.limit = max_decoded_bytes() if limit is None else limit
        self.keep = keep
        self.size = 0  # decoded bytes so far
        self._gzip = self.encoding != "deflate"
        self._stream = zlib.decompressobj(31) if self._gzip else None
        self._head = b""  # deflate: the first bytes, until they say zlib-wrapped or raw
        self._started = False

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next piece (see the class)."""
        if not data:
            return b""
        self._started = True
        if self._stream is None:  # deflate: wrapped or raw? the first two bytes tell
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            self._stream = zlib.decompressobj(15 if _zlib_header(data) else -zlib.MAX_WBITS)
        return self._run(data)

    def finish(self) -> bytes:
        """The last decoded bytes; raises :class:`InflateError` when the stream was cut
        before its end. No input at all is an empty body."""
        if not self._started:
            return b""
        tail = b""
        if self._stream is None:  # a single byte of deflate data
            self._stream = zlib.decompressobj(-zlib.MAX_WBITS)
            data, self._head = self._head, b""
            tail = self._run(data)
        if not self._stream.eof:
            raise InflateError("EOFError: compressed stream ended before its end marker")
        return tail

    def _run(self, data: bytes) -> bytes:
        pieces: list[bytes] = []
        while True:
            if self._stream.eof:
                if not self._gzip or not data.strip(b"\0"):
                    break  # after the stream: zero padding, or bytes a deflate stream ignores
                self._stream = zlib.decompressobj(31)  # the next gzip member
            step = min(_STEP, self.limit - self.size + 1)
            try:
                piece = self._stream.decompress(data, step)
            except zlib.error as exc:
                raise InflateError(f"zlib.error: {exc}") from None
            self.size += len(piece)
            if self.size > self.limit:
                raise DecodedTooLarge(self.limit)
            if self.keep:
                pieces.append(piece)
            data = self._stream.unused_data if self._stream.eof else self._stream.unconsumed_tail
            if not self._stream.eof and not data and len(piece) < step:
                break  # all input used and no output pending: wait for the next piece
        return b"".join(pieces)


def inflate(data: bytes, encoding: str, limit: int | None = None) -> bytes:
    """``data`` inflated (``encoding``: ``gzip``, ``x-gzip``, ``deflate``), at most ``limit``
    bytes (default :func:`max_decoded_bytes`). Raises :class:`DecodedTooLarge` past the cap,
    :class:`InflateError` for broken data, ValueError for another encoding."""
    inflater = Inflater(encoding, limit)
    body = inflater.feed(data)
    return body + inflater.finish()


def _zlib_header(data: bytes) -> bool:
    """True when ``data`` starts with a zlib header (RFC 1950: method 8, check bits)."""
    return data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
