"""A unit of work that only reads never waits behind a writer (SQLite in WAL
mode takes the write lock only for writers), on both backends."""
from __future__ import annotations

from sqlalchemy import func, select

from shared.accounts import add_user
from shared.bootstrap import Container
from shared.db.models import User


def test_a_reading_unit_of_work_sees_the_last_commit_while_a_writer_holds_its_lock(
        container: Container) -> None:
    with container.transaction() as session:
        add_user(session, username="first", role="staff", clearance=3, password="pass phrase 1",
                 actor="test")
    with container.uow() as writer:  # holds the write lock (BEGIN IMMEDIATE on SQLite)
        add_user(writer.session, username="second", role="staff", clearance=3,
                 password="pass phrase 2", actor="test")
        writer.session.flush()
        # in this same thread: were the reader to wait for the lock, it would wait for
        # itself until the busy timeout and fail
        with container.reading() as reader:
            names = set(reader.session.scalars(select(User.username)))
        assert names == {"first"}
        writer.commit()
    with container.reading() as reader:
        assert reader.session.scalar(select(func.count()).select_from(User)) == 2
