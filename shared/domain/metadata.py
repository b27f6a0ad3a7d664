"""What a clerk says about a document (著录), described once for every way in.

``UPLOAD_FIELDS`` is the model of an upload's fields: each field once, with
its name, limits and description. The form fields of ``POST /api/v1/documents``,
the columns of a ``dangan ingest`` manifest and the OpenAPI schema of the upload
are all read from it. ``NewDocument.from_fields`` parses text as a form or a
manifest gives it (syntax: a date, a level, JSON), and ``validate`` holds the
rules (known type, a title, a date between 1900-01-01 and today, plain one-line
text within each limit, a secrecy level within the uploader's clearance)."""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from shared.domain.errors import InvalidInput, PermissionDenied
from shared.domain.model import DOCUMENT_TYPE_CODES, SECRECY_LEVELS
from shared.domain.permissions import may_see
from shared.domain.validity import check_valid_until

EARLIEST_DATE = date(1900, 1, 1)
DEFAULT_SECRECY = 3  # 三级, ordinary
TAG_LIMIT = 100


def refused(message: str, *, code: str = "invalid_request", **detail: Any) -> InvalidInput:
    return InvalidInput(message, code=code, detail=detail or None)


def plain_text(name: str, value: str, *, limit: int | None = None) -> None:
    """No control characters (a NUL no database stores, line breaks in a one-line
    field) and no more than ``limit`` characters."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise refused(f"{name} holds a control character", field=name)
    if limit is not None and len(value) > limit:
        raise refused(f"{name} is over {limit} characters", field=name, limit=limit)


REASON_LIMIT = 500  # the reason of a correction or of a profile's change


def check_reason(reason: Any, *, of: str = "a change") -> str:
    """Why a description or a profile changes: required, one line of at most
    REASON_LIMIT characters."""
    if not isinstance(reason, str) or not reason.strip():
        raise refused(f"{of} needs a reason", code="reason_required")
    plain_text("reason", reason.strip(), limit=REASON_LIMIT)
    return reason.strip()


@dataclass(frozen=True)
class UploadField:
    """One field of an upload, both a form field and a manifest column. As it is
    here, a one-line text of at most ``limit`` characters, empty when not given;
    the kinds below parse, check and describe other values."""

    name: str
    description: str
    limit: int | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()  # other manifest column names read as this field

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def parse(self, raw: str) -> Any:
        return raw.strip() or None

    def check(self, value: Any, *, today: date) -> None:
        plain_text(self.name, value or "", limit=self.limit)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "description": self.description}
        if self.limit is not None:
            out["maxLength"] = self.limit
        return out


@dataclass(frozen=True)
class TitleField(UploadField):
    def parse(self, raw: str) -> str:
        return raw.strip()

    def check(self, value: Any, *, today: date) -> None:
        if not value.strip() or (self.limit is not None and len(value) > self.limit):
            raise refused(f"a title is 1–{self.limit} characters", code="invalid_title")
        plain_text(self.name, value)

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "minLength": 1}


@dataclass(frozen=True)
class TypeField(UploadField):
    def parse(self, raw: str) -> str:
        return raw.strip()

    def check(self, value: Any, *, today: date) -> None:
        if value not in DOCUMENT_TYPE_CODES:
            raise refused(f"unknown document type {value!r}", code="unknown_document_type",
                           known=sorted(DOCUMENT_TYPE_CODES))

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": sorted(DOCUMENT_TYPE_CODES),
                "description": self.description}


@dataclass(frozen=True)
class DateField(UploadField):
    malformed: ClassVar[str] = "invalid_request"  # the code of a value that is not a date

    def parse(self, raw: str) -> date | None:
        value = raw.strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise refused(f"{self.name} {value!r} is not a date (YYYY-MM-DD)",
                           code=self.malformed, field=self.name) from None

    def check(self, value: Any, *, today: date) -> None:
        if value is not None and not EARLIEST_DATE <= value <= today:
            raise refused(f"{self.name} must be between {EARLIEST_DATE} and today ({today})",
                           code="invalid_document_date", earliest=EARLIEST_DATE, latest=today)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date", "description": self.description}


@dataclass(frozen=True)
class ValidUntilField(DateField):
    """有效期: a date that may lie in the future, not before the document's date."""

    malformed: ClassVar[str] = "invalid_valid_until"

    def check(self, value: Any, *, today: date) -> None:
        if value is not None and value < EARLIEST_DATE:
            raise refused(f"{self.name} must be {EARLIEST_DATE} or later",
                           code="invalid_valid_until", field=self.name)


@dataclass(frozen=True)
class SecrecyField(UploadField):
    def parse(self, raw: str) -> int:
        value = raw.strip() or str(DEFAULT_SECRECY)
        if value not in {str(level) for level in SECRECY_LEVELS}:  # not int(): it reads "２"
            raise refused(f"{self.name} {value!r} is not 1, 2 or 3", code="invalid_secrecy")
        return int(value)

    def check(self, value: Any, *, today: date) -> None:
        if value not in SECRECY_LEVELS:
            raise refused(f"{self.name} is 1, 2 or 3", code="invalid_secrecy")

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "enum": list(SECRECY_LEVELS), "default": DEFAULT_SECRECY,
                "description": self.description}


