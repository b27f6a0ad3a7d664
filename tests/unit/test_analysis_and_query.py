"""Text analysis (CJK bigrams), the query language and highlights."""
from __future__ import annotations

import pytest

from shared.domain.errors import InvalidInput
from services.search.analysis import terms, tokens
from services.search.highlight import snippets
from services.search.query import parse


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
