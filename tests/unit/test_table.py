"""The one plain-text table formatter (text.table), which the CLI and DAG reports print."""

from mediamon.text.table import format_table

ROWS = [{"source": "exclusive.kz", "n": 12, "note": ""}, {"source": "a", "n": 1234, "note": "x"}]


def test_columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart():
    assert format_table(ROWS, ("source", "n", "note")).splitlines() == [
        "source        n     note",
        "exclusive.kz  12",
        "a             1234  x",
    ]


def test_without_rstrip_every_cell_keeps_its_padding():
    assert format_table(ROWS, ("n", "source"), rstrip=False).splitlines() == [
        "n     source      ",
        "12    exclusive.kz",
        "1234  a           ",
    ]


def test_no_rows_is_the_header_alone():
    assert format_table([], ("source", "n")) == "source  n"
