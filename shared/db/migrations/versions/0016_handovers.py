"""handovers (移交): batches handed over to the archive room and their lists

Revision ID: 0016
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(32), unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("department", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("handed_by", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("received_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("return_reason", sa.Text),
    )
    op.create_table(
        "handover_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handover_id", sa.Integer, sa.ForeignKey("handovers.id"), nullable=False,
                  index=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), index=True),
        sa.Column("archive_number", sa.String(128)),
        sa.Column("title", sa.String(500)),
        sa.Column("pages", sa.Integer),
        sa.Column("sha256", sa.String(64)),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("secrecy", sa.Integer),
        sa.Column("refusal_code", sa.String(64)),
        sa.Column("refusal_message", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("handover_items")
    op.drop_table("handovers")
