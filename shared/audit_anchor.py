"""Anchors of the audit trail outside the database (SPEC §4, §9).

Whoever holds the database's keys can switch its append-only triggers off,
cut the newest events and reset the head row to match: the chain still
verifies. An anchor — the head's event id and hash at a moment — written where
the database cannot reach lets ``audit.verify`` notice. On S3 each anchor is an
object of its own under ``audit-anchors/`` with Object Lock retention; on the
local object store, one line per anchor appended to a file beside the data."""
from __future__ import annotations

import io
import json
import os
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from shared.audit import Anchor, head
from shared.config import Settings
from shared.domain.errors import Conflict, NotFound
from shared.domain.retention import add_years
from shared.storage import BlobStore

PREFIX = "audit-anchors/"  # never written by anything else, never overwritten
FILE_NAME = "audit-anchors.jsonl"
# an anchor outlives any record it vouches for: the longest retention term's range
RETAIN_YEARS = 50


class AnchorLog(ABC):
    """Where anchors are kept: appended to, read back, never changed."""

    @abstractmethod
    def append(self, anchor: Anchor) -> None: ...

    @abstractmethod
    def read(self) -> list[Anchor]:
        """Every anchor, oldest first."""


class AnchorFile(AnchorLog):
    """One JSON line per anchor in a file opened for appending only and synced
    to disk before the anchor counts as written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, anchor: Anchor) -> None:
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (_encode(anchor) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:  # the new file's name must survive a crash too
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def read(self) -> list[Anchor]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [_decode(line, f"{self.path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]


class LockedObjectAnchors(AnchorLog):
    """Each anchor an object of its own, kept by the store's Object Lock."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    def append(self, anchor: Anchor) -> None:
        key = f"{PREFIX}{anchor.at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{anchor.event_id}.json"
        stored = self.store.put(key, io.BytesIO(_encode(anchor).encode("utf-8")),
                                content_type="application/json")
        self.store.protect(key, version_id=stored.version_id, legal_hold=False,
                           retain_until=add_years(anchor.at.date(), RETAIN_YEARS))

    def read(self) -> list[Anchor]:
        anchors = []
        for key in self.store.keys(PREFIX):  # keys that still hold a version
            try:
                reader = self.store.open(key)
            except NotFound:  # Object Lock keeps the version; a delete marker only hides it
                raise Conflict(f"the audit anchor {key} was hidden by a delete marker; its locked "
                               "version is still in the bucket: someone tried to remove it",
                               code="anchor_hidden") from None
            try:
                anchors.append(_decode(reader.read().decode("utf-8"), key))
            finally:
                reader.close()
        return sorted(anchors, key=lambda a: a.at)


def anchor_log(settings: Settings, store: BlobStore) -> AnchorLog:
    """A store that locks objects itself keeps the anchors; otherwise the file
    beside the data (DANGAN_HOME)."""
    if store.object_lock() is not None:
        return LockedObjectAnchors(store)
    return AnchorFile(settings.home / FILE_NAME)


def anchor(session: Session, log: AnchorLog, *, now: datetime | None = None,
           unless_at: Anchor | None = None) -> Anchor | None:
    """Write the chain's head to ``log`` and return it; None while the trail is
    empty, or while its head is still the one ``unless_at`` anchored."""
    found = head(session, at=now or datetime.now(UTC))
    if found is None or (unless_at is not None and (unless_at.event_id, unless_at.hash)
                         == (found.event_id, found.hash)):
        return None
    log.append(found)
    return found


def _encode(anchor: Anchor) -> str:
    return json.dumps({"at": anchor.at.astimezone(UTC).isoformat(), "event": anchor.event_id,
                       "hash": anchor.hash}, sort_keys=True)


def _decode(text: str, where: str) -> Anchor:
    try:
        data = json.loads(text)
        found = Anchor(at=datetime.fromisoformat(data["at"]), event_id=int(data["event"]),
                       hash=str(data["hash"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise Conflict(f"the audit anchor {where} is unreadable", code="anchor_unreadable") from exc
    if found.at.tzinfo is None or found.event_id < 1:
        raise Conflict(f"the audit anchor {where} is unreadable", code="anchor_unreadable")
    return found
