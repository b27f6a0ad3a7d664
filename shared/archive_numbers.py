"""Issuing archive numbers (档号): the gap-free counter of each series, used by
archiving (services/ingest) and by a correction that moves a record to
another series (shared/corrections.py)."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared.db.models import ArchiveCounter
from shared.domain.archive_number import ArchiveSeries


def next_sequence(session: Session, series: ArchiveSeries) -> int:
    """The next number in a gap-free series. The upsert locks the counter row
    until commit; a rollback returns the number, so no gap ever appears."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ArchiveCounter)
        .values(series=series.key, last_seq=1)
        .on_conflict_do_update(index_elements=["series"],
                               set_={"last_seq": ArchiveCounter.last_seq + 1})
        .returning(ArchiveCounter.last_seq)
    )
    return session.execute(statement).scalar_one()
