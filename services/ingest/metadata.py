"""What a clerk says about a document (著录), read once for every way in: the
upload's form fields and a bulk manifest's columns go through ``from_fields``,
and ``validate`` holds the rules (known type, a title, a date between
1900-01-01 and today, a secrecy level within the uploader's clearance)."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.domain.errors import InvalidInput, PermissionDenied
from shared.domain.model import DOCUMENT_TYPE_CODES, SECRECY_LEVELS
from shared.domain.permissions import may_see

EARLIEST_DATE = date(1900, 1, 1)
FIELDS = {"customer", "type", "title", "document_date", "secrecy", "tags", "location",
          "custom_fields"}


@dataclass(frozen=True)
class NewDocument:
    """What a clerk says about a document when archiving it."""

    type: str
    title: str
    customer: str | None = None
    document_date: date | None = None
    secrecy: int = 3
    tags: list[str] = field(default_factory=list)
    location: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: dict[str, str], *, extra: dict[str, Any] | None = None
                    ) -> NewDocument:
        """From text fields as a form or a manifest gives them; ``extra`` adds custom fields."""
        for required in ("type", "title"):
            if not (fields.get(required) or "").strip():
                raise InvalidInput(f"field {required!r} is required", code="invalid_request",
                                   detail={"field": required})
        custom = parse_json_object(fields.get("custom_fields") or "")
        return cls(
            type=fields["type"].strip(),
            title=fields["title"].strip(),
            customer=(fields.get("customer") or "").strip() or None,
            document_date=parse_date(fields.get("document_date") or ""),
            secrecy=parse_secrecy(fields.get("secrecy") or ""),
            tags=[t.strip() for t in (fields.get("tags") or "").replace(";", ",").split(",")
                  if t.strip()],
            location=(fields.get("location") or "").strip() or None,
            custom_fields={**custom, **(extra or {})},
        )

    def validate(self, *, today: date, clearance: int | None = None) -> None:
        if self.type not in DOCUMENT_TYPE_CODES:
            raise InvalidInput(f"unknown document type {self.type!r}", code="unknown_document_type",
                               detail={"known": sorted(DOCUMENT_TYPE_CODES)})
        if not self.title.strip() or len(self.title) > 500:
            raise InvalidInput("a title is 1–500 characters", code="invalid_title")
        _plain_text("title", self.title)
        _plain_text("location", self.location or "", limit=255)
        _plain_text("customer", self.customer or "", limit=64)
        for tag in self.tags:
            _plain_text("tag", tag, limit=100)
        if self.secrecy not in SECRECY_LEVELS:
            raise InvalidInput("secrecy is 1, 2 or 3", code="invalid_secrecy")
        if self.document_date and not EARLIEST_DATE <= self.document_date <= today:
            raise InvalidInput(f"document_date must be between {EARLIEST_DATE} and today ({today})",
                               code="invalid_document_date",
                               detail={"earliest": EARLIEST_DATE, "latest": today})
        if clearance is not None and not may_see(clearance, self.secrecy):
            raise PermissionDenied(
                f"secrecy level {self.secrecy} is above your clearance ({clearance}): "
                "you could not see the document you archive", code="secrecy_above_clearance",
                detail={"secrecy": self.secrecy, "clearance": clearance})


def _plain_text(name: str, value: str, *, limit: int | None = None) -> None:
    """No control characters (a NUL no database stores, line breaks in a one-line
    field) and no more than ``limit`` characters."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidInput(f"{name} holds a control character", code="invalid_request",
                           detail={"field": name})
    if limit is not None and len(value) > limit:
        raise InvalidInput(f"{name} is over {limit} characters", code="invalid_request",
                           detail={"field": name, "limit": limit})


def parse_date(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"document_date {value!r} is not a date (YYYY-MM-DD)",
                           code="invalid_request") from None


def parse_secrecy(value: str) -> int:
    value = value.strip() or "3"
    if value not in {str(level) for level in SECRECY_LEVELS}:
        raise InvalidInput(f"secrecy {value!r} is not 1, 2 or 3", code="invalid_secrecy")
    return int(value)


def parse_json_object(value: str) -> dict[str, Any]:
    if not value.strip():
        return {}
    try:
        parsed = json.loads(value, parse_constant=_no_constant)
        # a lone surrogate (\ud800) parses, but can be neither stored nor answered
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError, UnicodeError):
        parsed = None
    if not isinstance(parsed, dict) or not all(_plain(v) for v in parsed.values()):
        raise InvalidInput("custom_fields must be a JSON object whose values are text, numbers, "
                           "true/false or lists of those", code="invalid_request")
    return parsed


def _plain(value: Any, *, in_list: bool = False) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    return not in_list and isinstance(value, list) and all(_plain(v, in_list=True) for v in value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
