"""access requests: an approved request for a customer's whole file reaches the
documents of that file at its approval, not those archived since — resolve
the requests approved so far into their documents

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        INSERT INTO access_request_documents (request_id, document_id)
        SELECT access_requests.id, documents.id
        FROM access_requests
        JOIN documents ON documents.customer_id = access_requests.customer_id
        WHERE access_requests.customer_id IS NOT NULL
          AND access_requests.status = 'approved'
          AND access_requests.decided_at IS NOT NULL
          AND documents.created_at <= access_requests.decided_at
          AND documents.status != 'destroyed'
          AND NOT EXISTS (SELECT 1 FROM access_request_documents AS known
                          WHERE known.request_id = access_requests.id
                            AND known.document_id = documents.id)
    """)


def downgrade() -> None:
    op.execute("""
        DELETE FROM access_request_documents
        WHERE request_id IN (SELECT id FROM access_requests WHERE customer_id IS NOT NULL)
    """)
