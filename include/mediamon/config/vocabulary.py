"""The registry's vocabulary: source ids, the selector keys of listings and article
profiles, and the severities of checks (what a failing check does, and which checks judge
single rows). Read by :mod:`mediamon.config.schema` when validating a registry and by
:mod:`mediamon.quality.severity` when applying a table."""

from __future__ import annotations

import re

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LISTING_SELECTOR_KEYS = {"item", "title", "link", "byline", "date", "next_page", "position"}
ARTICLE_SELECTOR_KEYS = {"title", "byline", "date", "body", "section"}
# what a failing check does, from mild to strict (see mediamon.quality.severity)
SEVERITIES = ("info", "warn", "quarantine", "fail")
# checks whose names start so judge single rows (they can quarantine); the others judge a batch
ROW_PREFIXES = ("article.", "headline.")


def validate_severity_table(table: object, where: str) -> dict[str, str]:
    """A registry ``severity`` mapping checked and returned as ``{key: severity}``.

    Raises ValueError naming ``where`` for a non-mapping, an empty key, a severity outside
    :data:`SEVERITIES`, or ``quarantine`` for a batch check (a name outside
    :data:`ROW_PREFIXES`).
    """
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must map check names or prefixes to a severity")
    out = {}
    for key, value in table.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"{where}: check names must be non-empty strings, got {key!r}")
        if value not in SEVERITIES:
            raise ValueError(f"{where}.{key}: severity must be one of {SEVERITIES}, got {value!r}")
        if value == "quarantine" and not key.startswith(ROW_PREFIXES):
            raise ValueError(f"{where}.{key}: only row checks (article.*, headline.*) quarantine")
        out[key.strip()] = value
    return out
