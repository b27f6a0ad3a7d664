"""After a crash: what a killed server or worker left behind is removed when
the next one starts (SPEC §5: a refused or failed upload leaves nothing).

- spool folders of processes of this host that no longer run (uploads cut off
  mid-body, extraction copies of whole documents);
- objects written by a process that died before their row committed
  (``pending_objects``), with their unfinished partial writes;
- the leases of jobs a dead process of this host held: they are taken again
  at once instead of after the lease (the attempt still counts, so a file
  that kills its worker is parked in the end, not retried forever).
What cannot be removed is returned, and ``dangan check`` reports it."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from shared.bootstrap import Container
from shared.db.models import DocumentVersion, Job, PendingObject
from shared.db.session import rowcount
from shared.jobs.queue import JobState
from services.ingest.spool import owner_gone, remove_leftovers

log = logging.getLogger(__name__)
# a pending object of another machine is abandoned after this long
FOREIGN_GRACE = timedelta(hours=6)


@dataclass
class Recovery:
    removed_objects: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    released_jobs: int = 0


def _expire_dead_leases(ctx: Container, now: datetime) -> int:
    """Worker names are ``<host>:<pid>:<n>``: those of dead processes here lose their lease."""
    with ctx.transaction() as session:
        holders = set(session.scalars(select(Job.locked_by).where(
            Job.state == JobState.RUNNING, Job.locked_by.is_not(None))))
        dead = [h for h in holders if h and owner_gone("-".join(h.split(":")[:2]))]
        if not dead:
            return 0
        result = session.execute(update(Job).where(Job.state == JobState.RUNNING, Job.locked_by.in_(dead))
                                 .values(lease_until=now - timedelta(seconds=1)))
        return rowcount(result) or 0


def abandoned(row: PendingObject, *, now: datetime) -> bool:
    return owner_gone(row.owner) or row.created_at < now - FOREIGN_GRACE


def recover(ctx: Container) -> Recovery:
    found = Recovery()
    found.problems += [f"could not remove spool leftover {path}"
                       for path in remove_leftovers(ctx.settings.spool_dir)]
    now = datetime.now(UTC)
    with ctx.uow() as uow:
        rows = [(r.key, abandoned(r, now=now)) for r in uow.session.scalars(select(PendingObject))]
    for key, gone in rows:
        if gone:
            _remove(ctx, key, found)
    found.released_jobs = _expire_dead_leases(ctx, now)
    if found.removed_objects:
        log.warning("removed %d objects a crashed process wrote without a record: %s",
                    len(found.removed_objects), ", ".join(found.removed_objects))
    return found


def _remove(ctx: Container, key: str, found: Recovery) -> None:
    with ctx.uow() as uow:
        recorded = uow.session.scalar(select(DocumentVersion.id).where(
            DocumentVersion.object_key == key))
    try:
        if recorded is None:
            ctx.store.destroy(key)
            found.removed_objects.append(key)
        with ctx.transaction() as session:
            session.execute(delete(PendingObject).where(PendingObject.key == key))
    except Exception as exc:  # reported; the next start tries again
        found.problems.append(f"could not remove object {key}: {exc}")
