"""What the data migrations do to an archive that has lived under the older
rules: 0010 fixes the scope of customer-wide grants approved before it to the
documents that existed at their approval; 0017 starts the profile history of
every customer already there. Run on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, column, create_engine, insert, select, table, text
from sqlalchemy.orm import Session

from shared.db.models import (
    AccessRequest,
    AccessRequestDocument,
    Customer,
    CustomerRevision,
    Document,
)
from shared.db.session import MIGRATIONS, make_engine

APPROVED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# a customer row as revision 0009 knew it: only the columns it had (the model has more)
CUSTOMERS_0009 = table("customers", *(column(name) for name in (
    "id", "code", "name", "kind", "grade", "status", "created_at", "updated_at")))
CUSTOMER_0009 = dict(code="C1", name="鹭洲贸易", kind="company", grade="A", status="active",
                     created_at=APPROVED_AT, updated_at=APPROVED_AT)


def upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def document(customer_id: int, n: int, *, created_at: datetime,
             status: str = "archived") -> dict[str, object]:
    """A document row as revision 0009 knew it: only the columns it had (the model has more)."""
    return dict(id=f"00000000-0000-0000-0000-{n:012d}", archive_number=f"KH01-2026-D30-HT-{n:05d}",
                    customer_id=customer_id, type="contract", title=f"合同{n}", secrecy=1,
                    retention_term="long", retention_years=30, retention_trigger="document_date",
                    status=status, created_by="t", created_at=created_at)


def lived_under_0009(engine: Engine) -> dict[str, int]:
    """Two approved customer-wide grants, a pending one and a refused one, over
    documents archived before and after the approval."""
    upgrade(engine, "0009")
    with Session(engine) as session:
        customer = session.execute(insert(CUSTOMERS_0009).returning(CUSTOMERS_0009.c.id),
                                   [CUSTOMER_0009]).scalar_one()
        before, after = APPROVED_AT - timedelta(days=1), APPROVED_AT + timedelta(days=1)
        session.execute(insert(Document.__table__), [document(customer, 1, created_at=before),
                                           document(customer, 2, created_at=before, status="destroyed"),
                                           document(customer, 3, created_at=after)])
        requests = {state: session.execute(insert(AccessRequest.__table__).returning(
            AccessRequest.__table__.c.id), [dict(
                requester="staff3", purpose="审计", until=APPROVED_AT.date(), customer_id=customer,
                status=state, decided_at=None if state == "pending" else APPROVED_AT,
                created_at=APPROVED_AT)]).scalar_one()
            for state in ("approved", "pending", "refused")}
        session.commit()
        return requests


def granted(engine: Engine, request_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(AccessRequestDocument.document_id).where(
            AccessRequestDocument.request_id == request_id)))


def check_0010(engine: Engine) -> None:
    ids = lived_under_0009(engine)
    upgrade(engine, "head")
    assert granted(engine, ids["approved"]) == ["00000000-0000-0000-0000-000000000001"]
    assert granted(engine, ids["pending"]) == []  # still the customer's file as it is
    assert granted(engine, ids["refused"]) == []
    upgrade(engine, "head")  # a second run changes nothing
    assert granted(engine, ids["approved"]) == ["00000000-0000-0000-0000-000000000001"]
    check_0017(engine)


def check_0017(engine: Engine) -> None:
    """The customer archived before profiles has its first history entry, and an
    empty profile beside what it had."""
    with Session(engine) as session:
        [entry] = session.scalars(select(CustomerRevision)).all()
        customer = session.scalars(select(Customer)).one()
        assert (entry.customer_id, entry.number, entry.changed_by) == (customer.id, 1, "system")
        assert entry.profile["name"] == "鹭洲贸易" and entry.profile["status"] == "active"
        assert entry.profile["contacts"] == [] and entry.changes == {}
        assert (customer.contacts, customer.custom_fields, customer.classification) == (
            [], {}, "ordinary")


def test_a_customer_wide_grant_keeps_the_documents_of_its_approval_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    check_0010(engine)
    engine.dispose()


def test_a_customer_wide_grant_keeps_the_documents_of_its_approval_postgres(
        pg_migrated: str) -> None:
    engine = create_engine(pg_migrated)
    with engine.begin() as conn:  # an archive of its own, from the first migration
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    try:
        check_0010(engine)
    finally:
        with engine.begin() as conn:  # leave the shared database migrated, as others expect
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine, "head")
        engine.dispose()
