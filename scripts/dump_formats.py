"""How the dump tools write a text value, for building dumps without their servers (the
benchmark, the round-trip tests): mysqldump's string literals and pg_dump's COPY fields.
tests/test_extract_dumps.py checks against the real tools."""

from __future__ import annotations

# mysql_real_escape_string, which mysqldump applies to every string value
_MYSQL = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\x00": "\\0",
          "\x1a": "\\Z"}  # fmt: skip
# COPY ... FROM stdin text format
_COPY = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def mysql_literal(text: str) -> str:
    return "'" + text.translate(str.maketrans(_MYSQL)) + "'"


def copy_field(text: str) -> str:
    return text.translate(str.maketrans(_COPY))
