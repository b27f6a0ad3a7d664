"""The rules of corrections (著录修改), shared/domain/corrections.py: who may
correct, how values are read, and when retention may not be shortened."""
from __future__ import annotations

from datetime import date

import pytest

from shared.domain.corrections import (
    Editor,
    changes_between,
    check_may_confirm,
    check_may_correct,
    check_retention_change,
    corrected,
    read_correction,
    shortens,
)
from shared.domain.errors import Conflict, DanganError, InvalidInput, PermissionDenied
from shared.domain.metadata import NewDocument

CLERK = Editor(username="li", role="clerk", clearance=2)
ARCHIVIST = Editor(username="wang", role="archivist", clearance=2)
TODAY = date(2026, 6, 1)
BEFORE = NewDocument(type="contract", title="租赁合同", document_date=date(2024, 3, 15), secrecy=3)


def code_of(call: object) -> str:
    with pytest.raises(DanganError) as raised:
        call()  # type: ignore[operator]
    return raised.value.code


def test_a_clerk_corrects_only_their_own_uploads_until_confirmed() -> None:
    check_may_correct(CLERK, created_by="li", confirmed=False, secrecy=3)
    assert code_of(lambda: check_may_correct(CLERK, created_by="zhao", confirmed=False,
                                             secrecy=3)) == "not_your_document"
    assert code_of(lambda: check_may_correct(CLERK, created_by="li", confirmed=True,
                                             secrecy=3)) == "document_confirmed"


def test_an_archivist_corrects_any_record_within_clearance_even_confirmed() -> None:
    check_may_correct(ARCHIVIST, created_by="zhao", confirmed=True, secrecy=2)
    assert code_of(lambda: check_may_correct(ARCHIVIST, created_by="zhao", confirmed=False,
                                             secrecy=1)) == "insufficient_clearance"


@pytest.mark.parametrize("role", ["staff", "auditor", "admin", "general_manager"])
def test_no_other_role_corrects(role: str) -> None:
    editor = Editor(username="li", role=role, clearance=1)
    with pytest.raises(PermissionDenied):
        check_may_correct(editor, created_by="li", confirmed=False, secrecy=3)


def test_only_an_archivist_confirms_and_only_once() -> None:
    assert code_of(lambda: check_may_confirm(CLERK, secrecy=3, confirmed=False)) == \
        "confirm_needs_archivist"
    check_may_confirm(ARCHIVIST, secrecy=3, confirmed=False)
    assert code_of(lambda: check_may_confirm(ARCHIVIST, secrecy=3, confirmed=True)) == \
        "already_confirmed"


@pytest.mark.parametrize("raw", [2, "2", " 2 "])
def test_a_secrecy_level_reads_as_json_or_text(raw: object) -> None:
    assert read_correction({"reason": "改", "secrecy": raw}).values == {"secrecy": 2}


@pytest.mark.parametrize("raw, code", [(True, "invalid_request"), ("２", "invalid_secrecy"),
                                       ("", "invalid_secrecy")])
def test_a_secrecy_level_that_is_not_1_2_or_3_is_refused(raw: object, code: str) -> None:
    def attempt() -> None:
        found = read_correction({"reason": "改", "secrecy": raw})
        corrected(BEFORE, found, today=TODAY, clearance=None)

    assert code_of(attempt) == code


def test_true_and_1_in_a_custom_field_are_two_values() -> None:
    before = NewDocument(type="contract", title="合同", custom_fields={"盖章": 1})
    after = corrected(before, read_correction({"reason": "改", "custom_fields": {"盖章": True}}),
                      today=TODAY, clearance=None)
    assert changes_between(before, after) == {"custom_fields": ({"盖章": 1}, {"盖章": True})}


def test_a_new_date_is_checked_with_the_validity_it_bounds() -> None:
    limited = NewDocument(type="contract", title="合同", document_date=date(2024, 3, 15),
                          valid_until=date(2025, 3, 14))
    with pytest.raises(InvalidInput, match="before document_date"):
        corrected(limited, read_correction({"reason": "改", "document_date": "2025-04-01"}),
                  today=TODAY, clearance=None)


def test_never_and_pending_are_later_than_any_date() -> None:
    assert shortens(None, date(2054, 1, 1))
    assert shortens(date(2054, 3, 15), date(2054, 1, 1))
    assert not shortens(date(2054, 3, 15), None)
    assert not shortens(date(2054, 3, 15), date(2054, 3, 15))


def test_a_held_or_listed_record_is_never_shortened_but_may_be_lengthened() -> None:
    earlier, later = date(2030, 1, 1), date(2040, 1, 1)
    for held, listed in ((True, False), (False, True)):
        with pytest.raises(Conflict):
            check_retention_change(before=later, after=earlier, held=held, listed=listed)
        check_retention_change(before=earlier, after=later, held=held, listed=listed)
    check_retention_change(before=later, after=earlier, held=False, listed=False)
