"""Objects as files in a local directory (the embedded default)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from shared.domain.errors import AlreadyExists, NotFound, StorageUnavailable
from shared.storage.base import CHUNK, BlobReader, BlobStore, StoredObject, validate_key


class LocalDirectoryStore(BlobStore):
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put(self, key: str, source: BinaryIO, *, content_type: str) -> StoredObject:
        path = self._path(key)
        if path.exists():
            raise AlreadyExists(f"object {key} already exists")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            size = self._write_atomically(path, source)
        except OSError as exc:
            raise StorageUnavailable(f"cannot write object {key}: {exc.strerror or exc}") from exc
        return StoredObject(key=key, version_id=None, size=size)

    @staticmethod
    def _write_atomically(path: Path, source: BinaryIO) -> int:
        # write beside the target, fsync, then link: a crash never leaves a
        # half-written object under its real name
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".incoming-{path.name}-")
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)  # fails if the key appeared meanwhile
        except FileExistsError:
            raise AlreadyExists(f"object {path.name} already exists") from None
        finally:
            os.unlink(tmp)
        return size

    def open(self, key: str, *, version_id: str | None = None) -> BlobReader:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"object {key} not found") from None
        except OSError as exc:
            raise StorageUnavailable(f"cannot read object {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            # the unfinished write of a crashed process, if one was under way
            for partial in path.parent.glob(f".incoming-{path.name}-*") if path.parent.exists() else ():
                partial.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot delete object {key}: {exc}") from exc
        self._prune_empty_parents(path.parent)

    def _prune_empty_parents(self, folder: Path) -> None:
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"object directory {self.root} is not writable")
        if shutil.disk_usage(self.root).free < 64 * 1024 * 1024:
            raise StorageUnavailable(f"object directory {self.root} has less than 64 MiB free")

    def keys(self, prefix: str = "") -> list[str]:
        found = (
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.startswith(".incoming-")
        )
        return sorted(k for k in found if k.startswith(prefix))
