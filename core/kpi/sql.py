"""Small portable SQL pieces the KPI queries share (SQLite and PostgreSQL).

Everything here is window-free so the same statement runs on both databases. Day arithmetic is
the only dialect-specific part: SQLite stores UTC timestamps as text and has ``julianday``,
PostgreSQL has real intervals (``date_part('epoch', ...)``). Percentiles are computed from a grouped histogram
(``GROUP BY`` whole days), which is small whatever the number of cases, instead of
``percentile_cont`` that SQLite lacks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, inspect, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from core.db import UTCDateTime


class days_between(FunctionElement[int]):
    """Whole days from the first timestamp to the second (rounded down; both UTC)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # floor() is not built into every SQLite; truncate and step down for negative fractions
    diff = f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    return f"(CAST({diff} AS INTEGER) - ({diff} < CAST({diff} AS INTEGER)))"


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # date_part gives a double (EXTRACT gives numeric since PostgreSQL 14, whose division costs
    # about 40 % of a day-grouping scan); microsecond epochs of a few years are exact in a
    # double, so whole-day boundaries floor the same way
    return (
        f"CAST(floor(date_part('epoch', {compiler.process(end, **kw)} - {compiler.process(start, **kw)})"
        " / 86400.0) AS INTEGER)"
    )


def moment(value: dt.datetime) -> ColumnElement[dt.datetime]:
    """A UTC timestamp as a typed SQL literal (so SQLite compares it in its stored text form)."""
    return literal(value, UTCDateTime())


def has_table(session: Session, name: str) -> bool:
    """Whether another domain's table exists yet (its migration may not have been applied)."""
    return bool(inspect(session.connection()).has_table(name))


def percentile(histogram: Iterable[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (0..1) of values given as (value, count) pairs, interpolated linearly.

    Same definition as PostgreSQL's ``percentile_cont``: position ``q * (n - 1)`` in the sorted
    values, interpolating between its two neighbours.
    """
    pairs: Sequence[tuple[int, int]] = sorted((int(v), int(c)) for v, c in histogram if c)
    total = sum(c for _, c in pairs)
    if total == 0:
        return None
    pos = q * (total - 1)
    lo_rank, hi_rank = math.floor(pos), math.ceil(pos)

    def value_at(rank: int) -> int:
        seen = 0
        for value, count in pairs:
            seen += count
            if rank < seen:
                return value
        return pairs[-1][0]

    lo, hi = value_at(lo_rank), value_at(hi_rank)
    return lo + (hi - lo) * (pos - lo_rank)
