"""Completeness (齐全, SPEC §2): the checklist of record types each kind of
customer must hold, and whether a customer's file holds them."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.domain.errors import InvalidInput
from shared.domain.model import DOCUMENT_TYPE_CODES, CustomerKind
from shared.domain.toml_files import line_of, read_toml


@dataclass(frozen=True)
class Checklist:
    # kind -> record type -> the least number of documents of that type
    required: dict[str, dict[str, int]]

    def for_kind(self, kind: str) -> dict[str, int]:
        return self.required.get(kind, {})


@dataclass(frozen=True)
class Missing:
    type: str
    required: int
    present: int


def missing(checklist: Checklist, *, kind: str, counts: Mapping[str, int]) -> list[Missing]:
    """What a customer of ``kind`` holding ``counts`` (type -> documents) lacks,
    in the checklist's order; empty when the file is complete."""
    return [Missing(type_, least, counts.get(type_, 0))
            for type_, least in checklist.for_kind(kind).items() if counts.get(type_, 0) < least]


DEFAULT_CHECKLIST_PATH = Path(__file__).resolve().parent.parent / "completeness_checklist.toml"


def load_checklist(path: Path = DEFAULT_CHECKLIST_PATH) -> Checklist:
    """Read and validate the checklist; any error names the file and line."""
    text, data = read_toml(path, code="invalid_checklist")
    unknown = set(data) - {"kinds"}
    if unknown:
        raise InvalidInput(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; "
                           "expected [kinds.<kind>]", code="invalid_checklist")
    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise InvalidInput(f"{path}: kinds must be a table", code="invalid_checklist")
    required: dict[str, dict[str, int]] = {}
    for kind, entry in kinds.items():
        where = f"{path} line {line_of(text, 'kinds', kind)}: [kinds.{kind}]"
        required[kind] = _entry(kind, entry, where, text, path)
    return Checklist(required=required)


def _entry(kind: str, entry: object, where: str, text: str, path: Path) -> dict[str, int]:
    if kind not in {k.value for k in CustomerKind}:
        raise InvalidInput(f"{where}: unknown customer kind {kind!r}", code="invalid_checklist",
                           detail={"known": [k.value for k in CustomerKind]})
    if not isinstance(entry, dict):
        raise InvalidInput(f"{where}: must be a table of record types", code="invalid_checklist")
    types: dict[str, int] = {}
    for type_, least in entry.items():
        at = f"{path} line {line_of(text, 'kinds', type_, after=kind)}: [kinds.{kind}] {type_}"
        if type_ not in DOCUMENT_TYPE_CODES:
            raise InvalidInput(f"{at}: unknown record type {type_!r}", code="invalid_checklist",
                               detail={"known": sorted(DOCUMENT_TYPE_CODES)})
        if not isinstance(least, int) or isinstance(least, bool) or not 1 <= least <= 1000:
            raise InvalidInput(f"{at}: the count must be a whole number from 1 to 1000, "
                               f"not {least!r}", code="invalid_checklist")
        types[type_] = least
    return types

