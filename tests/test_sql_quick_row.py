"""`Dialect.quick_rows`, the hand-written reader of plain dump rows, against the row regex it stands
in for: wherever it reads a row, the regex reads the same values, separator and end."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.sql.literals import Dialect

# characters that matter to a string literal's end, and some that do not
pieces = st.sampled_from(
    ["'", "''", "\\", "\\'", "\\\\", "\\n", "\n", ",", ")", "(", "a", "中", " "]
)
bodies = st.lists(pieces, max_size=8).map("".join)
values = st.one_of(
    bodies.map(lambda b: f"'{b}'"),
    st.sampled_from(["NULL", "null", "12", "-3.5e2", "0x1F", "TRUE", "'", "NULLX", " 7", "E'x'"]),
)
rows = st.tuples(
    st.sampled_from(["", "", " ", "\n\t", "\u00a0"]),
    st.lists(values, min_size=1, max_size=4),
    st.sampled_from(["),", "),", ");", ") ,", ")", ",", ")\n;", ""]),
    st.sampled_from(["", "(", "'", "x"]),
    st.sampled_from([0, 0, 0, -1, 1]),
).map(lambda t: (t[0] + "(" + ",".join(t[1]) + t[2] + t[3], max(1, len(t[1]) + t[4])))


DIALECTS = [Dialect("mysql", True), Dialect("postgresql", False), Dialect("sqlite", False)]


def quick_row(d: Dialect, buf: str, ncols: int) -> tuple[list, str, int] | None:
    """The one row `quick_rows` reads from `buf` (which holds at most one), its separator and the
    position after it; None if it reads none."""
    out: list[list] = []
    sep, end = d.quick_rows(buf, 0, ncols, out)
    assert len(out) <= 1 and bool(out) == bool(sep)
    return (out[0], sep, end) if out else None


def regex_row(d: Dialect, buf: str, ncols: int) -> tuple[list, str, int] | None:
    m = d.row_pattern(ncols).match(buf, 0)
    if m is None:
        return None
    g = m.groups()
    return d.decode_groups(g[:-1]), g[-1], m.end()


@settings(max_examples=3000, deadline=None)
@given(rows)
def test_quick_row_reads_what_the_regex_reads(row: tuple[str, int]) -> None:
    buf, ncols = row
    for d in DIALECTS:
        quick = quick_row(d, buf, ncols)
        if quick is not None:
            assert quick == regex_row(d, buf, ncols), (d.name, buf)


@pytest.mark.parametrize(
    ("dialect", "row", "values"),
    [
        (DIALECTS[0], r"(1,'it\'s ''x''','a\nb\\',NULL),", ["1", "it's 'x'", "a\nb\\", None]),
        (DIALECTS[0], r"(2,'\\','',-4.5e1);", ["2", "\\", "", "-4.5e1"]),
        (DIALECTS[1], "\n\t(3,'it''s','a\\n',NULL),", ["3", "it's", "a\\n", None]),
    ],
)
def test_dump_rows_take_the_quick_path(dialect: Dialect, row: str, values: list) -> None:
    quick = quick_row(dialect, row, len(values))
    assert quick is not None and quick[0] == values
    assert quick == regex_row(dialect, row, len(values))


@pytest.mark.parametrize(
    "row",
    [
        "(1,'a\\\nb')",  # a backslash before a raw newline: no `\.` for the regex
        "(1,0x1F),",  # hex
        "(1,'a' ),",  # a space after a value
        "(1,'a',2),",  # more values than columns
        "(1,'ab",  # cut by the buffer end
        "(1,'ab'",  # a closing quote at the buffer end could be the first of ''
    ],
)
def test_other_rows_are_left_to_the_regex(row: str) -> None:
    assert quick_row(DIALECTS[0], row, 2) is None


@settings(max_examples=1000, deadline=None)
@given(st.lists(rows, min_size=1, max_size=5))
def test_a_run_of_rows_reads_as_the_regex_reads_each(parts: list[tuple[str, int]]) -> None:
    """Each row of a run read in one call is what the row regex reads there, and the call stops
    after a `;` or at a row it does not read (where another call reads nothing)."""
    ncols = parts[0][1]
    buf = "".join(p for p, _ in parts)
    for d in DIALECTS:
        out: list[list] = []
        sep, end = d.quick_rows(buf, 0, ncols, out)
        pos = 0
        for i, values in enumerate(out):
            m = d.row_pattern(ncols).match(buf, pos)
            assert m is not None, (d.name, buf)
            g = m.groups()
            assert d.decode_groups(g[:-1]) == values, (d.name, buf)
            assert g[-1] == ("," if i < len(out) - 1 else sep), (d.name, buf)
            pos = m.end()
        assert pos == end, (d.name, buf)
        if sep != ";":
            assert d.quick_rows(buf, end, ncols, []) == ("", end), (d.name, buf)
