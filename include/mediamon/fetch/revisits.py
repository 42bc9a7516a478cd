"""Conditional GET between runs: the validators (ETag, Last-Modified) a source's earlier
capture holds, sent again as ``If-None-Match`` / ``If-Modified-Since``.

Used when ``Source.conditional_get``: a 304 is recorded, and for a list the previous body is
written again after it (marked :data:`REVISIT_HEADER`) so the day still has its headlines
(:meth:`mediamon.fetch.fetcher.Fetcher.get` does both).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mediamon.fetch.warcstore import read_capture

log = logging.getLogger(__name__)
REVISIT_HEADER = "X-Mediamon-Revisit"
LIST_KINDS = ("feed", "listing", "sitemap", "robots", "homepage")  # bodies kept for a 304


@dataclass(frozen=True)
class Previous:
    """A URL's last 200 response in an earlier capture: its validators, status line and
    headers, and for a list (:data:`LIST_KINDS`) its decoded body."""

    etag: str | None
    last_modified: str | None
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes | None  # decoded; kept for lists only


def previous_validators(paths: Iterable[Path | str | None]) -> dict[str, Previous]:
    """URL -> validators (ETag, Last-Modified) of its last 200 response in the given captures
    (later wins). Missing or unreadable captures are skipped."""
    found: dict[str, Previous] = {}
    for path in paths:
        if not path or not Path(path).exists():
            continue
        try:
            for ex in read_capture(path):
                if ex.status != 200:
                    continue
                etag, modified = ex.headers.get("etag"), ex.headers.get("last-modified")
                if not etag and not modified:
                    continue
                kept = [
                    (k, v) for k, v in ex.headers.items()
                    if k not in ("content-encoding", "content-length", REVISIT_HEADER.lower())
                ]  # fmt: skip
                found[ex.url] = Previous(
                    etag, modified, ex.status, "OK", kept,
                    ex.body if ex.kind in LIST_KINDS else None,
                )  # fmt: skip
        except Exception as exc:  # a broken old capture must not stop today's fetch
            log.warning("cannot read previous capture %s: %s", path, exc)
    return found


def conditional_headers(previous: Previous | None) -> dict[str, str]:
    """The ``If-None-Match`` / ``If-Modified-Since`` request headers for ``previous`` (none
    without it)."""
    headers = {}
    if previous is not None:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    return headers
