"""What a failing check does: the severity table, with per-source overrides from the registry.

Severities, from mild to strict:

``info``        a count for people (``headline.new_today``); never a failure.
``warn``        recorded in ``dq_results`` (success false) and logged; failing rows are
                loaded as they are (a row check), the run stays green.
``quarantine``  failing rows go to ``quarantine`` with the check's reason; the good rows load.
                Row checks only.
``fail``        as ``quarantine`` for a row check, as ``warn`` for a batch check, and then the
                source's load task and the run fail (after the data landed, flagged), so that
                somebody looks.

:data:`DEFAULTS` is the table every source starts from: row checks (``article.*``,
``headline.*``) quarantine, batch checks (``drift.*``, ``batch.*``) warn. A source overrides
it in the registry (``sources.yaml``)::

    severity:
      article.language.of_source: warn   # a bilingual outlet: load, but say so
      drift.author_fill_rate: fail       # bylines matter for this outlet
    fail_on: [batch.reconciliation]      # shorthand for "severity: fail" (kept for old files)

A key is a check name or a prefix of names (``drift.``); the longest key a check's name
starts with wins; a source's entries replace the defaults' same keys, and ``fail_on`` entries
count as ``fail`` entries. The vocabulary (:data:`mediamon.config.SEVERITIES`,
:data:`mediamon.config.ROW_PREFIXES`) lives in :mod:`mediamon.config`, whose
:func:`~mediamon.config.validate_severity_table` refuses unknown severities and ``quarantine``
for a batch check (a batch has no row to set aside), at registry load time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mediamon.config import ROW_PREFIXES

DEFAULTS: Mapping[str, str] = {
    "article.": "quarantine",
    "headline.": "quarantine",
    "headline.new_today": "info",
    "batch.": "warn",
    "drift.": "warn",
}


def is_row_check(check_name: str) -> bool:
    """True for checks that judge single rows (they can quarantine), False for batch checks."""
    return check_name.startswith(ROW_PREFIXES) and check_name != "headline.new_today"


def resolve(check_name: str, table: Mapping[str, str]) -> str:
    """The severity of ``check_name`` under ``table`` (a source's :func:`table_for`).

    The longest key that ``check_name`` starts with wins; with no key, row checks quarantine
    and batch checks warn. ``quarantine`` asked of a batch check reads as ``warn``.
    """
    keys = [k for k in table if check_name.startswith(k)]
    if keys:
        severity = table[max(keys, key=len)]
    else:
        severity = "quarantine" if is_row_check(check_name) else "warn"
    if severity == "quarantine" and not is_row_check(check_name):
        return "warn"
    return severity


def table_for(source) -> dict[str, str]:
    """The severity table of a :class:`mediamon.config.Source`: :data:`DEFAULTS`, then its
    ``fail_on`` entries as ``fail``, then its ``severity`` entries (later ones win a key)."""
    return {
        **DEFAULTS,
        **{key: "fail" for key in source.fail_on},
        **source.severity,
    }


def apply(rows: list[dict], source) -> list[dict]:
    """``dq_results`` rows with ``severity`` set from the source's table."""
    table = table_for(source)
    return [{**r, "severity": resolve(r["check_name"], table)} for r in rows]


def gated(rows: Iterable[dict]) -> list[str]:
    """Names of the failing checks whose severity is ``fail`` (the run must fail)."""
    return [r["check_name"] for r in rows if r["severity"] == "fail" and not r["success"]]
