"""The model of an upload's fields (shared/domain/metadata.py UPLOAD_FIELDS):
what each field reads, what it refuses with which code, and how it describes
itself to the OpenAPI schema. No IO."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared.domain.errors import DanganError
from services.ingest import FIELDS, UPLOAD_FIELDS, NewDocument

TODAY = date(2024, 6, 30)
GOOD = {"type": "contract", "title": "房屋租赁合同"}


def read(fields: dict[str, str], *, extra: dict[str, Any] | None = None,
         clearance: int | None = None) -> NewDocument:
    meta = NewDocument.from_fields(fields, extra=extra)
    meta.validate(today=TODAY, clearance=clearance)
    return meta


def refusal(fields: dict[str, str], *, clearance: int | None = None) -> DanganError:
    with pytest.raises(DanganError) as caught:
        read({**GOOD, **fields}, clearance=clearance)
    return caught.value


@pytest.mark.parametrize("fields, attribute, expected", [
    ({}, "customer", None),
    ({"customer": "  C001 "}, "customer", "C001"),
    ({"type": " contract "}, "type", "contract"),
    ({"title": " 借款合同\u3000"}, "title", "借款合同"),
    ({}, "document_date", None),
    ({"document_date": "2024-03-15"}, "document_date", date(2024, 3, 15)),
    ({"document_date": "1900-01-01"}, "document_date", date(1900, 1, 1)),
    ({"document_date": TODAY.isoformat()}, "document_date", TODAY),
    ({}, "secrecy", 3),
    ({"secrecy": " 1 "}, "secrecy", 1),
    ({"tags": "租赁, 2024;;续签 ,"}, "tags", ["租赁", "2024", "续签"]),
    ({"tags": "x" * 100}, "tags", ["x" * 100]),
    ({"location": "A-03/12"}, "location", "A-03/12"),
    ({"location": "A" * 255}, "location", "A" * 255),
    ({"location": " "}, "location", None),
    ({"title": "题" * 500}, "title", "题" * 500),
    ({"custom_fields": ""}, "custom_fields", {}),
    ({"custom_fields": '{"box": "B-1", "pages": 3, "ok": true, "seen": ["a", 1], "no": null}'},
     "custom_fields", {"box": "B-1", "pages": 3, "ok": True, "seen": ["a", 1], "no": None}),
], ids=lambda value: repr(value)[:40])
def test_a_field_reads_its_text(fields: dict[str, str], attribute: str, expected: Any) -> None:
    assert getattr(read({**GOOD, **fields}), attribute) == expected


def test_extra_custom_fields_join_those_of_the_json_and_win() -> None:
    meta = read({**GOOD, "custom_fields": '{"box": "B-1", "shelf": "S-2"}'}, extra={"box": "B-9"})
    assert meta.custom_fields == {"box": "B-9", "shelf": "S-2"}


def test_names_outside_the_model_are_not_read() -> None:
    assert read({**GOOD, "date": "2024-03-15", "box": "B-1"}) == NewDocument(**GOOD)


@pytest.mark.parametrize("fields, code, field", [
    ({"type": ""}, "invalid_request", "type"),
    ({"title": "  "}, "invalid_request", "title"),
    ({"type": "invoice"}, "unknown_document_type", None),
    ({"title": "题" * 501}, "invalid_title", None),
    ({"title": "合同\x00附件"}, "invalid_request", "title"),
    ({"title": "合同\n附件"}, "invalid_request", "title"),
    ({"customer": "C" * 65}, "invalid_request", "customer"),
    ({"customer": "C001\x00"}, "invalid_request", "customer"),
    ({"location": "A" * 256}, "invalid_request", "location"),
    ({"location": "A\r\nB"}, "invalid_request", "location"),
    ({"tags": "正常,坏\x07标签"}, "invalid_request", "tag"),
    ({"tags": "正常," + "x" * 101}, "invalid_request", "tag"),
    ({"secrecy": "7"}, "invalid_secrecy", None),
    ({"secrecy": "0"}, "invalid_secrecy", None),
    ({"secrecy": "²"}, "invalid_secrecy", None),
    ({"secrecy": "２"}, "invalid_secrecy", None),
    ({"secrecy": "1.0"}, "invalid_secrecy", None),
    ({"document_date": "15/03/2024"}, "invalid_request", "document_date"),
    ({"document_date": "2024-02-30"}, "invalid_request", "document_date"),
    ({"document_date": "0001-01-01"}, "invalid_document_date", None),
    ({"document_date": "1899-12-31"}, "invalid_document_date", None),
    ({"document_date": "2024-07-01"}, "invalid_document_date", None),
    ({"custom_fields": "not json"}, "invalid_request", "custom_fields"),
    ({"custom_fields": "[1, 2]"}, "invalid_request", "custom_fields"),
    ({"custom_fields": '"text"'}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"a": {"b": 1}}'}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"a": [[1]]}'}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"a": NaN}'}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"a": "\\ud800"}'}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"\\udfff": 1}'}, "invalid_request", "custom_fields"),
    ({"custom_fields": "[" * 30_000 + "]" * 30_000}, "invalid_request", "custom_fields"),
    ({"custom_fields": '{"a":' + "9" * 5000 + "}"}, "invalid_request", "custom_fields"),
], ids=lambda value: repr(value)[:40])
def test_a_bad_value_is_refused_with_its_code(fields: dict[str, str], code: str,
                                              field: str | None) -> None:
    error = refusal(fields)
    assert error.code == code
    assert error.message
    if field is not None:
        assert error.detail["field"] == field


@pytest.mark.parametrize("secrecy, clearance, allowed", [
    ("3", 3, True), ("2", 3, False), ("1", 2, False), ("1", 1, True), ("1", None, True),
])
def test_secrecy_is_within_the_uploaders_clearance(secrecy: str, clearance: int | None,
                                                   allowed: bool) -> None:
    if allowed:
        assert read({**GOOD, "secrecy": secrecy}, clearance=clearance).secrecy == int(secrecy)
    else:
        assert refusal({"secrecy": secrecy}, clearance=clearance).code == "secrecy_above_clearance"


def test_a_document_built_in_code_meets_the_same_rules() -> None:
    with pytest.raises(DanganError) as caught:
        NewDocument(type="contract", title="合同", location="A" * 256).validate(today=TODAY)
    assert caught.value.detail["field"] == "location"


def test_the_model_names_each_field_of_a_new_document_once() -> None:
    names = [spec.name for spec in UPLOAD_FIELDS]
    assert len(names) == len(set(names)) == len(FIELDS)
    assert set(names) == set(NewDocument.__dataclass_fields__)
    assert [spec.name for spec in UPLOAD_FIELDS if spec.required] == ["type", "title"]


@pytest.mark.parametrize("name, term", [
    ("customer", "客户编号"), ("type", "档案类型"), ("title", "题名"), ("document_date", "文件日期"),
    ("secrecy", "密级"), ("tags", "标签"), ("location", "存放位置"), ("custom_fields", "自定义字段"),
])
def test_each_field_describes_itself_with_its_chinese_term(name: str, term: str) -> None:
    schema = next(spec for spec in UPLOAD_FIELDS if spec.name == name).schema()
    assert schema["type"] in {"string", "integer"}
    assert term in schema["description"]


@pytest.mark.parametrize("name, key, value", [
    ("customer", "maxLength", 64), ("title", "maxLength", 500), ("location", "maxLength", 255),
    ("secrecy", "enum", [1, 2, 3]), ("secrecy", "default", 3), ("document_date", "format", "date"),
    ("type", "enum", ["business_licence", "contract", "correspondence", "credit_report",
                      "id_copy", "other"]),
])
def test_a_fields_schema_states_its_limits(name: str, key: str, value: Any) -> None:
    assert next(spec for spec in UPLOAD_FIELDS if spec.name == name).schema()[key] == value


@pytest.mark.parametrize("names, refused", [
    ((), False), (("customer", "document_date", "custom_fields"), False),
    (("box",), True), (("date",), True), (("file",), True), (("title", "Title"), True),
])
def test_a_form_knows_only_the_models_fields(names: tuple[str, ...], refused: bool) -> None:
    form = {**GOOD, **{name: "" for name in names}}
    if not refused:
        assert NewDocument.from_form(form, file_field="file").type == "contract"
        return
    with pytest.raises(DanganError) as caught:
        NewDocument.from_form(form, file_field="file")
    assert caught.value.code == "invalid_request"
    assert caught.value.detail["allowed"] == sorted(FIELDS | {"file"})
