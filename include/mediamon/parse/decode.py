"""Turning fetched bytes into text: BOM, then the HTTP charset, then the document, then detection.

The HTTP header is the first authority but not a blind one: servers and proxies often say one
charset while the bytes are another (``text/html; charset=windows-1251`` on a UTF-8 page,
``ISO-8859-1`` added by a default config). :func:`decode_page` checks the declared charset
against the bytes and, when they disagree, decodes with the charset that fits and says so
(``repaired``). Never ``response.text``: requests decodes ``text/html`` without a charset as
ISO-8859-1.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bs4 import UnicodeDammit

_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Charsets that decode any byte sequence "successfully": a UTF-8 page declared as one of these
# comes out as mojibake without an error, so valid non-ASCII UTF-8 wins over them.
_SINGLE_BYTE = frozenset(
    {"latin-1", "iso8859-1", "cp1252", "cp1251", "koi8-r", "koi8-u", "iso8859-5", "cp866",
     "mac-cyrillic", "iso8859-15", "ascii"}
)  # fmt: skip
_C1_CONTROLS = re.compile("[\u0080-\u009f]")


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type value, if Python knows that codec."""
    if not content_type:
        return None
    m = _CHARSET.search(content_type)
    return _codec(m[1]) if m else None


def _declared_in_document(body: bytes) -> str | None:
    head = body[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _codec(m[1]) if m else None


def _whatwg_single_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    # Bytes a legacy code page leaves undefined (0x98 in windows-1251) map to the control
    # character of the same number, as browsers do; they are stripped afterwards.
    return "".join(chr(b) for b in error.object[error.start : error.end]), error.end


codecs.register_error("mediamon-c1", _whatwg_single_byte)


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _lenient_single_byte(body: bytes, codec: str) -> str | None:
    """A single-byte page with a few undefined bytes (windows-1251 0x98) still decodes."""
    if codec not in _SINGLE_BYTE:
        return None
    text = body.decode(codec, errors="mediamon-c1")
    undefined = len(_C1_CONTROLS.findall(text))
    if undefined > max(3, len(body) // 1000):
        return None
    return _C1_CONTROLS.sub("", text)


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    return _strict(body, "utf-8") is not None


_WORD = re.compile(r"[^\W\d_]+")
# Words holding at least one non-ASCII character: the only ones a code page changes.
_NON_ASCII_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f][^\W\d_]*")
_CANDIDATES = ("cp1251", "koi8-r", "cp1252")
# Non-ASCII words scored at most: enough to tell code pages apart, bounded on huge pages.
_SCORED_WORDS = 5000


def _word_score(text: str) -> float:
    """Share of the non-ASCII letters that sit in plausible words: one script (all Cyrillic
    or all Latin) and one case pattern (lower, Capitalised, UPPER). Mojibake mixes both.
    Only the first 5,000 words holding a non-ASCII letter are looked at."""
    good = total = 0
    for n, match in enumerate(_NON_ASCII_WORD.finditer(text)):
        if n >= _SCORED_WORDS:
            break
        word = match.group()
        if not _WORD.fullmatch(word):
            continue
        non_ascii = sum(1 for ch in word if not ch.isascii())
        if not non_ascii:
            continue
        total += non_ascii
        cyrillic = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
        one_script = cyrillic in (0, len(word))
        cased = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
        if one_script and cased:
            good += non_ascii
    return good / total if total else 0.0


def _guess_single_byte(body: bytes) -> tuple[str, str] | None:
    """For undeclared non-UTF-8 bytes: windows-1251, KOI8-R or windows-1252, whichever gives
    the most plausible words (at least 90% of the non-ASCII letters); None when unsure."""
    best: tuple[float, str, str] | None = None
    for codec in _CANDIDATES:
        text = _strict(body, codec) or _lenient_single_byte(body, codec)
        if text is None:
            continue
        score = _word_score(text)
        if best is None or score > best[0]:
            best = (score, codec, text)
    if best is None or best[0] < 0.9:
        return None
    return best[1], best[2]


_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+")
# Share of the non-ASCII bytes that may be invalid UTF-8 in a page still read as UTF-8
# (with U+FFFD for the bad bytes) when no code page explains them.
_UTF8_DAMAGE_MAX = 0.05
# Fewer invalid bytes than this are damage, not text in another code page ("\xff\xfe" reads
# as the plausible cp1251 word "яю").
_MIXED_MIN_BYTES = 8


def _utf8_runs(body: bytes) -> tuple[int, int, int]:
    """(non-ASCII runs that are valid UTF-8 letters, invalid runs, invalid byte sequences).
    A run counts as UTF-8 only when it decodes to letters of at least 2 bytes (single-byte
    Cyrillic text that happens to be valid UTF-8 decodes to symbols such as "¸")."""
    good = bad = bad_bytes = 0
    for match in _NON_ASCII_RUN.finditer(body):
        run = match.group()
        try:
            text = run.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            bad_bytes += run.decode("utf-8", errors="replace").count("\ufffd")
            continue
        if len(run) >= 2 and all(ch.isalpha() or ch in "«»—–…№“”„’" for ch in text):
            good += 1
    return good, bad, bad_bytes


def _decode_mixed(body: bytes, fallback: str) -> str:
    """UTF-8 runs as UTF-8, every other non-ASCII run with the single-byte ``fallback``."""
    out: list[str] = []
    last = 0
    for match in _NON_ASCII_RUN.finditer(body):
        out.append(body[last : match.start()].decode("ascii"))
        run = match.group()
        try:
            out.append(run.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(run.decode(fallback, errors="mediamon-c1"))
        last = match.end()
    out.append(body[last:].decode("ascii"))
    return _C1_CONTROLS.sub("", "".join(out))


def mixed_or_damaged_utf8(body: bytes, declared: str | None) -> tuple[str, str, str] | None:
    """For a page that is mostly UTF-8 with some bytes that are not: (text, encoding label,
    warning). The foreign runs are decoded with the declared single-byte code page, else
    the one of windows-1251 / KOI8-R / windows-1252 that gives plausible words ("mixed
    encodings", at least 8 invalid bytes); when none does and they are few (at most 5% of
    the non-ASCII bytes), they become U+FFFD ("invalid UTF-8"). None when the page is not
    mostly UTF-8."""
    if _valid_utf8(body):
        return None  # all of it is UTF-8 (the common case, decided at C speed)
    good, bad, bad_bytes = _utf8_runs(body)
    if not good or not bad:
        return None
    codecs_to_try = [declared] if declared in _SINGLE_BYTE and declared != "ascii" else []
    codecs_to_try += [c for c in _CANDIDATES if c not in codecs_to_try]
    foreign = b" ".join(
        m.group() for m in _NON_ASCII_RUN.finditer(body) if not _valid_utf8(m.group())
    )
    for codec in codecs_to_try if bad_bytes >= _MIXED_MIN_BYTES else ():
        if _word_score(foreign.decode(codec, errors="mediamon-c1")) >= 0.9:
            warning = f"mixed encodings: UTF-8 with {bad} run(s) in {codec}, each decoded as such"
            return _decode_mixed(body, codec), f"utf-8+{codec}", warning
    non_ascii = sum(len(m.group()) for m in _NON_ASCII_RUN.finditer(body))
    if bad_bytes <= _UTF8_DAMAGE_MAX * non_ascii:
        warning = f"invalid UTF-8: {bad_bytes} byte(s) replaced with U+FFFD"
        return body.decode("utf-8", errors="replace"), "utf-8", warning
    return None


def _valid_utf8(run: bytes) -> bool:
    try:
        run.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class Decoded:
    """A decoded page: ``text``, the ``encoding`` used (a Python codec name), whether the
    declared charset was wrong and another was used (``repaired``), and ``declared`` (the
    HTTP charset, else the document's own, else None) and ``warning`` (what was repaired:
    mixed encodings, invalid UTF-8 bytes replaced; None)."""

    text: str
    encoding: str
    repaired: bool
    declared: str | None
    warning: str | None = None


def decode_page(body: bytes | str, content_type: str | None = None) -> Decoded:
    """Decode an HTML page, checking the declared charset against the bytes.

    Order: a byte-order mark; the ``charset`` of the HTTP ``content_type``; the document's
    ``<meta charset>`` / ``http-equiv`` / XML declaration; statistical detection
    (BeautifulSoup's :class:`UnicodeDammit`, charset-normalizer); UTF-8 with U+FFFD.

    A declared charset is used only when it fits the bytes: a page that is valid UTF-8 with
    non-ASCII bytes is read as UTF-8 even when declared as a single-byte code page (those
    decode anything, as mojibake), and a page that does not decode strictly with its declared
    charset is read with the document's declaration or detection instead -- both count as
    ``repaired``. A page whose non-ASCII runs are partly valid UTF-8 and partly not is
    decoded run by run (:func:`mixed_or_damaged_utf8`: "mixed encodings" or "invalid
    UTF-8", ``repaired`` with a ``warning``). Undefined bytes of a single-byte code page
    (0x98 in windows-1251) are dropped, not an error, and not a repair. An ASCII-only body
    is returned as is. Never raises.
    """
    if isinstance(body, str):
        return Decoded(body, "utf-8", False, None)
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body.decode(codec, errors="replace")
            return Decoded(text, codec, False, charset_from_content_type(content_type),
                           _replaced(text, codec))  # fmt: skip
    http = charset_from_content_type(content_type)
    document = _declared_in_document(body)
    declared = http or document
    if body.isascii() and not (declared or "").startswith(("utf-16", "utf-32")):
        return Decoded(body.decode("ascii"), declared or "ascii", False, declared)
    mixed = mixed_or_damaged_utf8(body, declared)
    if mixed is not None:
        text, codec, warning = mixed
        return Decoded(text, codec, True, declared, warning)
    if declared:
        if declared in _SINGLE_BYTE and declared != "ascii" and _is_utf8_with_non_ascii(body):
            return Decoded(body.decode("utf-8"), "utf-8", True, declared)
        text = _strict(body, declared)
        if text is None:
            text = _lenient_single_byte(body, declared)
        if text is not None:
            return Decoded(text, declared, False, declared)
        # the declared charset does not fit: the document's own, then detection
        if http and document and document != http:
            text = _strict(body, document) or _lenient_single_byte(body, document)
            if text is not None:
                return Decoded(text, document, True, declared)
    if _is_utf8_with_non_ascii(body):
        return Decoded(body.decode("utf-8"), "utf-8", bool(declared), declared)
    guess = _guess_single_byte(body)
    if guess is not None:
        codec, text = guess
        return Decoded(text, codec, bool(declared) and codec != declared, declared)
    dammit = UnicodeDammit(body, is_html=True)
    if dammit.unicode_markup is not None and dammit.original_encoding:
        codec = _codec(dammit.original_encoding) or dammit.original_encoding
        return Decoded(dammit.unicode_markup, codec, bool(declared) and codec != declared, declared)
    text = body.decode("utf-8", errors="replace")
    return Decoded(text, "utf-8", bool(declared), declared, _replaced(text, "utf-8"))


def _replaced(text: str, codec: str) -> str | None:
    """The warning for bytes a lenient decode replaced with U+FFFD (counted as the U+FFFD in
    the text: one that was there already counts too, an upper bound), or None."""
    n = text.count("\ufffd")
    return f"invalid {codec}: up to {n} byte sequence(s) replaced with U+FFFD" if n else None


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """The text of :func:`decode_page` (kept for callers that need only the text)."""
    return decode_page(body, content_type).text