@dataclass(frozen=True)
class TagsField(UploadField):
    """Tags separated by commas or semicolons; ``limit`` is per tag."""

    def parse(self, raw: str) -> list[str]:
        return [t.strip() for t in raw.replace(";", ",").split(",") if t.strip()]

    def check(self, value: Any, *, today: date) -> None:
        for tag in value:
            plain_text("tag", tag, limit=self.limit)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": self.description}


@dataclass(frozen=True)
class JsonObjectField(UploadField):
    """A JSON object whose values are text, numbers, true/false or lists of those."""

    def parse(self, raw: str) -> dict[str, Any]:
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):  # RecursionError: nesting; ValueError: huge ints
            parsed = None
        if not isinstance(parsed, dict):
            raise self._refusal()
        self._refuse_unusable(parsed)
        return parsed

    def check(self, value: Any, *, today: date) -> None:
        self._refuse_unusable(value)

    def _refuse_unusable(self, value: dict[str, Any]) -> None:
        if not all(_plain(v) for v in value.values()):
            raise self._refusal()
        try:  # a lone surrogate (\ud800) parses, but can be neither stored nor answered
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError):
            raise self._refusal() from None

    def _refusal(self) -> InvalidInput:
        return refused(f"{self.name} must be a JSON object whose values are text, numbers, "
                        "true/false or lists of those", field=self.name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "contentMediaType": "application/json",
                "description": self.description}


def _plain(value: Any, *, in_list: bool = False) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    return not in_list and isinstance(value, list) and all(_plain(v, in_list=True) for v in value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


UPLOAD_FIELDS: tuple[UploadField, ...] = (
    UploadField("customer", "客户编号 customer code; empty for a company-level record", limit=64),
    TypeField("type", "档案类型 record type", required=True),
    TitleField("title", "题名 title", limit=500, required=True),
    DateField("document_date", "文件日期 the date on the document, YYYY-MM-DD, 1900-01-01 to "
              "today; a manifest may call the column date", aliases=("date",)),
    SecrecyField("secrecy", "密级 secrecy level: 1 一级 (most sensitive), 2, 3 三级 (ordinary); "
                 "at most the uploader's clearance"),
    TagsField("tags", f"标签 tags, separated by commas or semicolons, each at most {TAG_LIMIT} "
              "characters", limit=TAG_LIMIT),
    ValidUntilField("valid_until", "有效期 valid until, YYYY-MM-DD, not before document_date "
                    "(a licence's business term, an ID card's end date); a credit report "
                    "without one is current for DANGAN_CREDIT_REPORT_VALID_MONTHS from its date"),
    UploadField("location", "存放位置 where the paper original is (box/shelf, 盒号/架位)", limit=255),
    JsonObjectField("custom_fields", "自定义字段 custom fields: a JSON object whose values are "
                    "text, numbers, true/false or lists of those; in a manifest, every other "
                    "column is a custom field too"),
)
FIELDS = frozenset(spec.name for spec in UPLOAD_FIELDS)


@dataclass(frozen=True)
class NewDocument:
    """What a clerk says about a document when archiving it: one attribute per
    field of ``UPLOAD_FIELDS``."""

    type: str
    title: str
    customer: str | None = None
    document_date: date | None = None
    secrecy: int = DEFAULT_SECRECY
    tags: list[str] = field(default_factory=list)
    location: str | None = None
    valid_until: date | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: Mapping[str, str], *, extra: Mapping[str, Any] | None = None
                    ) -> NewDocument:
        """From text fields as a form or a manifest gives them; ``extra`` adds custom fields.
        Names not in ``UPLOAD_FIELDS`` are not read: the caller decides what they mean."""
        values: dict[str, Any] = {}
        for spec in UPLOAD_FIELDS:
            raw = fields.get(spec.name) or ""
            if spec.required and not raw.strip():
                raise refused(f"field {spec.name!r} is required", field=spec.name)
            values[spec.name] = spec.parse(raw)
        values["custom_fields"] = {**values["custom_fields"], **(extra or {})}
        return cls(**values)

    @classmethod
    def from_form(cls, fields: Mapping[str, str], *, file_field: str) -> NewDocument:
        """From an upload's form fields: a name not in ``UPLOAD_FIELDS`` is refused."""
        unknown = set(fields) - FIELDS
        if unknown:
            raise refused(f"unknown fields: {', '.join(sorted(unknown))}",
                           allowed=sorted(FIELDS | {file_field}))
        return cls.from_fields(fields)

    def validate(self, *, today: date, clearance: int | None = None) -> None:
        for spec in UPLOAD_FIELDS:
            spec.check(getattr(self, spec.name), today=today)
        check_valid_until(self.valid_until, document_date=self.document_date)
        if clearance is not None and not may_see(clearance, self.secrecy):
            raise PermissionDenied(
                f"secrecy level {self.secrecy} is above your clearance ({clearance}): "
                "you could not see the document you archive", code="secrecy_above_clearance",
                detail={"secrecy": self.secrecy, "clearance": clearance})
