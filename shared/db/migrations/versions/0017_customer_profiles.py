"""customer profiles (动态管理): identifiers, industry, address, contacts, credit
limit, classification, department, free fields, and their append-only history

Every customer already there gets its first history entry: the profile as it
stood when its history began.

Revision ID: 0017
Revises: 0016
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION dangan_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql
"""
FIRST_REASON = "the profile as it stood when its history began"
EMPTY_PROFILE: dict[str, object] = {"classification": "ordinary", "credit_code": None, "id_number": None,
                 "industry": None, "address": None, "department": None, "credit_limit": None,
                 "credit_valid_from": None, "credit_valid_until": None, "contacts": [],
                 "custom_fields": {}}


def append_only(table: str) -> None:
    """UPDATE and DELETE refused by the database itself (also used by later revisions)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION dangan_append_only()")
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_code', sa.String(18), nullable=True))
        batch_op.add_column(sa.Column('id_number', sa.String(18), nullable=True))
        batch_op.add_column(sa.Column('industry', sa.String(255), nullable=True))
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('classification', sa.String(16), nullable=False,
                                      server_default='ordinary'))
        batch_op.add_column(sa.Column('department', sa.String(255), nullable=True))
        batch_op.add_column(sa.Column('credit_limit', sa.String(32), nullable=True))
        batch_op.add_column(sa.Column('credit_valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('credit_valid_until', sa.Date(), nullable=True))
        # no server default: PostgreSQL cannot compare json values; the rows already
        # there are filled below, new ones by the application. Nullable, since SQLite
        # would have to rebuild the table (which other tables refer to) to forbid NULL.
        batch_op.add_column(sa.Column('contacts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('custom_fields', sa.JSON(), nullable=True))
        batch_op.create_index('ix_customers_credit_code', ['credit_code'])
        batch_op.create_index('ix_customers_id_number', ['id_number'])
        batch_op.create_index('ix_customers_department', ['department'])
    revisions = op.create_table(
        "customer_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.UniqueConstraint("customer_id", "number", name="uq_customer_revisions_number"),
    )
    op.execute("UPDATE customers SET contacts = '[]', custom_fields = '{}'")
    _first_entries(revisions)
    append_only("customer_revisions")


def _first_entries(revisions: sa.Table) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, kind, grade, status, closed_at FROM customers")
                        ).all()
    now = datetime.now(UTC)
    entries = [{"customer_id": row.id, "number": 1, "changed_at": now, "changed_by": "system",
                "reason": FIRST_REASON, "changes": {},
                "profile": {**EMPTY_PROFILE, "name": row.name, "kind": row.kind, "grade": row.grade,
                            "status": row.status, "closed_at": _iso(row.closed_at)}}
               for row in rows]
    if entries:
        op.bulk_insert(revisions, entries)


def _iso(value: object) -> str | None:
    return None if value is None else str(value)[:10]


def downgrade() -> None:
    drop_append_only("customer_revisions")
    op.drop_table("customer_revisions")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_department')
        batch_op.drop_index('ix_customers_id_number')
        batch_op.drop_index('ix_customers_credit_code')
        for column in ('custom_fields', 'contacts', 'credit_valid_until', 'credit_valid_from',
                       'credit_limit', 'department', 'classification', 'address', 'industry',
                       'id_number', 'credit_code'):
            batch_op.drop_column(column)
