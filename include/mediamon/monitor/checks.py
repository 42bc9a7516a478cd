"""The monitoring page's view of the registry: which sources were ever checked live.

An entry's ``checked:`` says when a live check last passed (``never`` for most: nothing is
checked until someone runs ``mediamon sources check --live``); ``source_checks`` holds every
check run since (:mod:`mediamon.sourcecheck`). A source is *checked* on the later of the two
dates, *unchecked* when neither exists; the last stored check's verdict is shown beside it.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from mediamon.config import RegistryError, Source, load_sources
from mediamon.sourcecheck import latest_checks


def registry_checks(conn, sources: dict[str, Source] | None = None) -> dict[str, Any]:
    """``{"sources": [{"source_id", "name", "checked" (YYYY-MM-DD or None: unchecked),
    "last": None | {"checked_at" ("YYYY-MM-DD HH:MM UTC"), "mode", "verdict", "reason"}}],
    "unchecked": int, "error": None | str}`` for ``sources`` (default: the registry in force,
    whose error, if malformed, is ``error`` with no rows). Reads ``source_checks`` when the
    warehouse has it (an older one does not: no ``last``); ``conn`` is left without an open
    transaction."""
    try:
        sources = load_sources() if sources is None else sources
    except RegistryError as exc:
        return {"sources": [], "unchecked": 0, "error": str(exc)}
    with conn.cursor() as cur:
        cur.execute("select to_regclass('source_checks') is not null")
        stored = cur.fetchone()[0]
    latest = latest_checks(conn) if stored else {}
    conn.rollback()
    rows = []
    for source in sources.values():
        last = latest.get(source.id)
        passed = last and last["live_passed_at"]
        dates = [d for d in (source.checked, passed and passed.date()) if d]
        rows.append({
            "source_id": source.id,
            "name": source.name,
            "checked": max(dates).isoformat() if dates else None,
            "last": last and {
                "checked_at": last["checked_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "mode": last["mode"], "verdict": last["verdict"], "reason": last["reason"],
            },
        })  # fmt: skip
    unchecked = sum(1 for r in rows if r["checked"] is None)
    return {"sources": rows, "unchecked": unchecked, "error": None}
