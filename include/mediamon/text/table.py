"""Plain-text tables for the terminal and the task logs: the CLI's and the DAG's reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

GAP = "  "  # between two columns


def format_table(rows: Sequence[Mapping], columns: Sequence[str]) -> str:
    """A header line of ``columns`` and one line per row, each cell ``str(row[column])``
    left-aligned in a column as wide as its widest cell or header, columns two spaces apart.

    No line ends with a blank (the last cell is not padded). Lines are joined with ``\\n``,
    no final newline.
    Raises KeyError when a row lacks a column. The caller says what an empty table means.
    """
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    lines = [GAP.join(v.ljust(w) for v, w in zip(line, widths, strict=True))
             for line in [list(columns), *cells]]  # fmt: skip
    return "\n".join(line.rstrip() for line in lines)
