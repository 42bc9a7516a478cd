"""Article versions and takedowns, written in the load's transaction after the articles.

Every distinct (title, body) an article is seen with is one ``article_revisions`` row, keyed
by (canonical URL, ``content_hash``: SHA-256 of title, a newline and body), and every fetch
that saw it one ``article_revision_fetches`` row (version, local day, fetch time). A stealth edit
is a second revision; a story edited back is one revision seen before and after the other.

Loading a source-day replaces that day's fetch rows (so a reload adds nothing, and a
re-parse that reads a page differently moves the day's fetch to the new reading), drops the
revisions no fetch supports any more, and recomputes first/last day (the data's days,
:data:`SEEN_DAY`) and fetch time from the fetch rows. Versions are ordered by their first
fetch and the current one is the one the latest fetch saw, never by load order: re-parsing an
old day cannot make an old version look new (``articles`` keeps the latest fetch's values the
same way, :func:`mediamon.load.loader.write_articles`).

A takedown is an article page answering 404 or 410 after its latest successful fetch:
``articles.taken_down_at`` (the first such answer) and ``taken_down_status``, recomputed for
the articles the loaded day fetched (by URL or canonical URL) or loaded, so a page that comes
back clears them and days loaded in any order converge.
"""

from __future__ import annotations

import hashlib
from datetime import date

from mediamon.config import Source
from mediamon.load.staging import latest

TAKEDOWN_STATUSES = (404, 410)
SEEN_DAY = "least(f.day, (f.fetched_at at time zone s.timezone)::date)"
"""SQL (``f``: an ``article_revision_fetches`` row, ``s``: its source) of the local day a fetch
saw a version: the source-day it was loaded as, or the local day of the fetch when that is
earlier (a capture recorded on 2024-09-08 and replayed as a later day saw the article on
2024-09-08, not on the run's day). A run of day D fetches at D's end or after: D."""


def content_hash(title: str | None, body: str | None) -> str:
    """A version's ``content_hash``: hex SHA-256 of title, a newline and body (None read as
    ""), UTF-8. Computed as the articles are staged
    (:func:`mediamon.load.loader.write_articles`), from the strings at hand: in SQL it cost
    a second copy of every body (a staging table of the versions) and reading each body
    back."""
    text = f"{title or ''}\n{body or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_revisions(cur, source: Source, day: date) -> int:
    """Record the versions the loaded articles (the staging table ``stage_articles`` of
    :func:`mediamon.load.loader.write_articles`, same transaction, with each row's
    ``content_hash``) show on local ``day``; returns the number of the day's fetch rows
    written (one per article loaded)."""
    params = {"source": source.id, "day": day}
    cur.execute(
        "create temp table stage_revisions_touched on commit drop as "
        "with gone as (delete from article_revision_fetches where source_id = %(source)s "
        "and day = %(day)s returning canonical_url, content_hash) select distinct * from gone",
        params,
    )
    versions, _ = latest(cur, "stage_articles", "canonical_url")
    # a version new to the warehouse is written whole, its days and times those of its one
    # fetch (SEEN_DAY of the fetch row below): only the versions that lost or gained fetch
    # rows otherwise (stage_revisions_touched) have theirs recomputed from the fetch rows
    seen = "least(%(day)s::date, (latest.last_seen at time zone s.timezone)::date)"
    cur.execute(
        f"""
        with inserted as (
            insert into article_revisions (canonical_url, content_hash, source_id, title,
                body_text, parser_version, first_seen_day, last_seen_day, first_fetched_at,
                last_fetched_at)
            select latest.canonical_url, latest.content_hash, %(source)s,
                coalesce(latest.title, ''), latest.body_text, latest.parser_version, {seen},
                {seen}, latest.last_seen, latest.last_seen
            from {versions} join sources s on s.id = %(source)s order by latest.canonical_url
            on conflict (canonical_url, content_hash) do nothing
            returning canonical_url, content_hash)
        insert into stage_revisions_touched select canonical_url, content_hash
        from {versions} where (canonical_url, content_hash) not in (select * from inserted)
        """,
        params,
    )
    cur.execute(
        f"""
        insert into article_revision_fetches (canonical_url, content_hash, source_id, day,
            fetched_at, url)
        select canonical_url, content_hash, %(source)s, %(day)s, last_seen, url
        from {versions} on conflict do nothing
        """,
        params,
    )
    written = cur.rowcount
    cur.execute(
        f"""
        delete from article_revisions v using stage_revisions_touched t
        where (v.canonical_url, v.content_hash) = (t.canonical_url, t.content_hash)
            and not exists (select 1 from article_revision_fetches f
                where (f.canonical_url, f.content_hash) = (v.canonical_url, v.content_hash));
        update article_revisions v set first_seen_day = seen.first_day,
            last_seen_day = seen.last_day, first_fetched_at = seen.first_at,
            last_fetched_at = seen.last_at
        from (select f.canonical_url, f.content_hash, min({SEEN_DAY}) as first_day,
                     max({SEEN_DAY}) as last_day, min(fetched_at) as first_at,
                     max(fetched_at) as last_at
              from article_revision_fetches f join sources s on s.id = f.source_id
              join (select distinct * from stage_revisions_touched) t
                  using (canonical_url, content_hash)
              group by f.canonical_url, f.content_hash) seen
        where (v.canonical_url, v.content_hash) = (seen.canonical_url, seen.content_hash)
            and (v.first_seen_day, v.last_seen_day, v.first_fetched_at, v.last_fetched_at)
                is distinct from (seen.first_day, seen.last_day, seen.first_at, seen.last_at)
        """
    )
    return written


def mark_takedowns(cur, source: Source, day: date) -> int:
    """Recompute ``taken_down_at`` / ``taken_down_status`` of the source's articles that local
    ``day`` fetched or loaded, writing only those that change; returns how many changed."""
    cur.execute(
        """
        with fetched as (
            select url from fetches
            where source_id = %(source)s and day = %(day)s and kind = 'article'
        ), touched as (
            select a.canonical_url from articles a join fetched f on a.url = f.url
            union select canonical_url from stage_articles
            -- a fetched URL that is an article's canonical URL is that article: probed only
            -- when no staged article has it (a failed fetch, mostly)
            union select a.canonical_url from articles a join fetched f on a.canonical_url = f.url
                where f.url not in (select canonical_url from stage_articles)
        ), computed as (
            select a.canonical_url, gone.fetched_at, gone.status
            from articles a join touched t using (canonical_url)
            left join lateral (
                select f.fetched_at, f.status from fetches f
                where f.kind = 'article' and f.url in (a.url, a.canonical_url)
                    and f.status = any(%(statuses)s) and f.fetched_at > a.last_seen
                order by f.fetched_at limit 1) gone on true
            where a.source_id = %(source)s
        )
        update articles a set taken_down_at = c.fetched_at, taken_down_status = c.status
        from computed c
        where a.canonical_url = c.canonical_url
            and (a.taken_down_at, a.taken_down_status) is distinct from (c.fetched_at, c.status)
        """,
        {"source": source.id, "day": day, "statuses": list(TAKEDOWN_STATUSES)},
    )
    return cur.rowcount
