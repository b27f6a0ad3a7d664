"""The BlobStore interface. Objects are immutable: a key is written once.

Adapters raise only domain errors: ``NotFound``, ``AlreadyExists`` and
``StorageUnavailable`` (shared.domain.errors). What only some stores can do
(their own Object Lock, presigned URLs) is an optional capability: the store
answers with it, or with None where it has none."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from shared.domain.errors import InvalidInput

CHUNK = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")


@dataclass(frozen=True)
class StoredObject:
    key: str
    version_id: str | None
    size: int


class BlobReader(Protocol):
    def read(self, size: int = -1) -> bytes: ...

    def close(self) -> None: ...


class BlobStore(ABC):
    """Where the bytes of every version live."""

    name: str

    @abstractmethod
    def put(self, key: str, source: BinaryIO, *, content_type: str) -> StoredObject:
        """Stream ``source`` to ``key``; ``AlreadyExists`` if the key is taken."""

    def put_file(self, key: str, path: Path, *, content_type: str) -> StoredObject:
        """Store a file from disk. Adapters that can read parts from the file
        themselves (S3 multipart) override this to keep memory flat."""
        with path.open("rb") as source:
            return self.put(key, source, content_type=content_type)

    @abstractmethod
    def open(self, key: str, *, version_id: str | None = None) -> BlobReader:
        """A reader of the stored bytes; ``NotFound`` if there are none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove every version of ``key``. Deleting a missing key is not an error.
        Where the store locks objects, a locked version raises ``Locked``."""

    def protect(  # noqa: B027 - not abstract: a no-op where the store has no lock of its own
            self, key: str, *, version_id: str | None, retain_until: date | None,
            legal_hold: bool) -> None:
        """Mirror the archive's rules into the store's own lock, where it has one.
        A directory has none: there the application is the only guard."""

    def destroy(self, key: str) -> None:
        """Delete every version after an approved destruction: lifts the store's
        legal hold and governance retention first (never compliance retention)."""
        self.delete(key)

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self, prefix: str = "") -> list[str]:
        """Every key under ``prefix`` that still holds any version, sorted."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``StorageUnavailable`` unless the store answers (readiness)."""

    def iter_chunks(self, key: str, *, version_id: str | None = None) -> Iterator[bytes]:
        reader = self.open(key, version_id=version_id)
        try:
            while chunk := reader.read(CHUNK):
                yield chunk
        finally:
            reader.close()

    # -- optional capabilities --------------------------------------------
    def object_lock(self) -> ObjectLock | None:
        """The store's own lock, to read back; None where it has none (a
        directory: there the application is the only guard)."""
        return None

    def presigner(self) -> Presigner | None:
        """Time-limited download URLs; None where clients cannot reach the store."""
        return None


@dataclass(frozen=True)
class LockState:
    """The store's own lock on one stored version: retention and legal hold."""

    mode: str | None  # GOVERNANCE or COMPLIANCE while a retention date is set
    retain_until: datetime | None
    legal_hold: bool

    @property
    def locked(self) -> bool:
        return self.retain_until is not None or self.legal_hold


class ObjectLock(Protocol):
    """Optional capability: the store locks versions itself (S3 Object Lock);
    ``BlobStore.protect`` sets the lock, this reads it back."""

    def lock_state(self, key: str, *, version_id: str | None) -> LockState:
        """``NotFound`` if there is no such version."""
        ...


class Presigner(Protocol):
    """Optional capability: a time-limited URL a client can GET directly."""

    def presign_get(self, key: str, *, version_id: str | None, filename: str, expires: int) -> str: ...


def validate_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise InvalidInput(f"invalid object key {key!r}", code="invalid_object_key")
    return key
