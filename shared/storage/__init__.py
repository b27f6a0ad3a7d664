"""Object storage behind one small interface (put, open, delete, exists)."""
from shared.storage.base import BlobReader, BlobStore, Presigner, StoredObject, validate_key

__all__ = ["BlobReader", "BlobStore", "Presigner", "StoredObject", "validate_key"]
