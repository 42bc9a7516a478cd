"""Batch-level checks over one source-day's exchanges: which fetched bodies are refused
before parsing and why, and whether every exchange is accounted for.

- :func:`not_a_page`: a 2xx body that is not an HTML/XML page (media, a binary format) is
  refused by the parse stage, kept raw in the capture, never parsed.
- :func:`refusal_reason`: a short class of why an exchange gave no page, so equal reasons
  count together.
- :func:`reconcile`: ``fetched = loaded + quarantined + refused``, as a ``dq_results`` row.
"""

from __future__ import annotations

import re
from collections import Counter

import filetype

from mediamon.records import Article, DqResult, Fetch, Quarantined

NOT_PAGE_TYPES = ("image", "audio", "video", "font", "model")
_URL = re.compile(r"\S+://\S+")


def not_a_page(body: bytes, content_type: str | None, *, gzip_ok: bool = False) -> str | None:
    """Why a 2xx body is not an HTML/XML page, or None when it may be one.

    Refused: a declared media type whose top level is image, audio, video, font or model
    (RFC 6838), and a body whose leading bytes are a known binary format (PNG, JPEG, PDF,
    zip, gzip...: sniffed with the ``filetype`` package) whatever the Content-Type claims,
    e.g. an image served as ``text/html``. ``gzip_ok``: a gzip file passes (a sitemap may be
    ``sitemap.xml.gz``, sitemaps.org; the sitemap parser unpacks it).
    """
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared.split("/", 1)[0] in NOT_PAGE_TYPES:
        return f"not a web page: Content-Type {declared}"
    kind = filetype.guess(body[:8192]) if body else None
    if kind is not None and not (gzip_ok and kind.mime == "application/gzip"):
        return f"not a web page: body is {kind.mime} (Content-Type {declared or 'missing'})"
    return None


def reconcile(
    fetches: list[Fetch], loaded: list[Article], quarantine: list[Quarantined]
) -> DqResult:
    """Batch-level check: every exchange of the source-day is accounted for, i.e.
    ``fetched = loaded + quarantined + refused``.

    ``fetched``: the exchanges of the capture except robots.txt (politeness, not content),
    failed attempts and redirect hops included. ``refused``: no HTTP answer (timeout, size or
    time cap, SSRF guard, robots.txt...) or a non-2xx status; the fetch row keeps the reason
    (``error`` or ``status``), tallied in ``observed["refused_reasons"]``. ``quarantined``: a
    2xx page with a quarantine row (the page refused at parse, or its article failing a
    check), matched by URL. ``loaded``: any other 2xx list page (its items are loaded or
    quarantined one by one) and an article page whose article is in ``loaded`` (by URL).

    Returns a ``dq_results`` row (``batch.reconciliation``, severity warn); ``unexpected``
    counts 2xx article pages neither loaded nor quarantined (a silent drop), their URLs in
    ``unexpected_sample``.
    """
    loaded_urls = {a["url"] for a in loaded}
    quarantined = {
        (q["record"].get("kind") or "article", q["record"].get("url"))
        for q in quarantine
        if q["record_kind"] in ("article", "page")
    }
    counts = {"fetched": 0, "loaded": 0, "quarantined": 0, "refused": 0}
    reasons: Counter[str] = Counter()
    missing: list[str] = []
    for f in fetches:
        if f["kind"] == "robots":
            continue
        counts["fetched"] += 1
        status = f.get("status")
        if status is None or not 200 <= status < 300:
            counts["refused"] += 1
            reasons[refusal_reason(status, f.get("error"))] += 1
        elif (f["kind"], f["url"]) in quarantined:
            counts["quarantined"] += 1
        elif f["kind"] != "article" or f["url"] in loaded_urls:
            counts["loaded"] += 1
        else:
            missing.append(f["url"])
    return {
        "check_name": "batch.reconciliation",
        "success": not missing,
        "evaluated": counts["fetched"],
        "unexpected": len(missing),
        "severity": "warn",
        "observed": {**counts, "refused_reasons": dict(sorted(reasons.items()))},
        "unexpected_sample": missing[:5],
    }


def refusal_reason(status: int | None, error: str | None) -> str:
    """A short class of why an exchange gave no page: ``"HTTP 503"``, ``"SSRF guard"``,
    ``"ConnectionError"``, ``"total time cap exceeded while reading the body"``; URLs are
    cut out so equal reasons count together."""
    if status is not None:
        return f"HTTP {status}"
    text = _URL.sub("<url>", error or "no reason recorded")
    return text.split(": ", 1)[0][:80]
