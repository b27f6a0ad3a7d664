"""A customer's profile (客户档案 动态管理, SPEC §2): what it holds, how each
field is checked, what one change is, and what a reader of clearance 3 sees.

A profile is a plain dict of the fields below, dates as ISO strings — the
form kept in each history entry. Changing it never overwrites: every change
is a new entry with who, when and why (shared/customers.py)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from shared.domain.identifiers import check_credit_code, check_id_number, mask_id_number
from shared.domain.metadata import JsonObjectField, plain_text, refused
from shared.domain.model import CustomerGrade, CustomerKind

CONTACT_LIMIT = 20  # contacts per customer
CREDIT_LIMIT_MAX = Decimal("1e15")  # yuan
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,30}(?:(?:ext\.?|x|转)[0-9]{1,6})?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class Classification(StrEnum):
    """客户分类: core customers (核心客户) and the others (一般客户)."""

    CORE = "core"
    ORDINARY = "ordinary"


TEXT_LIMITS = {"name": 255, "industry": 255, "address": 500, "department": 255}
EDITABLE = ("name", "kind", "grade", "classification", "credit_code", "id_number", "industry",
            "address", "department", "credit_limit", "credit_valid_from", "credit_valid_until",
            "contacts", "custom_fields")
LIFECYCLE = ("status", "closed_at")  # changed by closing and reopening, not by an edit
FIELDS = EDITABLE + LIFECYCLE
DATES = ("credit_valid_from", "credit_valid_until", "closed_at")
EMPTY: dict[str, Any] = {**dict.fromkeys(FIELDS), "classification": Classification.ORDINARY.value,
                         "contacts": [], "custom_fields": {}}
_CUSTOM_FIELDS = JsonObjectField("custom_fields", "")


@dataclass(frozen=True)
class Contact:
    """联系人: a name and at least one way to reach them."""

    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role, "phone": self.phone, "email": self.email}


def normalised(field: str, value: Any) -> Any:
    """``value`` for ``field`` in its stored form, or InvalidInput naming the problem."""
    if field not in EDITABLE:
        raise refused(f"{field} is not a field of a customer's profile", code="unknown_field",
                      field=field, allowed=list(EDITABLE))
    if field == "kind":
        return _choice(field, value, CustomerKind)
    if field == "grade":
        return _choice(field, value, CustomerGrade)
    if field == "classification":
        return _choice(field, value, Classification)
    if field == "contacts":
        return [contact.as_dict() for contact in _contacts(value)]
    if field == "custom_fields":
        return _custom_fields(value)
    text = _text(field, value)
    if text is None:
        if field == "name":
            raise refused("a customer needs a name", code="invalid_customer_name")
        return None
    if field == "credit_code":
        return check_credit_code(text.upper())
    if field == "id_number":
        return check_id_number(text)
    if field == "credit_limit":
        return _amount(text)
    if field in DATES:
        return _date(field, text)
    return text


def apply(current: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The profile after ``values`` (fields given, each checked) are applied to
    ``current``, checked as a whole."""
    profile = {**EMPTY, **current}
    for field, value in values.items():
        profile[field] = normalised(field, value)
    check_whole(profile)
    return profile


def check_whole(profile: Mapping[str, Any]) -> None:
    """Rules across fields: a resident ID number is an individual's; a credit
    limit's validity does not end before it starts."""
    if profile.get("id_number") and profile.get("kind") != CustomerKind.INDIVIDUAL:
        raise refused("a resident ID number belongs to an individual customer; an organisation "
                      "has a unified social credit code", code="id_number_not_individual")
    start, end = profile.get("credit_valid_from"), profile.get("credit_valid_until")
    if start and end and end < start:
        raise refused(f"the credit limit's validity ends ({end}) before it starts ({start})",
                      code="invalid_credit_validity", valid_from=start, valid_until=end)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """field -> {"from", "to"} for each field that differs."""
    return {field: {"from": before.get(field), "to": after.get(field)}
            for field in FIELDS if before.get(field) != after.get(field)}


def is_individual(profile: Mapping[str, Any], changes: Mapping[str, Any] | None = None) -> bool:
    """An individual's profile, or one that was an individual's until this change."""
    was = (changes or {}).get("kind", {}).get("from")
    return CustomerKind.INDIVIDUAL in (profile.get("kind"), was)


