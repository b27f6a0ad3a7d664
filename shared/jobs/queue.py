"""Jobs are rows in the metadata database, written in the same transaction as
the change that needs them, so a committed upload always has its job."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.db.models import Job

EXTRACT = "extract"


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], max_attempts: int = 5) -> Job:
    job = Job(kind=kind, payload=payload, state="queued", attempts=0, max_attempts=max_attempts)
    session.add(job)
    return job
