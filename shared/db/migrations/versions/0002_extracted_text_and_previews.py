"""extracted text and previews

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'version', 'page')
    )
    with op.batch_alter_table('page_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_texts_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extraction_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('preview_key', sa.String(length=512), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_column('preview_key')
        batch_op.drop_column('extraction_error')

    with op.batch_alter_table('page_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_texts_document_id'))

    op.drop_table('page_texts')
