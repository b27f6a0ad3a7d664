"""Object storage behind one small interface (put, open, delete, exists), with
optional capabilities (Object Lock, presigned URLs) a store offers or not."""
from shared.storage.base import (
    BlobReader,
    BlobStore,
    LockState,
    ObjectLock,
    Presigner,
    StoredObject,
    validate_key,
)

__all__ = ["BlobReader", "BlobStore", "LockState", "ObjectLock", "Presigner", "StoredObject",
           "validate_key"]
