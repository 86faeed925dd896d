#!/usr/bin/env python3
"""Read a Parquet file synack wrote back with DuckDB and compare it, cell by cell, with the
same output as text (tests/columnar.rs).

    parquet_check.py fields PARQUET TSV     -T parquet against -T fields (same -e, -E occurrence=f)
    parquet_check.py conv PARQUET CSV       conv -T parquet against conv -T csv
    parquet_check.py union WHOLE SHARD...   the shards' files together hold the whole file's rows

Prints the number of rows compared, or the first difference (exit status 1).
"""
import csv
import datetime
import sys

import duckdb


def ns_of(text):
    """Epoch nanoseconds of tshark's `1700000000.123456789`."""
    whole, _, frac = text.partition(".")
    return int(whole) * 1_000_000_000 + int((frac + "000000000")[:9])


def same(kind, got, want):
    """Whether a DuckDB value and a text cell say the same."""
    if got is None:
        return want in ("", "-")
    if kind == "BOOLEAN":
        return want == ("1" if got else "0")
    if kind == "BIGINT":
        return want == str(got)
    if kind == "DOUBLE":
        try:
            return abs(float(want) - got) <= 1e-9 * max(1.0, abs(got))
        except ValueError:
            return False
    if kind.startswith("TIMESTAMP"):
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        delta = got - epoch
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        # DuckDB hands Python microseconds: compare at that precision.
        return ns_of(want) // 1000 == micros
    return want == got


def union(whole, shards):
    """Whether the shards' rows, together, are the whole file's (as a multiset)."""
    con = duckdb.connect()
    files = "[" + ", ".join(f"'{s}'" for s in shards) + "]"
    a = f"SELECT * FROM read_parquet('{whole}')"
    b = f"SELECT * FROM read_parquet({files})"
    n_whole = con.execute(f"SELECT count(*) FROM ({a})").fetchone()[0]
    n_shards = con.execute(f"SELECT count(*) FROM ({b})").fetchone()[0]
    if n_whole != n_shards:
        sys.exit(f"{n_whole} rows in the whole file, {n_shards} in the shards")
    for x, y, what in ((a, b, "whole file"), (b, a, "shards")):
        extra = con.execute(f"SELECT * FROM ({x} EXCEPT ALL {y}) LIMIT 1").fetchall()
        if extra:
            sys.exit(f"a row only in the {what}: {extra[0]!r}")
    print(f"{n_whole} rows equal")


def main():
    if sys.argv[1] == "union":
        return union(sys.argv[2], sys.argv[3:])
    mode, parquet, text = sys.argv[1:4]
    con = duckdb.connect()
    kinds = [r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()]
    rows = con.execute(f"SELECT * FROM read_parquet('{parquet}')").fetchall()
    with open(text, newline="") as f:
        if mode == "fields":
            want = [line.rstrip("\n").split("\t") for line in f]
        else:
            want = list(csv.reader(f))[1:]
            kinds = kinds[: len(want[0])] if want else kinds
    if len(rows) != len(want):
        sys.exit(f"{len(rows)} rows in the Parquet file, {len(want)} in the text")
    for i, (got, exp) in enumerate(zip(rows, want)):
        for j, kind in enumerate(kinds[: len(exp)]):
            if not same(kind, got[j], exp[j]):
                sys.exit(f"row {i + 1}, column {j + 1} ({kind}): Parquet {got[j]!r}, text {exp[j]!r}")
    if mode == "conv" and any(r[-1] is None for r in rows):
        sys.exit("a connection without its start_time")
    print(f"{len(rows)} rows, {len(kinds)} columns equal")


if __name__ == "__main__":
    main()
