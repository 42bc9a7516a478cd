"""Writing a benchmark's results as ``bench/results/<name>.json`` and a short table.

Each row: ``{"benchmark": str, "metric": str, "value": float, "unit": str, "limit": float |
None, "ratio": float | None, "target": str | None, "met": bool | None}`` -- ``limit`` is the
physical floor or ceiling the value is compared with, ``ratio`` value/limit, ``target`` the
goal in words (e.g. "ratio >= 0.10") and ``met`` whether it is reached (None: no target).
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def row(
    benchmark: str,
    metric: str,
    value: float,
    unit: str,
    *,
    limit: float | None = None,
    ratio: float | None = None,
    target: str | None = None,
    met: bool | None = None,
) -> dict:
    """One result row (see the module docstring); numbers rounded to 4 significant places,
    except whole numbers (counts), which are kept exact."""
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": float(value) if float(value).is_integer() else float(f"{value:.4g}"),
        "unit": unit,
        "limit": None if limit is None else float(f"{limit:.4g}"),
        "ratio": None if ratio is None else float(f"{ratio:.4g}"),
        "target": target,
        "met": met,
    }


def write_results(name: str, rows: list[dict]) -> Path:
    """Write ``rows`` to ``bench/results/<name>.json``, print them as a table; the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    header = ["benchmark", "metric", "value", "unit", "limit", "ratio", "target", "met"]
    lines = [header] + [[("" if r[k] is None else str(r[k])) for k in header] for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    print(f"-> {path}")
    return path
