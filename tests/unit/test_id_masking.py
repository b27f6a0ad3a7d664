"""Resident ID numbers (公民身份号码) in snippets for clearance-3 readers: masked
in every form people write them (SPEC §4, PIPL), and only where the check
digit makes them ID numbers."""
from __future__ import annotations

import pytest

from services.search.highlight import snippets
from services.search.id_numbers import mask_resident_ids
from services.search.query import parse

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.mark.parametrize(("written", "masked"), [
    ("11010519491231002X", "110105********002X"),
    ("11010519491231002x", "110105********002x"),  # a lower-case check character
    ("11010519491231002X".translate(FULL_WIDTH), "１１０１０５********００２Ｘ"),
    ("110105 19491231 002X", "110105 ******** 002X"),
    ("110105-1949-1231-002X", "110105-****-****-002X"),
    ("110105－19491231－002X", "110105－********－002X"),  # full-width hyphens
    ("1101 0519 4912 3100 2X", "1101 05** **** **00 2X"),
    ("110105\u300019491231002X", "110105\u3000********002X"),  # an ideographic space
    ("110105\n19491231002X", "110105\n********002X"),  # broken over two lines
    ("身份证号：11010519491231002X。", "身份证号：110105********002X。"),
])
def test_an_id_number_is_masked_however_it_is_written(written: str, masked: str) -> None:
    assert mask_resident_ids(written) == masked
    assert len(mask_resident_ids(written)) == len(written)  # offsets of matches still fit


@pytest.mark.parametrize("text", [
    "110105194912310021",  # the check digit does not hold: not an ID number
    "合同编号 2024031500012345 金额",  # 16 digits
    "1101051949123100201",  # 19 digits: part of a longer number
    "110105   19491231002X",  # three spaces: two numbers, not one
])
def test_what_is_not_an_id_number_is_left_alone(text: str) -> None:
    assert mask_resident_ids(text) == text


def test_a_snippet_for_a_masked_reader_shows_no_hidden_digit() -> None:
    text = "担保人 张三 身份证 １１０１０５ １９４９１２３１ ００２Ｘ 签字"
    shown = " ".join(snippets(text, tuple(parse("担保人")), mask_ids=True))
    assert "１９４９" not in shown and "********" in shown
    assert "１９４９" in " ".join(snippets(text, tuple(parse("担保人"))))


MATHEMATICAL = str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")  # what NFKC reads as digits


def test_digits_that_nfkc_reads_as_digits_are_masked_as_well() -> None:
    written = "11010519491231002X".translate(MATHEMATICAL)
    assert mask_resident_ids(written) == "𝟏𝟏𝟎𝟏𝟎𝟓********𝟎𝟎𝟐X"


def test_a_stray_digit_before_an_id_number_does_not_hide_it() -> None:
    assert mask_resident_ids("第1 11010519491231002X") == "第1 110105********002X"
    assert mask_resident_ids("7-11010519491231002X") == "7-110105********002X"


def test_a_number_typed_into_a_query_is_masked_whatever_its_check_digit() -> None:
    guess = "110105197001020022"  # another birth date: the check digit no longer holds
    assert mask_resident_ids(guess) == guess
    assert mask_resident_ids(guess, checked=False) == "110105********0022"
    assert mask_resident_ids("合同编号 2024031500012345", checked=False) == "合同编号 2024031500012345"


def test_a_masked_reader_s_snippet_marks_no_hidden_digit() -> None:
    text = "成立于1949年 担保人 110105-1949-1231-002X"
    shown = " ".join(snippets(text, tuple(parse("1949")), mask_ids=True))
    assert "<em>1949</em>年" in shown and "110105-****-****-002X" in shown
    assert shown.count("<em>") == 1


def test_a_masked_reader_s_snippet_marks_the_number_typed_as_its_masked_form() -> None:
    text = "担保人 11010519491231002X 签字"
    for typed in ("11010519491231002X", "11010519700102002X"):  # right or wrong birth date
        shown = " ".join(snippets(text, tuple(parse(typed)), mask_ids=True))
        assert shown == "担保人 <em>110105********002X</em> 签字"
