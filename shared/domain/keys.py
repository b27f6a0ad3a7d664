"""Where a document's bytes live in the object store: one naming, used by the
upload that writes them, the extraction that adds a preview and the
destruction that removes everything a document ever had."""
from __future__ import annotations


def version_key(document_id: str, number: int, sha256: str) -> str:
    return f"documents/{document_id}/v{number}-{sha256}"


def preview_key(document_id: str, number: int) -> str:
    """Page 1 as a JPEG; written by extraction, possibly before its row records it."""
    return f"previews/{document_id}/v{number}.jpg"
