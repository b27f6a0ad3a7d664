"""Metadata tables (SQLAlchemy 2). The same schema runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.domain.access import RequestStatus
from shared.domain.disposition import ListState
from shared.domain.handover import HandoverState
from shared.domain.model import CustomerStatus, DocumentStatus, ExtractionState


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    clearance: Mapped[int] = mapped_column(Integer)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # removed users stay, so that the audit trail and requests keep their name
    removed_at: Mapped[datetime | None]


class LoginFailures(Base):
    """Failed logins of one account or client address, counted for throttling:
    in the database, so every API replica holds an attacker to the same count."""

    __tablename__ = "login_failures"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)  # "user:NAME", "address:IP"
    count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # "api": a bearer token; "session": the web page's cookie — neither answers as the other
    kind: Mapped[str] = mapped_column(String(16), default="api", server_default="api")

    user: Mapped[User] = relationship(lazy="joined")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # 客户编号
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    grade: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(16), default=CustomerStatus.ACTIVE.value)
    closed_at: Mapped[date | None] = mapped_column(Date)  # 销户日期
    # the current profile (动态管理); customer_revisions keeps every earlier one
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)  # 居民身份证号码
    industry: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str] = mapped_column(String(16), default="ordinary",
                                                server_default="ordinary")
    department: Mapped[str | None] = mapped_column(String(255), index=True)
    credit_limit: Mapped[str | None] = mapped_column(String(32))  # 授信额度, yuan, a decimal
    credit_valid_from: Mapped[date | None] = mapped_column(Date)
    credit_valid_until: Mapped[date | None] = mapped_column(Date)
    # never NULL in practice (the application and migration 0017 fill them)
    contacts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)
    custom_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomerRevision(Base):
    """One dated entry of a customer's profile history: who changed what, why,
    and the whole profile after it. Append-only, in the database too."""

    __tablename__ = "customer_revisions"
    __table_args__ = (UniqueConstraint("customer_id", "number", name="uq_customer_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per customer
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column()  # field -> {"from", "to"}
    profile: Mapped[dict[str, Any]] = mapped_column()


class Document(Base):
    __tablename__ = "documents"
    # the sweep: archived documents whose term has run out, in one range scan
    __table_args__ = (Index("ix_documents_status_retain_until", "status", "retain_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    archive_number: Mapped[str] = mapped_column(String(128), unique=True)  # 档号
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500))
    document_date: Mapped[date | None] = mapped_column(Date)
    secrecy: Mapped[int] = mapped_column(Integer)
    retention_term: Mapped[str] = mapped_column(String(16))
    retention_years: Mapped[int | None] = mapped_column(Integer)
    retention_trigger: Mapped[str] = mapped_column(String(32))
    # years added by appraisals (延长保管): part of the document's rule, counted in every recomputation
    retention_extension_years: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retain_until: Mapped[date | None] = mapped_column(Date, index=True)
    retention_override_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.ARCHIVED.value, index=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    location: Mapped[str | None] = mapped_column(String(255))  # 盒号/架位
    # 有效期: when the document stops being current (a licence's term, an ID card's end,
    # a credit report's currency); it never touches retention or destruction
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # an archivist's confirmation of the description: after it, only archivists correct it
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer | None] = relationship(lazy="joined")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", lazy="selectin"
    )


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        # the same bytes may be archived only once per customer (SPEC §5)
        UniqueConstraint("customer_scope", "sha256", name="uq_versions_customer_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    customer_scope: Mapped[str | None] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(512))
    object_version: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(100))
    original_filename: Mapped[str] = mapped_column(String(500))
    page_count: Mapped[int | None] = mapped_column(Integer)
    extraction_state: Mapped[str] = mapped_column(String(16), default=ExtractionState.PENDING.value)
    extraction_error: Mapped[str | None] = mapped_column(Text)
    preview_key: Mapped[str | None] = mapped_column(String(512))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


class ArchiveCounter(Base):
    """Gap-free sequence per (fonds, year, term, type): incremented inside the
    transaction that inserts the document, so a rollback gives the number back."""

    __tablename__ = "archive_counters"

    series: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class Job(Base):
    """The durable job queue: rows claimed with leases by workers."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # JobState.QUEUED: shared/jobs/queue.py imports this module, so the value is written out
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PendingObject(Base):
    """An object being written whose row has not committed yet. The row commits
    before the put and goes in the same transaction as the version, so one left
    behind names an object a crashed process wrote: the next start removes it."""

    __tablename__ = "pending_objects"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))  # <host>-<pid> of the writing process
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained audit trail (SPEC §4)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row holding the newest hash; updating it serialises writers of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class PageText(Base):
    """Extracted text of one page of one version: text layer or OCR."""

    __tablename__ = "page_texts"
    __table_args__ = (UniqueConstraint("document_id", "version", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)  # 1-based
    source: Mapped[str] = mapped_column(String(16))  # text_layer | ocr
    text: Mapped[str] = mapped_column(Text)


class Hold(Base):
    """A legal hold (冻结) on documents or on a whole customer's file."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(64))
    release_reason: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer | None] = relationship(lazy="joined")


class HoldDocument(Base):
    __tablename__ = "hold_documents"

    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True, index=True)


class DestructionList(Base):
    """A destruction list (销毁清册): appraised, approved, executed under supervision."""

    __tablename__ = "destruction_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=ListState.DRAFT.value)  # ListState
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    appraised_by: Mapped[str | None] = mapped_column(String(64))
    appraised_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    executed_by: Mapped[str | None] = mapped_column(String(64))
    supervisor: Mapped[str | None] = mapped_column(String(64))
    executed_at: Mapped[datetime | None]
    # the claim of the one execution running now, renewed at each item destroyed:
    # a second execution is refused while it is fresh, and a crashed one's goes stale
    execution_token: Mapped[str | None] = mapped_column(String(36))
    execution_heartbeat: Mapped[datetime | None]

    items: Mapped[list[DestructionItem]] = relationship(
        back_populates="destruction_list", order_by="DestructionItem.id", lazy="selectin")


class DestructionItem(Base):
    __tablename__ = "destruction_items"
    __table_args__ = (UniqueConstraint("list_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    decision: Mapped[str | None] = mapped_column(String(16))  # destroy | extend
    years: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)  # 鉴定意见
    destroyed_at: Mapped[datetime | None]

    destruction_list: Mapped[DestructionList] = relationship(back_populates="items")
    document: Mapped[Document] = relationship(lazy="joined")


class DestructionCertificate(Base):
    """The permanent proof of one destruction. Nothing deletes or edits it."""

    __tablename__ = "destruction_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id"), index=True)
    document_id: Mapped[str] = mapped_column(String(36), unique=True)
    archive_number: Mapped[str] = mapped_column(String(128), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column()
    destroyed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessRequest(Base):
    """A borrowing request (借阅申请): documents or a customer's whole file, a
    purpose and an end date; approved by the role matching its most sensitive level."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING.value)  # RequestStatus
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer | None] = relationship(lazy="joined")


