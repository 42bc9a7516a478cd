"""Reading a saved page or feed from disk for the ``parse-*`` commands.

:func:`read_input` returns the bytes (gunzipped when the file is gzip, up to the decoded-size
cap of :mod:`mediamon.inflate`) or raises :class:`InputError` with a message naming the file
and what is wrong with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mediamon.inflate import DecodedTooLarge, InflateError, inflate


class InputError(ValueError):
    """The input cannot be used at all (missing, a folder, unreadable, broken gzip, empty,
    unknown source ...); the message says why."""


def read_input(path: Path | str, *, allow_empty: bool = False) -> bytes:
    """The file's bytes, gunzipped if they are gzip (magic 1f 8b) and at most
    :func:`mediamon.inflate.max_decoded_bytes` once gunzipped (past it: InputError
    ``<path>: gzip data larger than N bytes once decoded``, inflating stopped at the cap).

    An empty (or blank) file is an error unless ``allow_empty`` (a feed parser says itself
    why an empty document holds no items).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = inflate(data, "gzip")
        except DecodedTooLarge as exc:
            raise InputError(f"{path}: gzip data {exc}") from exc
        except InflateError as exc:
            raise InputError(f"{path}: broken gzip data") from exc
    if not allow_empty and not data.strip():
        raise InputError(f"{path}: empty file")
    return data


def fetch_instant(value: str | None, zone: str) -> datetime:
    """The ``--fetched-at`` of a ``parse-*`` command as an aware datetime: ISO 8601, a naive
    value read in ``zone`` (the source's IANA zone); now (UTC) when not given. A list's bare
    "HH:MM" items are dated from it. Raises :class:`InputError` for a malformed value."""
    if not value:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"--fetched-at {value!r}: not an ISO 8601 instant") from exc
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(zone))
