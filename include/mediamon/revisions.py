"""An article's versions as the warehouse saw them, and the difference between two.

:func:`article_history` reads an article (by its URL or canonical URL), its takedown and
paywall flags and every version in ``article_revisions`` with the fetches that saw it
(:mod:`mediamon.load.revisions` writes them); versions are numbered from 1 in the order they
were first fetched, and the current one is the one the latest fetch saw (what ``articles``
holds). :func:`version_diff` is a unified diff (:mod:`difflib`) of two versions' title and
body, one line per paragraph; :func:`format_history` prints both for ``mediamon revisions``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime

from mediamon.load.revisions import SEEN_DAY
from mediamon.text.table import format_table
from mediamon.text.urls import canonicalize_url


@dataclass(frozen=True)
class Version:
    """One distinct (title, body) of an article; days are the local days of the data that saw
    it (:data:`mediamon.load.revisions.SEEN_DAY`), times the fetches' (UTC)."""

    number: int  # 1 = the first fetched
    content_hash: str  # hex SHA-256 of title, newline, body
    title: str
    body_text: str
    parser_version: str  # the parser that first read it
    first_seen_day: date
    last_seen_day: date
    first_fetched_at: datetime
    last_fetched_at: datetime
    fetches: list[tuple[date, datetime, str]]  # (local day, fetch time, URL), oldest first
    current: bool  # the latest fetch saw this version


@dataclass(frozen=True)
class ArticleHistory:
    """An article's identity, flags and versions (oldest first)."""

    canonical_url: str
    source_id: str
    taken_down_at: datetime | None  # first 404/410 after the latest successful fetch
    taken_down_status: int | None
    paywalled: bool
    paywall_evidence: list[str]
    versions: list[Version] = field(default_factory=list)


def article_history(conn, url: str) -> ArticleHistory | None:
    """The article whose canonical URL or fetched URL is ``url`` (also tried canonicalized),
    with its versions; None when the warehouse has no such article."""
    with conn.cursor() as cur:
        cur.execute(
            "select canonical_url, source_id, taken_down_at, taken_down_status, paywalled, "
            "paywall_evidence from articles where canonical_url = any(%(urls)s) "
            "or url = any(%(urls)s) order by canonical_url = any(%(urls)s) desc limit 1",
            {"urls": list(dict.fromkeys([url, canonicalize_url(url)]))},
        )
        row = cur.fetchone()
        if row is None:
            return None
        canonical = row[0]
        cur.execute(
            "select content_hash, title, coalesce(body_text, ''), parser_version, "
            "first_seen_day, last_seen_day, first_fetched_at, last_fetched_at "
            "from article_revisions where canonical_url = %s "
            "order by first_fetched_at, content_hash",
            (canonical,),
        )
        rows = cur.fetchall()
        cur.execute(  # one exchange loaded as two days (a replayed capture) is one fetch
            f"select f.content_hash, min({SEEN_DAY}), f.fetched_at, f.url "
            "from article_revision_fetches f join sources s on s.id = f.source_id "
            "where f.canonical_url = %s group by f.content_hash, f.fetched_at, f.url "
            "order by f.fetched_at, f.url",
            (canonical,),
        )
        seen: dict[str, list[tuple[date, datetime, str]]] = {}
        for content_hash, *fetch in cur.fetchall():
            seen.setdefault(content_hash, []).append(tuple(fetch))
    conn.rollback()
    latest = max((r[7] for r in rows), default=None)
    versions = [
        Version(number, *r, fetches=seen.get(r[0], []), current=r[7] == latest)
        for number, r in enumerate(rows, start=1)
    ]
    return ArticleHistory(*row, versions=versions)


def _lines(version: Version) -> list[str]:
    return [version.title, "", *version.body_text.split("\n")]


def version_diff(old: Version, new: Version, *, context: int = 3) -> str:
    """A unified diff from ``old`` to ``new``: the title first, then the body, one line per
    paragraph line; headers name each version and its first local day. "" when equal."""
    return "\n".join(
        difflib.unified_diff(
            _lines(old), _lines(new), lineterm="", n=context,
            fromfile=f"v{old.number} ({old.first_seen_day})",
            tofile=f"v{new.number} ({new.first_seen_day})",
        )
    )  # fmt: skip


def format_history(history: ArticleHistory, diff: tuple[int, int] | None = None) -> str:
    """The article, its flags, a table of its versions (number, days, fetches, hash, current,
    title) and the diff between versions ``diff`` (numbers; default the last two, none with
    one version). ValueError for a version number the article does not have."""
    lines = [f"{history.canonical_url}  ({history.source_id})"]
    if history.taken_down_at:
        lines.append(f"taken down: HTTP {history.taken_down_status} at {history.taken_down_at}")
    if history.paywalled:
        lines.append(f"paywalled: {'; '.join(history.paywall_evidence)}")
    if not history.versions:
        return "\n".join([*lines, "(no versions recorded: load or re-parse its days)"])
    rows = [
        {
            "version": v.number, "first_day": v.first_seen_day, "last_day": v.last_seen_day,
            "fetches": len(v.fetches), "hash": v.content_hash[:12],
            "current": "*" if v.current else "", "title": v.title,
        }
        for v in history.versions
    ]  # fmt: skip
    lines.append(format_table(rows, list(rows[0])))
    by_number = {v.number: v for v in history.versions}
    if diff is None and len(history.versions) > 1:
        diff = (len(history.versions) - 1, len(history.versions))
    if diff is not None:
        missing = [n for n in diff if n not in by_number]
        if missing:
            raise ValueError(f"no version {missing[0]} (versions 1..{len(by_number)})")
        lines += ["", version_diff(by_number[diff[0]], by_number[diff[1]]) or "(no difference)"]
    return "\n".join(lines)
