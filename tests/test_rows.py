"""`arrow_table`: the numpy-built Arrow table equals pyarrow's own from_pylist on every row shape."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.rows import IGNORE, arrow_table, shard_row_schema, token_row_schema

ids = st.lists(st.integers(-(2**31), 2**31 - 1), max_size=20)
token_rows = st.lists(
    st.fixed_dictionaries(
        {"input_ids": ids},
        optional={
            "id": st.text(max_size=5),
            "source": st.none() | st.text(max_size=5),
            "labels": st.none() | ids,
            "n_tokens": st.none() | st.integers(0, 2**31 - 1),
        },
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(token_rows)
def test_token_rows_equal_from_pylist(rows: list[dict]) -> None:
    schema = token_row_schema()
    assert arrow_table(rows, schema).equals(pa.Table.from_pylist(rows, schema=schema))


def test_shard_rows_equal_from_pylist() -> None:
    rows = [
        {
            "input_ids": [5, 6, 7],
            "labels": [IGNORE, 6, 7],
            "position_ids": [0, 0, 1],
            "seq_lengths": [1, 2],
            "ids": ["a", "b"],
        },
        {"input_ids": [], "labels": [], "position_ids": [], "seq_lengths": [], "ids": []},
    ]
    schema = shard_row_schema()
    table = arrow_table(rows, schema)
    assert table.equals(pa.Table.from_pylist(rows, schema=schema))
    assert table.to_pylist() == rows


def test_out_of_range_id_is_an_error_not_a_wrapped_value() -> None:
    with pytest.raises(OverflowError):
        arrow_table([{"id": "a", "input_ids": [2**31]}], token_row_schema())
