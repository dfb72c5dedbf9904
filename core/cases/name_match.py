"""The SQL condition "the debtor's name contains this text", fast on a million debtors.

What a search means is the same on every database: the normalised name (``name_search``,
see ``core.text.name_search_key``) contains the normalised query, with ``%`` and ``_`` taken
literally. On PostgreSQL the condition also asks the GIN index of name fragments (migration
``0011_search_indexes``) for the candidates first: each query word must begin a tail of some
word of the name, which is a necessary condition for the LIKE to hold and one the index answers
from a few posting lists. SQLite, the embedded database of small installations, reads the
names directly.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, cast, func, literal
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.text import name_search_key

_WORD_SEPARATORS = re.compile(r"[ -]+")
_LIKE_ESCAPE = "/"
# A one-letter word begins the tails of nearly every name: the index would hand back the whole
# table, so such words are left to the LIKE alone.
_MIN_INDEXED_WORD = 2


def fragments_query(key: str) -> str | None:
    """The tsquery text for a normalised search key: ``'иванов':* & 'ив':*``; None when no word
    is long enough to narrow the search through the index."""
    words = [w for w in _WORD_SEPARATORS.split(key) if len(w) >= _MIN_INDEXED_WORD]
    if not words:
        return None
    return " & ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in dict.fromkeys(words))


def like_contains_pattern(key: str) -> str:
    """``%key%`` with LIKE's own wildcards escaped, so ``50%`` means the text ``50%``."""
    escaped = (
        key.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


class fragments_match(FunctionElement[bool]):
    """``fragments_match(column, tsquery text)``: the index pre-filter on PostgreSQL, always
    true elsewhere. Every value it needs is a bound parameter, so cached statements stay right."""

    type = Boolean()
    inherit_cache = True
    name = "fragments_match"


def debtor_name_contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """The condition for a debtor-name filter typed by a person (any case, ``ё`` as ``е``)."""
    key = name_search_key(text)
    like = column.like(like_contains_pattern(key), escape=_LIKE_ESCAPE)
    query = fragments_query(key)
    if query is None:
        return like
    return and_(fragments_match(column, literal(query)), like)


@compiles(fragments_match)
def _compile_default(element: fragments_match, compiler: SQLCompiler, **kw: Any) -> str:
    return "1 = 1"


@compiles(fragments_match, "postgresql")
def _compile_postgresql(element: fragments_match, compiler: SQLCompiler, **kw: Any) -> str:
    column, query = list(element.clauses)
    indexed = func.cessio_name_fragments(column).op("@@")(cast(query, TSQUERY))
    return compiler.process(indexed, **kw)
