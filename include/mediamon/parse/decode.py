"""Turning fetched bytes into text: charset from HTTP, then the document, then detection."""

from __future__ import annotations

import codecs
import re

from bs4 import UnicodeDammit

_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type value, if Python knows that codec."""
    if not content_type:
        return None
    m = _CHARSET.search(content_type)
    if not m:
        return None
    try:
        return codecs.lookup(m[1]).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML page to ``str``.

    Order (the HTML standard's, minus a byte-order mark winning over everything): the charset
    of the HTTP ``content_type`` if it decodes the bytes without error; then the document's own
    declaration (``<meta charset>``, ``http-equiv``, XML declaration); then statistical
    detection; then UTF-8/windows-1252 -- all done by BeautifulSoup's :class:`UnicodeDammit`.
    Never raises; undecodable bytes become U+FFFD as a last resort.
    """
    if isinstance(body, str):
        return body
    http_charset = charset_from_content_type(content_type)
    known = [http_charset] if http_charset and not body.startswith(_BOMS) else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    if dammit.unicode_markup is not None:
        return dammit.unicode_markup
    return body.decode("utf-8", errors="replace")
