"""Records the warehouse cannot index: keys longer than a B-tree index entry can hold.

PostgreSQL refuses a B-tree index entry over 2,704 bytes (a third of an 8 KB page, less
overhead: "index row requires 9776 bytes"), and one such row fails the whole load of its
source-day. The keys of a record are indexed: an article's canonical URL (``articles``,
``story_clusters``); a headline's source, list and canonical URL (``headlines``,
``sightings``) together with its title (``headline_revisions``). A record whose keys are
longer than :data:`MAX_KEY_BYTES` is quarantined alone with the reason, before the load
(:func:`split_unindexable`).

Why a bound and not hashed keys: real URLs stay under 2 KB (the sitemaps protocol's limit is
2,048 characters) and real titles under a few hundred characters; a longer one is a defect
of the page (a feed with its body in the title) that should be seen, not stored under a
hash. The bound keeps the schema and its indexes as they are.
"""

from __future__ import annotations

from mediamon.records import Article, DqResult, Headline, Quarantined

MAX_KEY_BYTES = 2000
"""The most bytes (UTF-8) of a record's indexed keys together, under the 2,704 of a B-tree
entry with room for the row header and the day."""


def _bytes(*texts) -> int:
    """UTF-8 bytes of ``texts`` together (None counts 0; another value as its ``str``)."""
    return sum(len(str(t).encode("utf-8", "surrogatepass")) for t in texts if t is not None)


def unindexable(kind: str, record: Article | Headline) -> str | None:
    """Why ``record`` (kind ``article`` or ``headline``) cannot be indexed, or None."""
    if kind == "article":
        size = _bytes(record.get("canonical_url"))
        what = "canonical URL"
    else:
        size = _bytes(record.get("source_id"), record.get("list_id"),
                      record.get("canonical_url"), record.get("title"))  # fmt: skip
        what = "source, list, canonical URL and title"
    if size <= MAX_KEY_BYTES:
        return None
    return f"too long to index: {what} of {size} bytes (at most {MAX_KEY_BYTES})"


def split_unindexable(
    articles: list[Article], headlines: list[Headline], quarantine_key
) -> tuple[list[Article], list[Headline], list[Quarantined], DqResult]:
    """``(articles, headlines, quarantined, result)``: the records that can be indexed, the
    others as quarantine rows (keyed by ``quarantine_key(kind, record)``), and the
    ``record.indexable`` check's ``dq_results`` row (severity quarantine)."""
    kept: dict[str, list] = {"article": [], "headline": []}
    quarantined: list[Quarantined] = []
    for kind, records in (("article", articles), ("headline", headlines)):
        for record in records:
            reason = unindexable(kind, record)
            if reason is None:
                kept[kind].append(record)
            else:
                quarantined.append({"record_kind": kind, "record_key": quarantine_key(kind, record),
                                    "record": record, "reasons": [reason]})  # fmt: skip
    result: DqResult = {
        "check_name": "record.indexable", "success": not quarantined,
        "evaluated": len(articles) + len(headlines), "unexpected": len(quarantined),
        "severity": "quarantine", "observed": {"max_key_bytes": MAX_KEY_BYTES},
        "unexpected_sample": [str(q["record"].get("url"))[:200] for q in quarantined][:5],
    }  # fmt: skip
    return kept["article"], kept["headline"], quarantined, result
