"""document corrections (著录修改): an archivist's confirmation of a description,
the append-only field-level history of corrections, and the archive numbers a
correction superseded (never issued again)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def append_only(table: str) -> None:
    """UPDATE and DELETE refused by the database itself; on PostgreSQL through
    dangan_append_only(), which 0017 created."""
    if op.get_bind().dialect.name == "postgresql":
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
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by', sa.String(64), nullable=True))
    op.create_table(
        "document_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), nullable=False,
                  index=True),
        sa.Column("change_set", sa.Integer, nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.JSON, nullable=True),
        sa.Column("new_value", sa.JSON, nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("document_id", "change_set", "field", name="uq_document_changes_field"),
    )
    append_only("document_changes")
    op.create_table(
        "superseded_archive_numbers",
        sa.Column("archive_number", sa.String(128), primary_key=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), nullable=False,
                  index=True),
        sa.Column("change_set", sa.Integer, nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
    )
    append_only("superseded_archive_numbers")


def downgrade() -> None:
    drop_append_only("superseded_archive_numbers")
    op.drop_table("superseded_archive_numbers")
    drop_append_only("document_changes")
    op.drop_table("document_changes")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('confirmed_at')
