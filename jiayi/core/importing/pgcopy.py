"""PostgreSQL's bulk path: COPY validated rows into a TEMP staging table, then work set-based.

The staging table lives for the batch's transaction (ON COMMIT DROP); dropping it first as well
keeps a batch inside an outer transaction (tests, a savepoint) from finding the last one's table.
"""

from collections.abc import Iterable

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def stage_rows(cursor, table: str, columns: list[tuple[str, str]], rows: Iterable[tuple]) -> None:
    """Create `table` with (name, SQL type) columns and COPY `rows` into it (psycopg 3)."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cols = ", ".join(f"{name} {sqltype}" for name, sqltype in columns)
    cursor.execute(f"CREATE TEMP TABLE {table} ({cols}) ON COMMIT DROP")
    names = ", ".join(name for name, _type in columns)
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
