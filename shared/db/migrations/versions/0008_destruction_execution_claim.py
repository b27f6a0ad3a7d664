"""destruction lists: the claim of the execution under way

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('destruction_lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('execution_token', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('execution_heartbeat', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('destruction_lists', schema=None) as batch_op:
        batch_op.drop_column('execution_heartbeat')
        batch_op.drop_column('execution_token')
