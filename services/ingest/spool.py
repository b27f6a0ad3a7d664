"""Bytes on their way in: hashed while they stream to a spool file, with the
size limit enforced as they arrive, so memory never grows with file size."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from shared.domain.errors import InvalidInput, TooLarge

CHUNK = 1024 * 1024


@dataclass
class Upload:
    """A file ready to be checked and archived."""

    path: Path
    filename: str
    sha256: str
    size: int
    spooled: bool = False  # True when ``path`` is ours to remove

    def discard(self) -> None:
        if self.spooled:
            self.path.unlink(missing_ok=True)


class Spool:
    """Incremental writer: feed() chunks, finish() -> Upload. abort() cleans up."""

    def __init__(self, folder: Path, *, filename: str, limit: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self.path = Path(name)
        self.filename = clean_filename(filename)
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(
                f"{self.filename} is over the size limit of {self.limit} bytes",
                detail={"limit": self.limit},
            )
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> Upload:
        self._file.close()
        return Upload(self.path, self.filename, self._hash.hexdigest(), self.size, spooled=True)

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def hash_file(path: Path, *, limit: int) -> Upload:
    """An Upload for a file already on disk (bulk ingest): hashed in place, not copied."""
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(f"{path.name} is over the size limit of {limit} bytes", detail={"limit": limit})
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return Upload(path, path.name, digest.hexdigest(), size)


def clean_filename(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable())
    if len(name) > 255:
        raise InvalidInput("the file name is over 255 characters", code="invalid_filename")
    return name or "unnamed"
