"""cases: two search indexes found missing by the 1,000,000-case benchmark.

Revision ID: 0011_search_indexes
Revises: 0001
Create Date: 2026-11-28 21:40:00

**Stage, newest first** (``ix_cases_stage_opened``). The stage board opens a stage's cases newest
first. Without this index PostgreSQL walked all cases by opening date and skipped the ones at
other stages; the newest cases are all at the first stages, so a later stage skipped 140,000 rows
before its first match (370 ms). With it, a page is read straight from the stage's range.

**Part of a debtor's name** (``ix_debtors_name_fragments``, PostgreSQL only). The search for a
part of a debtor's name (``иванов`` among a million debtors) used a pg_trgm index. Trigrams of a Russian name are few and common (``ван``, ``нов``, ``ова``), so the index
intersected posting lists of a hundred thousand rows each and the database re-read every
proposed row to check it: 110-400 ms for the count on 1,000,000 cases.

This migration indexes what a partial name search really asks for: every word of the name and
every tail of it (``иванов``, ``ванов``, ``анов`` ...) as the lexemes of a ``tsvector``. A
query word is a part of a name word exactly when it is the beginning of one of those tails, which
a GIN index answers with a prefix match (``'ванов':*``) over a few posting lists. The search
still checks ``name_search LIKE '%…%'`` on the rows found, so the meaning of a search is
unchanged; the index only finds the candidates.

``cessio_name_fragments`` is IMMUTABLE (it depends on its argument alone) so that it can be
indexed; its high COST tells the planner to reach it through the index, not row by row.
"""

from __future__ import annotations

from alembic import op

revision = "0011_search_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME_FRAGMENTS_FUNCTION = """
CREATE OR REPLACE FUNCTION cessio_name_fragments(name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
SET search_path = pg_catalog
AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(word, start))), ''::tsvector)
    FROM regexp_split_to_table(name, '[ -]+') AS word,
         generate_series(1, length(word)) AS start
    WHERE word <> ''
$$
"""


def upgrade() -> None:
    op.create_index("ix_cases_stage_opened", "cases", ["stage", "opened_at", "id"], if_not_exists=True)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(NAME_FRAGMENTS_FUNCTION)
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_debtors_name_fragments ON debtors USING gin (cessio_name_fragments(name_search))"
    )
    op.execute("DROP INDEX IF EXISTS ix_debtors_name_trgm")
    op.execute("ANALYZE debtors")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_debtors_name_trgm ON debtors USING gin (name_search gin_trgm_ops)")
        op.execute("DROP INDEX IF EXISTS ix_debtors_name_fragments")
        op.execute("DROP FUNCTION IF EXISTS cessio_name_fragments(text)")
    op.drop_index("ix_cases_stage_opened", table_name="cases", if_exists=True)
