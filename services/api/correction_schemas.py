"""Request and response shapes of corrections (著录修改): PATCH
/api/v1/documents/{id}, its confirmation and its history. Values are taken
as the client sent them and checked by shared/domain/corrections.py, so a
refusal names the same code as the upload's own field rule."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.corrections import change_record
from shared.db.models import Document, DocumentChange
from services.api.schemas import DocumentOut


class CorrectionIn(BaseModel):
    """A reason and any of the fields below; a field not listed is refused."""

    model_config = ConfigDict(extra="allow")  # refused by the domain rule, with its code

    reason: Any = Field(default=None, description="修改原因, required, 1–500 characters, one line")
    title: Any = Field(default=None, description="题名, 1–500 characters")
    document_date: Any = Field(default=None, description="文件日期 YYYY-MM-DD, 1900-01-01 to "
                               "today; null clears it")
    type: Any = Field(default=None, description="档案类型 record type")
    tags: Any = Field(default=None, description="标签, a list of text, each at most 100 characters")
    location: Any = Field(default=None, description="存放位置 box/shelf; null clears it")
    custom_fields: Any = Field(default=None, description="自定义字段, a JSON object whose values "
                               "are text, numbers, true/false or lists of those")
    secrecy: Any = Field(default=None, description="密级 1, 2 or 3, within your clearance")
    valid_until: Any = Field(default=None, description="有效期 YYYY-MM-DD, not before "
                             "document_date; null clears it")

    def given(self) -> dict[str, Any]:
        """The fields the client sent, unknown ones included."""
        return self.model_dump(exclude_unset=True)


class CorrectedDocumentOut(DocumentOut):
    """A document with what corrections add: its confirmation and the archive
    numbers it no longer carries."""

    confirmed_at: datetime | None = None
    confirmed_by: str | None = None
    superseded_archive_numbers: list[str] = []

    @classmethod
    def corrected(cls, document: Document, superseded: list[str]) -> CorrectedDocumentOut:
        return cls(**DocumentOut.of(document).model_dump(), confirmed_at=document.confirmed_at,
                   confirmed_by=document.confirmed_by, superseded_archive_numbers=superseded)


class ChangeOut(BaseModel):
    change_set: int
    field: str
    old_value: Any
    new_value: Any
    changed_by: str
    changed_at: datetime
    reason: str

    @classmethod
    def of(cls, change: DocumentChange) -> ChangeOut:
        return cls(**change_record(change))


class HistoryOut(BaseModel):
    document: str
    items: list[ChangeOut]
