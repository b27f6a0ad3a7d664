"""documents: valid_until (有效期), the end of a document's validity; it never touches retention

Revision ID: 0014
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.create_index('ix_documents_valid_until', ['valid_until'])


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_valid_until')
        batch_op.drop_column('valid_until')
