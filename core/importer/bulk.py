"""Set-based inserts with ids allocated up front.

An INSERT ... RETURNING that must keep the order of its rows is executed row by row on SQLite;
allocating the ids first turns 100,000 rows into one executemany per table. The statements go to
the connection directly: they are Core inserts of plain rows, the ORM has nothing to add.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.orm import Session

from core.db import is_postgres


def allocate_ids(session: Session, table: Any, count: int) -> list[int]:
    """Ids for ``count`` new rows, taken before the INSERT so it needs no RETURNING (which
    SQLite executes row by row when the order must be kept).

    PostgreSQL hands out sequence values (safe next to any concurrent writer); on SQLite the
    import's transaction already holds the database's write lock, so max(id) cannot move.
    """
    if count <= 0:
        return []
    if is_postgres(session):
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count},
        )
        return sorted(int(r[0]) for r in rows)
    top = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(top + 1, top + 1 + count))


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (all with the same keys): ``COPY ... FROM STDIN`` on PostgreSQL (one
    stream instead of a statement per row), one executemany on SQLite.

    COPY bypasses SQLAlchemy's column types, so the values must already be what the column
    holds: ``Decimal`` for money, aware datetimes, dates; JSON columns are serialised here.
    """
    if not rows:
        return
    if not is_postgres(session):
        session.connection().execute(insert(table), rows)
        return
    from psycopg import sql

    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    for row in rows[:1]:
        for name, value in row.items():
            if isinstance(value, float):
                raise TypeError(f"{table.name}.{name}: a float is not written to the database")
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                raise ValueError(f"{table.name}.{name}: naive datetime")
    raw = session.connection().connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c], ensure_ascii=False) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )


def insert_with_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows with allocated ids; returns the ids in the order of ``rows``."""
    if not rows:
        return []
    ids = allocate_ids(session, table, len(rows))
    bulk_insert(session, table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids
