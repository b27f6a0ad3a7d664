"""Text analysis (CJK bigrams), the query language and highlights."""
from __future__ import annotations

import pytest

from shared.domain.errors import InvalidInput
from services.search.analysis import terms, tokens
from services.search.highlight import snippets
from services.search.query import Clause, masked_forms, parse


def test_a_chinese_run_becomes_overlapping_bigrams() -> None:
    assert terms("租赁合同书") == ["租赁", "赁合", "合同", "同书"]


def test_a_lone_chinese_character_is_kept() -> None:
    assert terms("第 3 条") == ["第", "3", "条"]


def test_letters_and_digits_next_to_chinese_are_separate_words() -> None:
    assert terms("附件33合同清单ABC鹭洲") == ["附件", "33", "合同", "同清", "清单", "abc", "鹭洲"]


def test_latin_words_are_folded() -> None:
    assert terms("Lease CONTRACT ｌｅａｓｅ") == ["lease", "contract", "lease"]


def test_tokens_carry_offsets_into_the_original() -> None:
    text = "甲方：Lease"
    assert [(t.text, text[t.start:t.end]) for t in tokens(text)] == [("甲方", "甲方"), ("lease", "Lease")]


def test_query_words_phrases_and_exclusions() -> None:
    clauses = parse('合同 "lease contract" -担保 鹭洲贸易')
    assert [(c.terms, c.exclude) for c in clauses] == [
        (("合同",), False), (("lease", "contract"), False), (("担保",), True),
        (("鹭洲", "洲贸", "贸易"), False)]


def test_a_query_of_only_exclusions_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not excluded"):
        parse("-担保 -借款")


def test_punctuation_only_is_an_empty_query() -> None:
    assert parse('  ，。 "" ') == ()


def test_snippets_mark_every_match_and_escape_html() -> None:
    text = "<b>甲方</b> 厦门鹭洲贸易有限公司 签订租赁合同"
    found = snippets(text, parse("甲方 租赁合同"))
    assert found == ["&lt;b&gt;<em>甲方</em>&lt;/b&gt; 厦门鹭洲贸易有限公司 签订<em>租赁合同</em>"]


def test_snippets_ignore_excluded_words_and_scattered_characters() -> None:
    assert snippets("合作 同意 担保", parse("合同")) == []
    assert snippets("合同 担保", parse("合同 -担保")) == ["<em>合同</em> 担保"]


@pytest.mark.parametrize("query", ["合同", "租赁合同", '"lease contract"', "33", "第", "鹭洲 Lease",
                                   "ABC鹭洲", "contract"])
def test_fast_highlight_spans_agree_with_the_tokens(query: str) -> None:
    from services.search.highlight import _token_spans, spans

    text = ("第 3 条 甲方：厦门鹭洲贸易 Lease  Contract, lease-contract; 附件33合同清单ABC鹭洲 "
            "租赁合同书 合作 同意 contracts Contract.")
    clauses = parse(query)
    assert spans(text, clauses) == _token_spans(text, list(clauses))
    assert spans(text, clauses)


def test_compatibility_forms_are_analysed_as_the_ordinary_characters() -> None:
    # Kangxi radicals, a compatibility ideograph, full-width Latin, an enclosed form
    assert terms("\u2f00つ \u2fa6額 \uf90a額 ＡＢＣ \u3231") == terms("一つ 金額 金額 abc (株)")
    assert terms("\u2f00つ") == ["一つ"]  # no longer dropped as a symbol


def test_tokens_of_normalised_text_point_into_the_original() -> None:
    text = "厦门\u3231鹭洲 ＡＢＣ \u2f00つ"  # ㈱ grows to (株): everything after it shifts
    assert [(t.text, text[t.start:t.end]) for t in tokens(text)] == [
        ("厦门", "厦门"), ("株", "\u3231"), ("鹭洲", "鹭洲"), ("abc", "ＡＢＣ"), ("一つ", "\u2f00つ")]


@pytest.mark.parametrize("text", ["㈱鹭洲", "ｶﾞｷﾞｸﾞ", "cafe\u0301 Ｃａｆé", "ﬁle ①② Ⅻ", "\u1100\u1161\u11a8",
                                  "e\u0323\u0301 \u09c7\u09be", "\U0002f800\u2f00\uf90a", "平常的文字"])
def test_normalise_is_nfkc_and_maps_back_to_the_original(text: str) -> None:
    import unicodedata

    from services.search.analysis import normalise

    norm = normalise(text)
    assert norm.text == unicodedata.normalize("NFKC", text)
    for i in range(len(norm.text)):
        start, end = norm.original_start(i), norm.original_end(i + 1)
        assert unicodedata.normalize("NFKC", text[start:end]).find(norm.text[i]) >= 0


def test_snippets_mark_the_original_characters_of_a_normalised_match() -> None:
    text = "厦门\u3231鹭洲贸易 签订 \u2fa6額 ＡＢＣ"
    assert snippets(text, parse("鹭洲 金額 abc")) == [
        "厦门\u3231<em>鹭洲</em>贸易 签订 <em>\u2fa6額</em> <em>ＡＢＣ</em>"]


@pytest.mark.parametrize("query", ["株", "鹭洲贸易", "金額", "abc", '"abc 商事"', "一つ"])
def test_fast_highlight_spans_agree_with_the_tokens_of_normalised_text(query: str) -> None:
    from services.search.highlight import _token_spans, spans

    text = "厦门\u3231鹭洲贸易 \u2fa6額 ＡＢＣ商事 \u2f00つの箱 ㍻ ｶﾞｽ"
    clauses = parse(query)
    assert spans(text, clauses) == _token_spans(text, list(clauses))
    assert spans(text, clauses)


def test_an_id_number_in_a_query_has_a_masked_form_beside_the_typed_one() -> None:
    _, clause = parse("合同 -11010519491231002X")
    masked, typed = masked_forms(clause)
    assert masked == Clause(raw="110105********002X", terms=("110105", "002x"), exclude=True)
    assert typed == clause


def test_a_query_without_an_id_number_is_searched_as_typed() -> None:
    assert [masked_forms(c) for c in parse('合同 "lease contract" 19491231')] == [
        (c,) for c in parse('合同 "lease contract" 19491231')]
