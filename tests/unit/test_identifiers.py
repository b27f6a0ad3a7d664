"""Identifiers of customers: the unified social credit code (GB 32100, with the
organisation code's own check, GB 11714) and the resident ID number (GB 11643)."""
from __future__ import annotations

import pytest

from shared.domain.errors import InvalidInput
from shared.domain.identifiers import (
    CREDIT_CODE_CHARACTERS,
    check_credit_code,
    check_id_number,
    credit_code_check_character,
    credit_code_problem,
    id_number_check_character,
    id_number_problem,
    organisation_code_check_character,
    valid_resident_id,
)
from services.search.id_numbers import valid_resident_id as searched_valid

KNOWN_CREDIT_CODE = "91350100M000100Y43"  # a published valid example
KNOWN_ID_NUMBER = "11010519491231002X"  # the GB 11643 example


def test_a_known_credit_code_is_valid() -> None:
    assert credit_code_problem(KNOWN_CREDIT_CODE) is None


def test_the_check_characters_of_the_known_code_are_computed() -> None:
    assert credit_code_check_character(KNOWN_CREDIT_CODE[:17]) == "3"
    assert organisation_code_check_character("M000100Y") == "4"


def test_a_wrong_check_character_is_named() -> None:
    wrong = KNOWN_CREDIT_CODE[:17] + "4"
    assert credit_code_problem(wrong) == "check character"


def test_a_wrong_organisation_code_is_named_even_with_a_fitting_check_character() -> None:
    body = KNOWN_CREDIT_CODE[:16] + "5"  # organisation code's check digit 4 -> 5
    code = body + credit_code_check_character(body)
    assert credit_code_problem(code) == "organisation code check character"


def test_letters_outside_gb_32100_are_refused() -> None:
    for letter in "IOZSV":
        assert letter not in CREDIT_CODE_CHARACTERS
    assert credit_code_problem("91350100M000100I43") == "characters"
    assert credit_code_problem("91350100m000100y43") == "characters"


def test_a_credit_code_of_the_wrong_length_is_named() -> None:
    assert credit_code_problem(KNOWN_CREDIT_CODE[:17]) == "length"


def test_a_computed_credit_code_is_valid() -> None:
    body = "91110000" + "60000001"
    code = body + organisation_code_check_character(body[8:])
    code += credit_code_check_character(code)
    assert credit_code_problem(code) is None


def test_a_known_id_number_is_valid_with_either_x() -> None:
    assert id_number_problem(KNOWN_ID_NUMBER) is None
    assert id_number_problem(KNOWN_ID_NUMBER.lower()) is None
    assert id_number_check_character(KNOWN_ID_NUMBER[:17]) == "X"


def test_a_wrong_id_check_digit_is_named() -> None:
    assert id_number_problem(KNOWN_ID_NUMBER[:17] + "1") == "check digit"


def test_an_id_number_of_letters_or_the_wrong_length_is_named() -> None:
    assert id_number_problem("1101051949123100") == "length"
    assert id_number_problem("1101051949123X002X") == "characters"


def test_search_masking_uses_the_same_rule() -> None:
    assert searched_valid is valid_resident_id


def test_a_refused_credit_code_names_its_check() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_credit_code(KNOWN_CREDIT_CODE[:17] + "4")
    assert refused.value.code == "invalid_credit_code"
    assert "check character" in refused.value.message


def test_a_refused_id_number_names_its_check_and_does_not_echo_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_id_number(KNOWN_ID_NUMBER[:17] + "1")
    assert refused.value.code == "invalid_id_number"
    assert "check digit" in refused.value.message
    assert KNOWN_ID_NUMBER[:17] not in refused.value.message
    assert check_id_number(KNOWN_ID_NUMBER.lower()) == KNOWN_ID_NUMBER
