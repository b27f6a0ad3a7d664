"""Corrections (著录修改, SPEC §2): who may correct a record's description, how
a correction is read and checked, and when it may not move retention.

A correction names a reason and some of ``CORRECTABLE``; each value is checked
by the very field rules of an upload (shared.domain.metadata.UPLOAD_FIELDS),
so a date, a type or a secrecy level is refused with the same code and words.
Plain values, no IO: shared/corrections.py applies them."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shared.domain.errors import Conflict, InvalidInput, PermissionDenied
from shared.domain.metadata import UPLOAD_FIELDS, NewDocument, UploadField, check_reason
from shared.domain.model import Role
from shared.domain.permissions import may_see

CORRECTABLE = ("title", "document_date", "type", "tags", "location", "custom_fields", "secrecy",
               "valid_until")
RETENTION_INPUTS = frozenset({"document_date", "type"})  # what retain_until is computed from
EDITORS = frozenset({Role.CLERK, Role.ARCHIVIST})
_SPECS: dict[str, UploadField] = {spec.name: spec for spec in UPLOAD_FIELDS if spec.name in CORRECTABLE}
# what JSON null means for each field: cleared, or the empty value its rule refuses
_NULL: dict[str, Any] = {"title": "", "tags": [], "custom_fields": {}}


@dataclass(frozen=True)
class Editor:
    """Who corrects: a person with an account. The local operator (no account,
    the database's own keys) is ``None`` wherever an Editor is asked for."""

    username: str
    role: str
    clearance: int


@dataclass(frozen=True)
class Correction:
    """A reason and the new value of each field named (typed, not yet checked
    against the document)."""

    reason: str
    values: dict[str, Any]


def _refused(message: str, *, code: str = "invalid_request", **detail: Any) -> InvalidInput:
    return InvalidInput(message, code=code, detail=detail or None)


def check_may_edit_at_all(editor: Editor | None) -> None:
    """Clerks and archivists correct descriptions; nobody else (403), whatever the record."""
    if editor is not None and editor.role not in EDITORS:
        raise PermissionDenied(f"the {editor.role} role may not correct a record's description",
                               code="forbidden", detail={"role": editor.role})


def check_may_correct(editor: Editor | None, *, created_by: str, confirmed: bool,
                      secrecy: int) -> None:
    """A clerk corrects the records they uploaded until an archivist confirms
    them; an archivist any record within their clearance. A record seen only
    through an access request is lent for reading, never for correcting."""
    check_may_edit_at_all(editor)
    if editor is None:
        return
    if editor.role == Role.CLERK:
        if created_by != editor.username:
            raise PermissionDenied("a clerk corrects only the records they uploaded",
                                   code="not_your_document")
        if confirmed:
            raise PermissionDenied("an archivist has confirmed this record's description: ask an "
                                   "archivist to correct it", code="document_confirmed")
    if not may_see(editor.clearance, secrecy):
        raise PermissionDenied("this record is beyond your clearance; someone with the clearance "
                               "for it corrects it", code="insufficient_clearance")


def check_may_confirm(editor: Editor | None, *, secrecy: int, confirmed: bool) -> None:
    """An archivist within clearance confirms a record's description, once."""
    if editor is not None and editor.role != Role.ARCHIVIST:
        raise PermissionDenied("only an archivist confirms a record's description",
                               code="confirm_needs_archivist")
    if editor is not None and not may_see(editor.clearance, secrecy):
        raise PermissionDenied("this record is beyond your clearance; someone with the clearance "
                               "for it confirms it", code="insufficient_clearance")
    if confirmed:
        raise Conflict("this record's description is already confirmed", code="already_confirmed")


def read_correction(body: Mapping[str, Any]) -> Correction:
    """A correction from JSON (or from the command line's text): a name not in
    ``CORRECTABLE`` is refused, as an upload refuses a field it does not know."""
    unknown = set(body) - set(CORRECTABLE) - {"reason"}
    if unknown:
        raise _refused(f"unknown fields: {', '.join(sorted(unknown))}",
                       allowed=sorted({*CORRECTABLE, "reason"}))
    reason = check_reason(body.get("reason"), of="a correction")
    return Correction(reason, {name: _typed(_SPECS[name], body[name])
                               for name in CORRECTABLE if name in body})


def _typed(spec: UploadField, raw: Any) -> Any:
    """The value in the type its rule checks: text through the upload's own
    parser, JSON values as they are when they have the field's shape."""
    name = spec.name
    if raw is None:
        return _NULL.get(name)
    if isinstance(raw, str):
        if name == "secrecy" and not raw.strip():
            return None  # an upload's default, but no correction: refused by the rule
        return spec.parse(raw)
    if name == "secrecy" and isinstance(raw, int) and not isinstance(raw, bool):
        return spec.parse(str(raw))
    if name == "tags" and isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        return [t.strip() for t in raw if t.strip()]
    if name == "custom_fields" and isinstance(raw, dict):
        return raw
    raise _refused(f"{name} has the wrong kind of value", field=name)


def corrected(before: NewDocument, correction: Correction, *, today: date,
              clearance: int | None) -> NewDocument:
    """The description once corrected, checked whole by the upload's rules
    (a valid_until not before the date, a secrecy level within the editor's
    clearance: ``secrecy_above_clearance``)."""
    after = replace(before, **correction.values)
    try:
        after.validate(today=today, clearance=clearance)
    except PermissionDenied as exc:
        if exc.code == "secrecy_above_clearance":
            exc.message = (f"secrecy level {after.secrecy} is above your clearance ({clearance}): "
                           "you could no longer see the record you correct")
        raise
    return after


def stored(value: Any) -> Any:
    """A field's value as JSON keeps it in the history (dates as ISO text)."""
    return json.loads(json.dumps(value, default=str))


def changes_between(before: NewDocument, after: NewDocument) -> dict[str, tuple[Any, Any]]:
    """field -> (old, new) for each correctable field that differs. Compared as
    stored, so true and 1 in a custom field are two values, not one."""
    changed = {}
    for name in CORRECTABLE:
        old, new = stored(getattr(before, name)), stored(getattr(after, name))
        if json.dumps(old, sort_keys=True) != json.dumps(new, sort_keys=True):
            changed[name] = (old, new)
    if not changed:
        raise _refused("this correction changes nothing", code="no_change")
    return changed


def shortens(before: date | None, after: date | None) -> bool:
    """Whether retain_until moves earlier: None is never (permanent) or not yet
    known (a clock waiting for an event), both later than any date."""
    return after is not None and (before is None or after < before)


def check_retention_change(*, before: date | None, after: date | None, held: bool,
                           listed: bool) -> None:
    """A correction never shortens the term of a record under a legal hold (冻结)
    or on an open destruction list (销毁清册): what keeps it, or what is being
    decided about it, was decided on the term it has. A longer term is allowed."""
    if not shortens(before, after):
        return
    detail = {"retain_until": before.isoformat() if before else None,
              "would_be": after.isoformat() if after else None}
    if held:
        raise Conflict("this record is under a legal hold: a correction may not shorten its "
                       "retention", code="correction_shortens_held", detail=detail)
    if listed:
        raise Conflict("this record is on an open destruction list: a correction may not "
                       "shorten its retention", code="correction_shortens_listed", detail=detail)


def check_listed_secrecy(*, secrecy_changed: bool, listed: bool) -> None:
    """A record on an open destruction list keeps its secrecy level: who may
    approve the list was decided by the most sensitive level on it."""
    if secrecy_changed and listed:
        raise Conflict("this record is on an open destruction list: its secrecy level, which "
                       "decides who approves the list, cannot change now",
                       code="correction_changes_listed_secrecy")