class AccessRequestDocument(Base):
    __tablename__ = "access_request_documents"

    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)


class Handover(Base):
    """A batch handed over by a department to the archive room (移交), and its
    list (移交清单). Kept permanently: nothing deletes a handover or its items."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)  # YJ-2026-00001
    description: Mapped[str] = mapped_column(Text)  # 说明
    department: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=HandoverState.OPEN.value, index=True)
    handed_by: Mapped[str] = mapped_column(String(64), index=True)  # 移交人
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(64))  # 接收人
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="handover", order_by="HandoverItem.id", lazy="selectin")


class HandoverItem(Base):
    """One line of a handover list: an archived record, as it was when handed
    over (the snapshot outlives its destruction), or a refused file and why."""

    __tablename__ = "handover_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    # destruction leaves the document's row (a tombstone), so the link stays valid
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), index=True)
    archive_number: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(500))
    pages: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(500))
    secrecy: Mapped[int | None] = mapped_column(Integer)  # of a refused file: as its manifest row says
    refusal_code: Mapped[str | None] = mapped_column(String(64))
    refusal_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    handover: Mapped[Handover] = relationship(back_populates="items")
    document: Mapped[Document | None] = relationship(lazy="joined")


class DocumentChange(Base):
    """One field of one correction (著录修改): what it was and became, who
    changed it, when and why. Append-only, in the database too."""

    __tablename__ = "document_changes"
    __table_args__ = (UniqueConstraint("document_id", "change_set", "field",
                                       name="uq_document_changes_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    change_set: Mapped[int] = mapped_column(Integer)  # 1, 2, … per document: one correction
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[Any | None] = mapped_column(JSON)
    new_value: Mapped[Any | None] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class SupersededArchiveNumber(Base):
    """An archive number (档号) a document no longer carries, since a correction
    moved it to another series. Kept for ever and never issued again."""

    __tablename__ = "superseded_archive_numbers"

    archive_number: Mapped[str] = mapped_column(String(128), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    change_set: Mapped[int] = mapped_column(Integer)
    superseded_at: Mapped[datetime] = mapped_column(default=utcnow)
