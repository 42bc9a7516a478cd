"""The search page of the plugin (``/mediamon/search``), an article's row and a story
cluster: their data (read from the warehouse) and their HTML.

The hits come from :func:`mediamon.search.search`; a snippet is shown with its matched words
in ``<mark>`` (:func:`marked_html`: every piece of scraped text is escaped, the marks are
placed from the hit's offsets, so no markup of ``ts_headline`` or of the page reaches the
browser). Templates escape every value (Jinja2 autoescape). Read-only.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from markupsafe import Markup, escape

from mediamon.monitor import TEMPLATES
from mediamon.search import Hit

LANGUAGES = ("ru", "kk", "en")  # the filter's choices (the configurations search knows)
BODY_CHARS = 100_000  # the article view shows at most this much of a body


def marked_html(hit: Hit) -> Markup:
    """The hit's snippet as safe HTML: the text escaped, each matched word in ``<mark>``."""
    out, at = [], 0
    for start, stop in hit.marks:
        out += [escape(hit.snippet[at:start]), Markup("<mark>"), escape(hit.snippet[start:stop]),
                Markup("</mark>")]  # fmt: skip
        at = stop
    out.append(escape(hit.snippet[at:]))
    return Markup("").join(out)


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit as the read API returns it (see the plugin's ``/api/search``)."""
    return {
        "kind": hit.kind, "source_id": hit.source_id,
        "day": hit.day.isoformat() if hit.day else None, "title": hit.title,
        "snippet": hit.snippet, "marks": [list(m) for m in hit.marks], "url": hit.url,
        "language": hit.language, "rank": hit.rank, "title_hit": hit.title_hit,
        "article_id": hit.article_id, "cluster_id": hit.cluster_id,
    }  # fmt: skip


def source_ids(conn) -> list[str]:
    """The warehouse's source ids, sorted (the source filter's choices)."""
    with conn.cursor() as cur:
        cur.execute("select id from sources order by id")
        return [r[0] for r in cur.fetchall()]


def article(conn, article_id: int) -> dict[str, Any] | None:
    """One article's row for its page, or None when no article has that id: ``{"id",
    "source_id", "source_name", "title", "authors" [str], "authors_status", "published_at",
    "published_day", "modified_at", "first_seen", "last_seen" (ISO strings or None),
    "language", "section", "url", "canonical_url", "body" (at most :data:`BODY_CHARS`),
    "body_chars" (the whole body's length), "cluster_id" (or None)}``."""
    with conn.cursor() as cur:
        cur.execute(
            "select a.id, a.source_id, s.name, a.title, a.authors, a.authors_status, "
            "a.published_at, a.published_day, a.modified_at, a.first_seen, a.last_seen, "
            "a.language, a.section, a.url, a.canonical_url, left(a.body_text, %s), "
            "length(a.body_text), c.cluster_id from articles a join sources s "
            "on s.id = a.source_id left join story_clusters c using (canonical_url) "
            "where a.id = %s",
            (BODY_CHARS, article_id),
        )
        row = cur.fetchone()
    if row is None:
        return None
    names = ("id", "source_id", "source_name", "title", "authors", "authors_status",
             "published_at", "published_day", "modified_at", "first_seen", "last_seen",
             "language", "section", "url", "canonical_url", "body", "body_chars",
             "cluster_id")  # fmt: skip
    out = dict(zip(names, row, strict=True))
    for key in ("published_at", "published_day", "modified_at", "first_seen", "last_seen"):
        out[key] = out[key].isoformat() if out[key] else None
    out["authors"] = list(out["authors"] or [])
    out["body_chars"] = out["body_chars"] or 0
    return out


def versions(conn, canonical_url: str, shown: int | None = None) -> dict[str, Any]:
    """An article's versions and flags for its page (:func:`mediamon.revisions.article_history`):
    ``{"versions": [{"number", "first_day", "last_day", "fetches", "current", "title"}],
    "taken_down": "HTTP 410 at …" or None, "paywalled": [evidence] or None, "shown": N,
    "diff": [(kind, line)]}``: the diff from version N-1 to N (default the latest), each line
    with its kind (``add``, ``del``, ``hunk``, ``same``) for the page to colour; no diff with
    one version. ValueError for an N the article does not have (2..number of versions)."""
    from mediamon.revisions import article_history, version_diff

    history = article_history(conn, canonical_url)
    out: dict[str, Any] = {"versions": [], "taken_down": None, "paywalled": None,
                           "shown": None, "diff": []}  # fmt: skip
    if history is None:
        return out
    if history.taken_down_at:
        out["taken_down"] = f"HTTP {history.taken_down_status} at {history.taken_down_at}"
    if history.paywalled:
        out["paywalled"] = list(history.paywall_evidence)
    out["versions"] = [
        {"number": v.number, "first_day": v.first_seen_day.isoformat(),
         "last_day": v.last_seen_day.isoformat(), "fetches": len(v.fetches),
         "current": v.current, "title": v.title}
        for v in history.versions
    ]  # fmt: skip
    count = len(history.versions)
    if count < 2:
        return out
    shown = count if shown is None else shown
    if not 2 <= shown <= count:
        raise ValueError(f"version {shown}: this article has versions 2..{count} to compare")
    out["shown"] = shown
    text = version_diff(history.versions[shown - 2], history.versions[shown - 1])
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    out["diff"] = [(kinds.get(line[:1], "same"), line) for line in text.splitlines()]
    return out


def story(conn, cluster_id: str) -> dict[str, Any] | None:
    """A story cluster for its page, or None when unknown: ``{"cluster_id", "members":
    [{"canonical_url", "source_id", "title", "first_day" (ISO), "article_id" (or None: a
    headline whose article was not loaded)}]}``, first day then source order."""
    with conn.cursor() as cur:
        cur.execute(
            "select c.canonical_url, c.source_id, c.title, c.first_day, a.id "
            "from story_clusters c left join articles a using (canonical_url) "
            "where c.cluster_id = %s order by c.first_day, c.source_id, c.canonical_url",
            (cluster_id,),
        )
        rows = cur.fetchall()
    if not rows:
        return None
    return {
        "cluster_id": cluster_id,
        "members": [
            {"canonical_url": u, "source_id": s, "title": t, "first_day": d.isoformat(),
             "article_id": a}
            for u, s, t, d, a in rows
        ],
    }  # fmt: skip


def render(template: str, **values: Any) -> str:
    """``templates/<template>`` rendered with autoescape; :func:`marked_html` and
    :func:`link_id` and :func:`web_link` are available to it."""
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template(template).render(
        marked=marked_html, link_id=link_id, web_link=web_link, **values
    )


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None (a scraped ``javascript:`` or
    ``data:`` URL is shown as text, never linked)."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url
    return None


def link_id(value: str) -> str:
    """A cluster id as one path segment (percent-encoded)."""
    return quote(str(value), safe="")


def render_search(
    form: dict[str, Any], hits: list[Hit] | None, sources: list[str], error: str | None
) -> str:
    """The search page. ``form``: the query's values (``q``, ``from``, ``to``: date, the text
    sent or None,
    ``source``, ``language``: lists, ``limit``); ``hits``: None before a query is asked;
    ``error``: a message shown above the form (the query could not be read)."""
    shown = {**form, "from": _iso(form.get("from")), "to": _iso(form.get("to"))}
    api = urlencode(
        [(k, v) for k in ("q", "from", "to", "limit") if (v := shown.get(k))]
        + [(k, v) for k in ("source", "language") for v in shown.get(k) or ()]
    )
    return render("search.html", form=shown, hits=hits, sources=sources,
                  languages=LANGUAGES, error=error, api_query=api)  # fmt: skip


def _iso(value: date | str | None) -> str:
    """A date as ISO; a string (what the form sent, unreadable) as it came."""
    return value.isoformat() if isinstance(value, date) else (value or "")
