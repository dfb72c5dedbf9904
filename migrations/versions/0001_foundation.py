"""foundation: users, audit log, creditors, agreements, debtors, contracts, cases, timeline, flags, job leases.

On PostgreSQL also: pg_trgm for partial name search, and a trigger that makes the audit log
append-only (UPDATE and DELETE are rejected).

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:39:42.871009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "creditors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("short_name", sa.String(length=120), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("ogrn", sa.String(length=15), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("bank_details", sa.Text(), nullable=True),
        sa.Column("is_own", sa.Boolean(), nullable=False),
        sa.Column("allocation_order", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creditors")),
        sa.UniqueConstraint("name", name=op.f("uq_creditors_name")),
    )
    op.create_table(
        "debtors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_name", sa.String(length=100), nullable=True),
        sa.Column("full_name", sa.String(length=310), nullable=False),
        sa.Column("name_search", sa.String(length=310), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_place", sa.String(length=300), nullable=True),
        sa.Column("passport", sa.String(length=20), nullable=True),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("snils", sa.String(length=14), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.Column("time_zone", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtors")),
    )
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debtors_birth_date"), ["birth_date"], unique=False)
        batch_op.create_index("ix_debtors_name_search", ["name_search"], unique=False)
        batch_op.create_index("ix_debtors_region_id", ["region", "id"], unique=False)

    op.create_table(
        "job_states",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("lease_owner", sa.String(length=120), nullable=True),
        sa.Column("lease_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=True),
        sa.Column("next_run_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_states")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("mfa_enrolled", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "assignment_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("cedent_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["creditors.id"], name=op.f("fk_assignment_agreements_assignee_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["cedent_id"], ["creditors.id"], name=op.f("fk_assignment_agreements_cedent_id_creditors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_agreements")),
    )
    with op.batch_alter_table("assignment_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_agreements_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_agreements_cedent_id"), ["cedent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_agreements_number"), ["number"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("original_creditor_id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("principal", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("interest_rate_daily", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("penalty_rate_annual", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("term_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("is_microloan", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"], name=op.f("fk_contracts_debtor_id_debtors")),
        sa.ForeignKeyConstraint(
            ["original_creditor_id"],
            ["creditors.id"],
            name=op.f("fk_contracts_original_creditor_id_creditors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_original_creditor_id"), ["original_creditor_id"], unique=False)

    op.create_table(
        "assigned_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("register_line", sa.Integer(), nullable=False),
        sa.Column("principal", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("interest", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("penalty", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("fees", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("total", core.db.Money(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["assignment_agreements.id"],
            name=op.f("fk_assigned_claims_agreement_id_assignment_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_assigned_claims_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assigned_claims")),
    )
    with op.batch_alter_table("assigned_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assigned_claims_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assigned_claims_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("debtor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("creditor_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("entered_stage_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("court_name", sa.String(length=300), nullable=True),
        sa.Column("court_address", sa.String(length=500), nullable=True),
        sa.Column("court_case_number", sa.String(length=60), nullable=True),
        sa.Column("court_act_number", sa.String(length=60), nullable=True),
        sa.Column("court_act_date", sa.Date(), nullable=True),
        sa.Column("awarded_amount", core.db.Money(precision=14, scale=2), nullable=True),
        sa.Column("tracking_number", sa.String(length=20), nullable=True),
        sa.Column("claim_amount", core.db.Money(precision=14, scale=2), nullable=False),
        sa.Column("opened_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_breached_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["assignment_agreements.id"],
            name=op.f("fk_cases_agreement_id_assignment_agreements"),
        ),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], name=op.f("fk_cases_contract_id_contracts")),
        sa.ForeignKeyConstraint(["creditor_id"], ["creditors.id"], name=op.f("fk_cases_creditor_id_creditors")),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"], name=op.f("fk_cases_debtor_id_debtors")),
        sa.ForeignKeyConstraint(["responsible_id"], ["users.id"], name=op.f("fk_cases_responsible_id_users")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_cases_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index("ix_cases_claim_amount_id", ["claim_amount", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_court_case_number"), ["court_case_number"], unique=False)
        batch_op.create_index("ix_cases_creditor_debtor", ["creditor_id", "debtor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index("ix_cases_opened_id", ["opened_at", "id"], unique=False)
        batch_op.create_index("ix_cases_entered_stage_at", ["entered_stage_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_cases_responsible_entered", ["responsible_id", "entered_stage_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_responsible_id"), ["responsible_id"], unique=False)
        batch_op.create_index("ix_cases_stage_entered", ["stage", "entered_stage_at", "id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("from_stage", sa.String(length=32), nullable=True),
        sa.Column("to_stage", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_case_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case_at", ["case_id", "at"], unique=False)
        batch_op.create_index("ix_case_events_kind_at", ["kind", "at"], unique=False)

    op.create_table(
        "case_flags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_flags_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"], name=op.f("fk_case_flags_resolved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_flags")),
    )
    with op.batch_alter_table("case_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_flags_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_flags_kind_open", ["kind", "resolved_at"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_debtors_name_trgm ON debtors USING gin (name_search gin_trgm_ops)")
        op.execute("CREATE INDEX ix_cases_court_case_trgm ON cases USING gin (court_case_number gin_trgm_ops)")
        op.execute("CREATE INDEX ix_contracts_number_trgm ON contracts USING gin (number gin_trgm_ops)")
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table("case_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_case_flags_kind_open")
        batch_op.drop_index(batch_op.f("ix_case_flags_case_id"))

    op.drop_table("case_flags")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_kind_at")
        batch_op.drop_index("ix_case_events_case_at")

    op.drop_table("case_events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_stage_entered")
        batch_op.drop_index(batch_op.f("ix_cases_responsible_id"))
        batch_op.drop_index("ix_cases_opened_id")
        batch_op.drop_index("ix_cases_entered_stage_at")
        batch_op.drop_index(batch_op.f("ix_cases_closed_at"))
        batch_op.drop_index("ix_cases_responsible_entered")
        batch_op.drop_index(batch_op.f("ix_cases_debtor_id"))
        batch_op.drop_index("ix_cases_creditor_debtor")
        batch_op.drop_index(batch_op.f("ix_cases_court_case_number"))
        batch_op.drop_index(batch_op.f("ix_cases_contract_id"))
        batch_op.drop_index("ix_cases_claim_amount_id")
        batch_op.drop_index(batch_op.f("ix_cases_agreement_id"))

    op.drop_table("cases")
    with op.batch_alter_table("assigned_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assigned_claims_contract_id"))
        batch_op.drop_index(batch_op.f("ix_assigned_claims_agreement_id"))

    op.drop_table("assigned_claims")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_original_creditor_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_number"))
        batch_op.drop_index(batch_op.f("ix_contracts_debtor_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    with op.batch_alter_table("assignment_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_agreements_number"))
        batch_op.drop_index(batch_op.f("ix_assignment_agreements_cedent_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_agreements_assignee_id"))

    op.drop_table("assignment_agreements")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))

    op.drop_table("users")
    op.drop_table("job_states")
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.drop_index("ix_debtors_region_id")
        batch_op.drop_index("ix_debtors_name_search")
        batch_op.drop_index(batch_op.f("ix_debtors_birth_date"))

    op.drop_table("debtors")
    op.drop_table("creditors")
