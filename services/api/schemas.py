"""Response and request shapes of the HTTP API."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from shared.db.models import Customer, Document, DocumentVersion
from shared.views import customer_out
from services.ingest import UploadField

# numbers a client sends for rows and pages: within what every database stores
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
VersionNumber = Annotated[int | None, Query(ge=1, le=100_000)]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="联系人 name")
    role: str | None = Field(default=None, description="职务 role")
    phone: str | None = None
    email: str | None = None


class ProfileFields(BaseModel):
    """The fields of a customer's profile beyond code, name, kind and grade;
    each checked as shared/domain/profile.py says."""

    model_config = ConfigDict(extra="forbid")

    classification: str | None = Field(default=None, description="core 核心 | ordinary 一般")
    credit_code: str | None = Field(default=None, description=(
        "统一社会信用代码, 18 characters, check character per GB 32100 (organisations)"))
    id_number: str | None = Field(default=None, description=(
        "居民身份证号码, 18 characters, check digit per GB 11643 (individuals only)"))
    industry: str | None = Field(default=None, description="行业")
    address: str | None = Field(default=None, description="地址")
    department: str | None = Field(default=None, description="所属部门 the department in charge")
    credit_limit: Decimal | None = Field(default=None, description="授信额度, yuan, two decimals")
    credit_valid_from: date | None = Field(default=None, description="授信有效期 from")
    credit_valid_until: date | None = Field(default=None, description="授信有效期 until")
    contacts: list[ContactIn] | None = Field(default=None, description="联系人, at most 20")
    custom_fields: dict[str, Any] | None = Field(default=None, description=(
        "自定义字段: values are text, numbers, true/false or lists of those"))

    def given(self) -> dict[str, Any]:
        """The fields the client sent, as the profile rules read them (dates and
        amounts as text)."""
        return self.model_dump(mode="json", exclude_unset=True)


class CustomerIn(ProfileFields):
    code: str = Field(min_length=1, max_length=64, description="客户编号")
    name: str = Field(min_length=1, max_length=255)
    kind: str = Field(description="company | individual | government | partner")
    grade: str = Field(default="B", description="A 重要 | B 一般 | C 零散")

    def details(self) -> dict[str, Any]:
        return {k: v for k, v in self.given().items() if k not in {"code", "name", "kind", "grade"}}


class CustomerPatch(ProfileFields):
    """A change of a customer's profile: the fields that change, and why."""

    reason: str = Field(description="修改原因 why the profile changes (required)")
    name: str | None = None
    kind: str | None = None
    grade: str | None = None

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.given().items() if k != "reason"}


class CloseIn(BaseModel):
    closed_at: date = Field(description="销户日期")


class ContactOut(BaseModel):
    name: str
    role: str | None
    phone: str | None
    email: str | None


class CustomerOut(BaseModel):
    """A customer and its current profile; for a reader of clearance 3 an
    individual's ID number, address, phones and e-mails are masked."""

    code: str
    name: str
    kind: str
    grade: str
    status: str
    closed_at: date | None
    classification: str
    credit_code: str | None
    id_number: str | None
    industry: str | None
    address: str | None
    department: str | None
    credit_limit: str | None
    credit_valid_from: date | None
    credit_valid_until: date | None
    contacts: list[ContactOut]
    custom_fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer, *, masked: bool) -> CustomerOut:
        return cls.model_validate(customer_out(customer, masked=masked))


class RevisionOut(BaseModel):
    number: int
    changed_at: datetime
    changed_by: str
    reason: str
    changes: dict[str, dict[str, Any]] = Field(description="field -> {from, to}")
    profile: dict[str, Any] = Field(description="the whole profile after this change")


class HistoryOut(BaseModel):
    code: str
    total: int
    page: int
    size: int
    items: list[RevisionOut]


class VersionOut(BaseModel):
    number: int
    sha256: str
    size: int
    mime_type: str
    original_filename: str
    page_count: int | None
    extraction_state: str
    extraction_error: str | None = None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, version: DocumentVersion) -> VersionOut:
        return cls.model_validate(version, from_attributes=True)


class DocumentOut(BaseModel):
    id: str
    archive_number: str
    customer: str | None
    type: str
    title: str
    document_date: date | None
    secrecy: int
    retention_term: str
    retention_years: int | None
    retention_trigger: str
    retain_until: date | None
    status: str
    tags: list[str]
    custom_fields: dict[str, Any]
    location: str | None
    valid_until: date | None = None
    sha256: str | None
    extraction_state: str | None
    versions: list[VersionOut]
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        latest = document.versions[-1] if document.versions else None
        return cls(
            id=document.id, archive_number=document.archive_number,
            customer=document.customer.code if document.customer else None,
            type=document.type, title=document.title, document_date=document.document_date,
            secrecy=document.secrecy, retention_term=document.retention_term,
            retention_years=document.retention_years, retention_trigger=document.retention_trigger,
            retain_until=document.retain_until, status=document.status, tags=document.tags or [],
            custom_fields=document.custom_fields or {}, location=document.location,
            valid_until=document.valid_until,
            sha256=latest.sha256 if latest else None,
            extraction_state=latest.extraction_state if latest else None,
            versions=[VersionOut.of(v) for v in document.versions],
            created_by=document.created_by, created_at=document.created_at,
        )


class Page(BaseModel):
    total: int
    page: int
    size: int
    items: list[Any]


def multipart_body(fields: Sequence[UploadField] = (), *, file_field: str = "file",
                   others_refused: bool = False) -> dict[str, Any]:
    """The OpenAPI request body of a route that streams its multipart body itself
    (FastAPI sees no parameters to describe): ``file`` as binary plus ``fields``."""
    properties: dict[str, Any] = {file_field: {
        "type": "string", "format": "binary",
        "description": "the scan: PDF, JPEG, PNG or TIFF; its type is read from its bytes"}}
    properties.update({spec.name: spec.schema() for spec in fields})
    schema: dict[str, Any] = {
        "type": "object", "properties": properties,
        "required": [file_field, *(spec.name for spec in fields if spec.required)]}
    if others_refused:
        schema["additionalProperties"] = False
    return {"requestBody": {"required": True,
                            "content": {"multipart/form-data": {"schema": schema}}}}
