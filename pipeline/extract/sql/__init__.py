"""SQL dumps (sqlite3 .dump, pg_dump COPY/--inserts, mysqldump) -> rows -> records, as a stream.

Why a hand-written scanner: sqlparse reads a real 12 MB dump at about 1.6 MB/s and its grouping
raises past 10,000 tokens (one mysqldump extended INSERT holds far more), while the sqlite3 CLI
loads dumps at ~40 MB/s. The bulk of a dump is INSERT/COPY data, so that part is scanned here with
compiled regular expressions over a sliding 1 MB text buffer: a statement's first row is matched
whole and split into values by a second regex; after it, one regex per row returns every value as
a group (`Dialect.row_pattern`), and a run of one-row statements with the same header, as
sqlite3 .dump and pg_dump --inserts write them, is matched a whole statement per regex
(`run_pattern`). Python only touches each value. sqlparse's lexer does what it is good at, the
column definitions of CREATE TABLE. Rows that these regexes do not recognise (functions
other than sqlite's newline `replace(...,char(10))` form, such as `unistr()` or `char()`; casts;
`E''` strings) go through a small recursive value parser. The dump is parsed, never executed,
and never read whole: memory is the buffer plus the largest single row.

Literal rules per dialect: standard strings double quotes (`'it''s'`); MySQL strings also take
backslash escapes (`\\n`, `\\'`, `\\\\`, so `'ends in \\\\'` closes after the escaped backslash);
PostgreSQL `E'...'` strings take C escapes, and `SET standard_conforming_strings = off` turns
backslash escapes on for plain strings; COPY data uses `\\t \\n \\\\` escapes and `\\N` for NULL.
NULL becomes None; numbers and booleans keep their literal text; binary values (X'..', 0x..,
_binary '..', and any value of a bytea/blob column) are skipped (None) and counted in the notes.

Units: each row of the chosen table, each malformed statement that could hold its rows (a Reject
with the statement number and a snippet; the scan resyncs at the next statement), and the file
itself when the table is not in it. Provenance: `dump.sql:stmt 42 row 7`.
"""

from pipeline.extract.sql.dump import GLOB, dump_file, extract_sql_dump

__all__ = ["GLOB", "dump_file", "extract_sql_dump"]
