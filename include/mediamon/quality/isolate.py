"""Poison isolation at validation: a record that makes the expectation suites raise is
quarantined alone with the error, and the others are validated as usual.

:func:`mediamon.quality.checks.validate_batch` runs one suite over all of a batch's records
at once, so one record of an unexpected shape (a title that is a list, a date left a string
by a batch from another version) would stop the whole source-day. :func:`validate_isolating`
finds such records by bisection (in-memory runs, no Data Docs: about 2·log2(n) suite runs per
culprit, paid only when the batch raised).
"""

from __future__ import annotations

import logging

from mediamon.config import Source
from mediamon.quality.checks import Outcome, quarantine_key, validate_batch
from mediamon.records import Article, Headline

log = logging.getLogger(__name__)


def validate_isolating(
    articles: list[Article], headlines: list[Headline], *, source: Source, **options
) -> Outcome:
    """:func:`~mediamon.quality.checks.validate_batch` (``options`` passed on); when it
    raises, the records that raise alone are quarantined with the reason ``"validation
    error: <class>: <message>"`` and the rest validated. Re-raises when no single record
    raises (the batch as a whole cannot be validated)."""
    try:
        return validate_batch(articles, headlines, source=source, **options)
    except Exception as exc:  # noqa: BLE001 - any record-made error; re-raised below if not
        error = exc
    culprits = {
        "article": dict(_culprits(articles, "article", source)),
        "headline": dict(_culprits(headlines, "headline", source)),
    }
    if not any(culprits.values()):
        raise error
    kept = {
        kind: [r for i, r in enumerate(records) if i not in culprits[kind]]
        for kind, records in (("article", articles), ("headline", headlines))
    }
    outcome = validate_batch(kept["article"], kept["headline"], source=source, **options)
    for kind, records in (("article", articles), ("headline", headlines)):
        for i, reason in culprits[kind].items():
            log.warning("%s: quarantining %s %s: %s", source.id, kind, records[i].get("url"),
                        reason)  # fmt: skip
            outcome.quarantine.append({"record_kind": kind, "record": records[i],
                                       "record_key": _key(kind, records[i]),
                                       "reasons": [reason]})  # fmt: skip
    return outcome


def _key(kind: str, record: dict) -> str:
    try:
        return quarantine_key(kind, record)
    except Exception:  # noqa: BLE001 - the record is malformed: that is why it is here
        return f"{kind}|{record.get('url')!s}"


def _culprits(records: list, kind: str, source: Source, offset: int = 0) -> list[tuple[int, str]]:
    """``(index, reason)`` of the records that make an in-memory validation raise."""
    if not records:
        return []
    try:
        validate_batch(records if kind == "article" else [],
                       records if kind == "headline" else [], source=source)  # fmt: skip
        return []
    except Exception as exc:  # noqa: BLE001
        if len(records) == 1:
            return [(offset, f"validation error: {type(exc).__name__}: {exc}"[:500])]
    mid = len(records) // 2
    return _culprits(records[:mid], kind, source, offset) + _culprits(
        records[mid:], kind, source, offset + mid
    )
