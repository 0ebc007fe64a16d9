"""Table definitions: names and columns from CREATE TABLE (sqlparse's lexer) and INSERT headers."""

from __future__ import annotations

import re

from pipeline.extract.sql.literals import IDENT, QNAME

BINARY_TYPES = {"bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary"}
_CREATE = re.compile(
    rf"CREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({QNAME})",
    re.IGNORECASE,
)


def norm_name(qname: str) -> str:
    """`"public"."Conv"` / `` `conv` `` / `[conv]` -> `conv` (last part, unquoted, lower case)."""
    parts = re.findall(IDENT, qname)
    last = parts[-1] if parts else qname
    if last[:1] in '"`[':
        last = last[1:-1]
    return last.lower()


def _columns(col_list: str) -> list[str]:
    return [norm_col(c) for c in col_list.split(",") if c.strip()]


def norm_col(name: str) -> str:
    name = name.strip()
    return name[1:-1] if name[:1] in '"`[' and len(name) > 1 else name


def parse_create_table(text: str) -> tuple[str, list[str], set[str]] | None:
    """(table, column names, binary columns) from a CREATE TABLE statement, via sqlparse's lexer.

    Flat lexer tokens only (no grouping), split at top-level commas of the column list; table
    constraints (PRIMARY KEY, UNIQUE, CONSTRAINT, KEY, INDEX, FOREIGN, CHECK, ...) are skipped."""
    from sqlparse import lexer
    from sqlparse import tokens as T

    m = _CREATE.match(text)
    if m is None:
        return None
    depth, defs, current = 0, [], []
    for ttype, value in lexer.tokenize(text[m.end() :]):
        if ttype in T.Punctuation and value == "(":
            depth += 1
            if depth == 1:
                continue
        elif ttype in T.Punctuation and value == ")":
            depth -= 1
            if depth == 0:
                defs.append(current)
                break
        if depth == 1 and ttype in T.Punctuation and value == ",":
            defs.append(current)
            current = []
        elif depth >= 1 and ttype not in T.Whitespace and ttype not in T.Comment:
            current.append((ttype, value))
    constraint = {"PRIMARY", "UNIQUE", "CONSTRAINT", "KEY", "INDEX", "FOREIGN", "CHECK",
                  "FULLTEXT", "SPATIAL", "EXCLUDE", "LIKE", "PERIOD", "UNIQUE KEY"}  # fmt: skip
    cols, binary = [], set()
    for d in defs:
        if not d or d[0][1].upper() in constraint or d[0][1].upper().startswith("PRIMARY"):
            continue
        name = norm_col(d[0][1])
        cols.append(name)
        if len(d) > 1 and d[1][1].lower() in BINARY_TYPES:
            binary.add(name)
    return norm_name(m.group(1)), cols, binary
