"""The fields of a customer's profile as the page's form sends them, read into
the values the profile rules check (shared/domain/profile.py): contacts as
rows of four inputs, free fields as one "name: value" a line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form

from shared.domain.metadata import refused

TEXTS = ("classification", "credit_code", "id_number", "industry", "address", "department",
         "credit_limit", "credit_valid_from", "credit_valid_until")
PERSONAL = ("id_number", "address", "contacts")  # masked for clearance 3: not sent back
BLANK_CONTACT_ROWS = 2
Text = Annotated[str, Form()]
Rows = Annotated[list[str], Form()]


@dataclass(frozen=True)
class ProfileForm:
    texts: dict[str, str]
    contacts: list[dict[str, str]]
    custom_fields: str

    def values(self, *, masked: bool) -> dict[str, Any]:
        """The profile's fields as the form gives them; without the personal
        ones when the form showed them masked (they were not editable)."""
        values: dict[str, Any] = {**self.texts, "contacts": self.contacts,
                                  "custom_fields": parse_custom_fields(self.custom_fields)}
        if masked:
            for field in PERSONAL:
                values.pop(field, None)
        return values


def profile_form(classification: Text = "", credit_code: Text = "", id_number: Text = "",
                 industry: Text = "", address: Text = "", department: Text = "",
                 credit_limit: Text = "", credit_valid_from: Text = "",
                 credit_valid_until: Text = "", contact_name: Rows = [],  # noqa: B006
                 contact_role: Rows = [], contact_phone: Rows = [],  # noqa: B006
                 contact_email: Rows = [], custom_fields: Text = "") -> ProfileForm:  # noqa: B006
    texts = {"classification": classification or "ordinary", "credit_code": credit_code,
             "id_number": id_number, "industry": industry, "address": address,
             "department": department, "credit_limit": credit_limit,
             "credit_valid_from": credit_valid_from, "credit_valid_until": credit_valid_until}
    rows = zip(*(_padded(column, len(contact_name)) for column in
                 (contact_name, contact_role, contact_phone, contact_email)), strict=True)
    contacts = [{"name": n, "role": r, "phone": p, "email": e} for n, r, p, e in rows
                if any(part.strip() for part in (n, r, p, e))]
    return ProfileForm(texts, contacts, custom_fields)


def _padded(column: list[str], length: int) -> list[str]:
    return (column + [""] * length)[:length]


def parse_custom_fields(text: str) -> dict[str, str]:
    """One "name: value" a line (a full-width colon too); blank lines skipped."""
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.replace("：", ":").partition(":")
        if not colon or not name.strip():
            raise refused(f"line {number} of the other fields is not “name: value”",
                          code="invalid_custom_fields", line=number)
        fields[name.strip()] = value.strip()
    return fields


def custom_fields_text(fields: dict[str, Any]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in fields.items())


def form_values(profile: dict[str, Any]) -> dict[str, Any]:
    """What the form shows for a profile: its fields, the free fields as lines,
    the contacts and blank rows for more."""
    contacts = list(profile.get("contacts") or [])
    blank = {"name": "", "role": "", "phone": "", "email": ""}
    return {**profile, "custom_fields": custom_fields_text(profile.get("custom_fields") or {}),
            "contacts": contacts + [blank] * BLANK_CONTACT_ROWS}
