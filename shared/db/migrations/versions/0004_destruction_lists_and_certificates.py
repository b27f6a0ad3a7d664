"""destruction lists and certificates

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('destruction_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appraised_by', sa.String(length=64), nullable=True),
    sa.Column('appraised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('executed_by', sa.String(length=64), nullable=True),
    sa.Column('supervisor', sa.String(length=64), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('destruction_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('archive_number', sa.String(length=128), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['destruction_lists.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('archive_number'),
    sa.UniqueConstraint('document_id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('destruction_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destruction_certificates_list_id'), ['list_id'], unique=False)

    op.create_table('destruction_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('years', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.ForeignKeyConstraint(['list_id'], ['destruction_lists.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list_id', 'document_id')
    )
    with op.batch_alter_table('destruction_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destruction_items_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destruction_items_list_id'), ['list_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('destruction_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destruction_items_list_id'))
        batch_op.drop_index(batch_op.f('ix_destruction_items_document_id'))

    op.drop_table('destruction_items')
    with op.batch_alter_table('destruction_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destruction_certificates_list_id'))

    op.drop_table('destruction_certificates')
    op.drop_table('destruction_lists')
