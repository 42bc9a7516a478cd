"""Print every benchmark result as one table: the rows of bench/results/*.json.

    .venv/bin/python bench/report.py [--quick] [--markdown]

Reads whatever result files are present (each bench script writes its own, see
bench/_common.py; files from other scripts with the same row shape are welcome), skipping
the ``*.quick.json`` smoke-run files unless --quick. Exits 1 when no result file exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table  # noqa: E402

KEYS = ("benchmark", "metric", "value", "unit")


def load_rows(quick: bool = False) -> list[dict]:
    """Rows of every result file (sorted by file name), each row tagged with its file."""
    rows = []
    for path in sorted(RESULTS.glob("*.json")):
        if path.name.endswith(".quick.json") != quick:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"skipping {path.name}: {exc}", file=sys.stderr)
            continue
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and all(k in item for k in KEYS):
                rows.append({"limit": None, "ratio": None, "target": None, "met": None, **item})
            else:
                print(f"skipping a malformed row of {path.name}: {item!r}", file=sys.stderr)
    return rows


def markdown(rows: list[dict]) -> str:
    head = (
        "| benchmark | metric | value | unit | limit | ratio | target | met |\n"
        "|---|---|---:|---|---:|---:|---|---|"
    )
    body = [
        f"| {r['benchmark']} | {r['metric']} | {r['value']:g} | {r['unit']} | "
        f"{'' if r['limit'] is None else format(r['limit'], 'g')} | "
        f"{'' if r['ratio'] is None else format(r['ratio'], '.3g')} | {r['target'] or ''} | "
        f"{ {True: 'yes', False: 'no', None: ''}[r['met']] } |"
        for r in rows
    ]
    return "\n".join([head, *body])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smoke runs' files instead")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table")
    args = parser.parse_args()
    rows = load_rows(args.quick)
    if not rows:
        print(f"no results in {RESULTS}: run `make bench` first", file=sys.stderr)
        return 1
    print(markdown(rows) if args.markdown else format_table(rows))
    targets = [r for r in rows if r["met"] is not None]
    missed = [f"{r['benchmark']}: {r['metric']}" for r in targets if not r["met"]]
    print(f"\ntargets met: {len(targets) - len(missed)} of {len(targets)}")
    for name in missed:
        print(f"  not met: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