def masked(profile: Mapping[str, Any], *, individual: bool | None = None) -> dict[str, Any]:
    """The profile as a reader of clearance 3 sees it (PIPL): an individual's ID
    number, address and contacts' phones and e-mails masked."""
    if not (is_individual(profile) if individual is None else individual):
        return dict(profile)
    return {**profile, **{field: mask_field(field, profile.get(field))
                          for field in ("id_number", "address", "contacts")}}


def masked_changes(changes: Mapping[str, Mapping[str, Any]], *, individual: bool
                   ) -> dict[str, dict[str, Any]]:
    """A history entry's changes as a reader of clearance 3 sees them."""
    if not individual:
        return {field: dict(change) for field, change in changes.items()}
    return {field: {side: mask_field(field, value) for side, value in change.items()}
            for field, change in changes.items()}


def mask_field(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "id_number":
        return mask_id_number(value)
    if field == "address":
        return _mask_address(value)
    if field == "contacts":
        return [{**contact, "phone": _mask_phone(contact.get("phone")),
                 "email": _mask_email(contact.get("email"))} for contact in value]
    return value


def _mask_address(address: str) -> str:
    kept = min(6, len(address) // 2)  # the province and city, 北京市朝阳区
    return address[:kept] + "****"


def _mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = [i for i, c in enumerate(phone) if c.isdigit()]
    hidden = set(digits[3:-4]) if len(digits) > 7 else set(digits[:-2])
    return "".join("*" if i in hidden else c for i, c in enumerate(phone))


def _mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def _choice(field: str, value: Any, choices: type[StrEnum]) -> str:
    allowed = [c.value for c in choices]
    if value not in allowed:
        raise refused(f"{field} must be one of {', '.join(allowed)}", code=f"invalid_{field}",
                      **{field: value, "allowed": allowed})
    return str(value)


def _text(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise refused(f"{field} must be text", code="invalid_request", field=field)
    text = value.strip()
    if not text:
        return None
    plain_text(field, text, limit=TEXT_LIMITS.get(field, 64))
    return text


def _amount(text: str) -> str:
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount >= CREDIT_LIMIT_MAX \
            or amount != amount.quantize(Decimal("0.01")):
        raise refused(f"credit_limit {text!r} is not an amount of yuan (0 or more, at most two "
                      "decimals)", code="invalid_credit_limit")
    return str(amount.quantize(Decimal("0.01")))


def _date(field: str, text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise refused(f"{field} {text!r} is not a date (YYYY-MM-DD)", code="invalid_request",
                      field=field) from None


def _contacts(value: Any) -> list[Contact]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, Mapping) for c in value):
        raise refused("contacts must be a list of objects with name, role, phone, email",
                      code="invalid_contact")
    if len(value) > CONTACT_LIMIT:
        raise refused(f"a customer has at most {CONTACT_LIMIT} contacts", code="invalid_contact")
    return [_contact(n, c) for n, c in enumerate(value, start=1)]


def _contact(number: int, raw: Mapping[str, Any]) -> Contact:
    unknown = set(raw) - {"name", "role", "phone", "email"}
    if unknown:
        raise refused(f"contact {number}: unknown fields {', '.join(sorted(unknown))}",
                      code="invalid_contact", contact=number)
    parts = {key: _contact_text(number, key, raw.get(key)) for key in ("name", "role", "phone",
                                                                       "email")}
    if not parts["name"]:
        raise refused(f"contact {number} needs a name", code="invalid_contact", contact=number)
    if parts["phone"] and not _PHONE.match(parts["phone"]):
        raise refused(f"contact {number}: {parts['phone']!r} is not a phone number",
                      code="invalid_contact", contact=number, field="phone")
    if parts["email"] and not _EMAIL.match(parts["email"]):
        raise refused(f"contact {number}: {parts['email']!r} is not an e-mail address",
                      code="invalid_contact", contact=number, field="email")
    return Contact(name=parts["name"], role=parts["role"], phone=parts["phone"],
                   email=parts["email"])


def _contact_text(number: int, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise refused(f"contact {number}: {key} must be text", code="invalid_contact", contact=number)
    text = value.strip()
    if text:
        plain_text(f"contact {number} {key}", text, limit=255)
    return text or None


def _custom_fields(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise refused("custom_fields must be a JSON object whose values are text, numbers, "
                      "true/false or lists of those", code="invalid_request", field="custom_fields")
    _CUSTOM_FIELDS.check(value, today=date.min)
    return dict(value)
