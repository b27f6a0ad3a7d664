"""documents: the years added by approved extensions (延长保管), part of the
document's rule so that every recomputation of retain_until counts them

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# the extensions approved so far: items appraised 'extend' on a list that was approved
APPROVED_EXTENSIONS = """
    FROM destruction_items
    JOIN destruction_lists ON destruction_lists.id = destruction_items.list_id
    WHERE destruction_items.document_id = documents.id
      AND destruction_items.decision = 'extend'
      AND destruction_items.years IS NOT NULL
      AND destruction_lists.status IN ('approved', 'executing', 'executed')
"""


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_extension_years', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(f"UPDATE documents SET retention_extension_years = "
               f"(SELECT SUM(destruction_items.years) {APPROVED_EXTENSIONS}) "
               f"WHERE EXISTS (SELECT 1 {APPROVED_EXTENSIONS})")


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('retention_extension_years')
