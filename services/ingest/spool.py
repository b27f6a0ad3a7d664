"""Bytes on their way in: hashed while they stream to a spool file, with the
size limit enforced as they arrive, so memory never grows with file size."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
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
        self.filename = clean_filename(filename)  # before any file exists: a refusal leaves none
        self.limit = limit
        work = work_dir(folder)
        fd, name = tempfile.mkstemp(dir=work, prefix="upload-")
        self._file: BinaryIO = os.fdopen(fd, "wb")
        self.path = Path(name)
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


def process_name() -> str:
    """``<host>-<pid>``: who owns a spool folder or a pending object."""
    return f"{socket.gethostname()}-{os.getpid()}"


def work_dir(root: Path) -> Path:
    """This process's own folder under the spool root, ``<host>-<pid>``: what a
    crashed process left there is found and removed by the next start."""
    folder = root / process_name()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def leftovers(root: Path) -> list[Path]:
    """Spool folders of processes of this host that no longer run (uploads cut
    off, extraction copies of a killed server or worker) and loose files."""
    if not root.exists():
        return []
    found = []
    for entry in root.iterdir():
        owner, _, pid = entry.name.rpartition("-")
        if entry.is_dir() and pid.isdigit() and not owner_gone(entry.name):
            continue  # ours, a live neighbour's, or another machine's on a shared disk
        found.append(entry)
    return found


def remove_leftovers(root: Path) -> list[Path]:
    """Remove ``leftovers(root)``; the paths that could not be removed."""
    stuck: list[Path] = []
    for entry in leftovers(root):
        try:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:
            stuck.append(entry)
    return stuck


def owner_gone(owner: str) -> bool:
    """True when ``owner`` (a process_name) was a process of this host that no longer runs."""
    host, _, pid = owner.rpartition("-")
    return host == socket.gethostname() and pid.isdigit() and not _running(int(pid))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process whose parent has not reaped it yet (in a container, init
    may never): it answers signals but will run no more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux), or it has just gone
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def clean_filename(filename: str) -> str:
    name = os.path.basename(filename.replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable())
    if len(name) > 255:
        raise InvalidInput("the file name is over 255 characters", code="invalid_filename")
    return name or "unnamed"
