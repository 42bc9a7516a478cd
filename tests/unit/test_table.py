"""The one plain-text table formatter (text.table), which the CLI and DAG reports print."""

from mediamon.text.table import format_table

ROWS = [{"source": "exclusive.kz", "n": 12, "note": ""}, {"source": "a", "n": 1234, "note": "x"}]


def test_columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart():
    assert format_table(ROWS, ("source", "n", "note")).splitlines() == [
        "source        n     note",
        "exclusive.kz  12",
        "a             1234  x",
    ]


def test_the_day_summary_ends_no_line_with_a_blank_and_keeps_its_columns():
    from mediamon.report import COLUMNS, format_summary

    row = {"source": "exclusive_demo", **dict.fromkeys(COLUMNS[1:], 2)}
    lines = format_summary([row, {**row, "source": "a", "fetched": 1234}]).splitlines()
    assert [line for line in lines if line != line.rstrip()] == []
    assert lines[-1].split() == ["total", "(2)", "1236", *["4"] * 6]
    starts = {c: lines[0].index(c) for c in COLUMNS}  # every cell starts under its header
    for line in lines[1:]:
        assert all(line[starts[c] - 1] == " " != line[starts[c]] for c in COLUMNS[1:])


def test_no_rows_is_the_header_alone():
    assert format_table([], ("source", "n")) == "source  n"
