"""One behaviour suite for every SearchIndex: the embedded engine and a real
OpenSearch node (started by `make test`; skipped, with the reason on the
summary line, only where Java or Maven is missing)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.domain.access import AccessScope, scope_of
from shared.domain.errors import SearchUnavailable
from services.search import IndexedDocument, SearchIndex, SearchQuery, parse
from services.search.embedded import VERSION_FILE, EmbeddedIndex
from services.search.id_numbers import valid_resident_id
from tests.conftest import opensearch_url

EVERY_LEVEL = AccessScope(clearance=1)  # sees every secrecy level; not an archivist


@pytest.fixture(params=["embedded", "opensearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "embedded":
        engine: SearchIndex = EmbeddedIndex(tmp_path / "index")
    else:
        url = opensearch_url()
        from services.search.opensearch import OpenSearchIndex

        engine = OpenSearchIndex(url, alias=f"t-{uuid.uuid4().hex[:12]}")
    yield engine
    engine.close()


def doc(id: str, text: str, *, title: str = "档案", type: str = "contract", secrecy: int = 3,
        customer: str = "C001", day: date = date(2024, 3, 1), status: str = "archived",
        term: str = "long") -> IndexedDocument:
    return IndexedDocument(id=id, archive_number=f"KH01-{day.year}-D30-HT-{id}", title=title,
                           text=text, type=type, secrecy=secrecy, status=status, term=term,
                           customer=customer, document_date=day)


CORPUS = [
    doc("00001", "甲方：厦门鹭洲贸易有限公司 乙方：同安建材 签订房屋租赁合同。Lease contract."),
    doc("00002", "合作意向书：双方同意合作。甲乙双方就货物买卖达成一致。", type="correspondence",
        day=date(2023, 5, 2), term="short"),
    doc("00003", "营业执照 统一社会信用代码 91350200 厦门鹭洲贸易", type="business_licence",
        customer="C002", day=date(2021, 1, 9), term="short"),
    doc("00004", "Credit report for the guarantor. 担保 合同 金额 100 万元", type="credit_report",
        secrecy=2, day=date(2022, 7, 7), term="short"),
    doc("00005", "秘密 借款合同 甲方 鹭洲", secrecy=1, day=date(2024, 11, 11)),
]


def ids(index: SearchIndex, q: str, **filters: Any) -> list[str]:
    scope = AccessScope(clearance=filters.pop("clearance", 1))
    result = index.search(SearchQuery(scope=scope, clauses=parse(q), size=50, **filters))
    assert result.total == len(result.hits)
    return sorted(h.id for h in result.hits)


@pytest.fixture
def loaded(index: SearchIndex) -> SearchIndex:
    index.upsert(CORPUS)
    return index


def test_a_two_character_chinese_word_matches(loaded: SearchIndex) -> None:
    assert ids(loaded, "合同") == ["00001", "00004", "00005"]
    assert ids(loaded, "甲方") == ["00001", "00005"]
    assert ids(loaded, "鹭洲") == ["00001", "00003", "00005"]


def test_scattered_characters_do_not_match(loaded: SearchIndex) -> None:
    # 00002 has 合 (合作) and 同 (同意) but never 合同 together
    assert "00002" not in ids(loaded, "合同")
    assert ids(loaded, "甲同") == []


def test_a_longer_chinese_word_matches_as_a_whole(loaded: SearchIndex) -> None:
    assert ids(loaded, "鹭洲贸易") == ["00001", "00003"]
    assert ids(loaded, "租赁合同") == ["00001"]
    assert ids(loaded, "借款合同") == ["00005"]


def test_english_words_are_case_insensitive(loaded: SearchIndex) -> None:
    assert ids(loaded, "LEASE") == ["00001"]
    assert ids(loaded, "guarantor") == ["00004"]


def test_quoted_phrases_need_adjacent_words(loaded: SearchIndex) -> None:
    assert ids(loaded, '"lease contract"') == ["00001"]
    assert ids(loaded, '"contract lease"') == []
    assert ids(loaded, '"credit report"') == ["00004"]


def test_all_words_are_required(loaded: SearchIndex) -> None:
    assert ids(loaded, "合同 甲方") == ["00001", "00005"]
    assert ids(loaded, "合同 guarantor") == ["00004"]


def test_minus_excludes_a_word(loaded: SearchIndex) -> None:
    assert ids(loaded, "合同 -担保") == ["00001", "00005"]
    assert ids(loaded, "鹭洲 -营业执照 -借款") == ["00001"]


def test_filters_by_customer_type_year_dates_term_and_status(loaded: SearchIndex) -> None:
    assert ids(loaded, "鹭洲", customer="C002") == ["00003"]
    assert ids(loaded, "合同", type="credit_report") == ["00004"]
    assert ids(loaded, "", year=2024) == ["00001", "00005"]
    assert ids(loaded, "", date_from=date(2022, 1, 1), date_to=date(2023, 12, 31)) == ["00002", "00004"]
    assert ids(loaded, "", term="short") == ["00002", "00003", "00004"]
    assert ids(loaded, "", status="due") == []


def test_clearance_hides_more_sensitive_documents(loaded: SearchIndex) -> None:
    assert ids(loaded, "合同", clearance=1) == ["00001", "00004", "00005"]
    assert ids(loaded, "合同", clearance=2) == ["00001", "00004"]
    assert ids(loaded, "合同", clearance=3) == ["00001"]
    hidden = loaded.search(SearchQuery(scope=AccessScope(clearance=2), clauses=parse("借款")))
    assert hidden.total == 0 and hidden.hits == []
    assert sum(hidden.facets["type"].values()) == 0 and sum(hidden.facets["year"].values()) == 0


def test_facets_count_by_type_and_year(loaded: SearchIndex) -> None:
    result = loaded.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse("合同")))
    assert result.facets["type"] == {"contract": 2, "credit_report": 1}
    assert result.facets["year"] == {"2024": 2, "2022": 1}


def test_every_hit_carries_a_highlight_from_the_original_text(loaded: SearchIndex) -> None:
    result = loaded.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse('鹭洲 "lease contract"')))
    assert [h.id for h in result.hits] == ["00001"]
    highlight = " ".join(result.hits[0].highlights)
    assert "<em>鹭洲</em>" in highlight and "<em>Lease contract</em>" in highlight


def test_sort_by_date_and_pagination(loaded: SearchIndex) -> None:
    newest = loaded.search(SearchQuery(scope=EVERY_LEVEL, sort="-date", size=2))
    assert newest.total == 5 and [h.id for h in newest.hits] == ["00005", "00001"]
    oldest = loaded.search(SearchQuery(scope=EVERY_LEVEL, sort="date", size=2, page=2))
    assert [h.id for h in oldest.hits] == ["00002", "00001"]
    assert loaded.search(SearchQuery(scope=EVERY_LEVEL, sort="date", size=2, page=3)).hits[0].id == "00005"


def test_upsert_replaces_and_delete_removes(loaded: SearchIndex) -> None:
    loaded.upsert([doc("00001", "改写后的内容 没有那个词")])
    assert ids(loaded, "租赁合同") == []
    assert ids(loaded, "改写") == ["00001"]
    loaded.delete(["00001"])
    assert ids(loaded, "改写") == []
    assert loaded.ids() == {"00002", "00003", "00004", "00005"}


def test_rebuild_switches_to_a_fresh_index(loaded: SearchIndex) -> None:
    assert loaded.rebuild(iter(CORPUS[:2])) == 2
    assert loaded.ids() == {"00001", "00002"}
    assert ids(loaded, "合同") == ["00001"]


def test_deep_pages_match_one_long_listing(index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.search.opensearch as adapter

    monkeypatch.setattr(adapter, "WINDOW", 4)  # force OpenSearch onto search_after
    index.upsert([doc(f"{n:05d}", f"租赁合同 第{n}号", day=date(2000 + n, 1, 1)) for n in range(1, 13)])
    everything = index.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse("租赁合同"), sort="date", size=12))
    pages = [index.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse("租赁合同"), sort="date", size=5,
                                      page=n)) for n in (1, 2, 3)]
    assert [h.id for p in pages for h in p.hits] == [h.id for h in everything.hits]
    assert all(p.total == 12 for p in pages)


def test_a_grant_opens_exactly_its_documents(loaded: SearchIndex) -> None:
    lent = loaded.search(SearchQuery(scope=AccessScope(clearance=3, granted=frozenset({"00005"})),
                                     clauses=parse("合同")))
    assert sorted(h.id for h in lent.hits) == ["00001", "00005"]
    assert lent.total == 2 and lent.facets["type"] == {"contract": 2}


def test_restricted_documents_are_for_archivists_only(index: SearchIndex) -> None:
    index.upsert([doc("00009", "身份证 复印件", type="id_copy"),
                  IndexedDocument(id="00010", archive_number="KH01-2024-D3-SF-00010", title="身份证",
                                  text="身份证 复印件 已销户", type="id_copy", secrecy=3,
                                  status="archived", term="short", customer="C001", restricted=True)])
    assert ids(index, "复印件", clearance=1) == ["00009"]
    archivist = index.search(SearchQuery(scope=AccessScope(clearance=1, restricted_ok=True),
                                         clauses=parse("复印件")))
    assert sorted(h.id for h in archivist.hits) == ["00009", "00010"]


def test_the_restriction_adds_to_clearance_and_grants(index: SearchIndex) -> None:
    index.upsert([IndexedDocument(id="00012", archive_number="KH01-2024-D3-SF-00012", title="身份证",
                                  text="身份证 复印件 一级", type="id_copy", secrecy=1,
                                  status="archived", term="short", customer="C001", restricted=True)])
    for scope in (AccessScope(clearance=3, restricted_ok=True),  # an archivist short of clearance
                  AccessScope(clearance=1, granted=frozenset({"00012"}))):  # lent to a non-archivist
        found = index.search(SearchQuery(scope=scope, clauses=parse("复印件")))
        assert found.total == 0 and found.hits == []
    lent = AccessScope(clearance=3, granted=frozenset({"00012"}), restricted_ok=True)
    assert [h.id for h in index.search(SearchQuery(scope=lent, clauses=parse("复印件"))).hits] == ["00012"]


def test_resident_ids_are_masked_on_request(index: SearchIndex) -> None:
    index.upsert([doc("00011", "担保人 11010519491231002X")])
    masked = index.search(SearchQuery(scope=AccessScope(clearance=1, mask_ids=True),
                                      clauses=parse("担保人")))
    assert "110105********002X" in masked.hits[0].highlights[0]
    plain = index.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse("担保人")))
    assert "11010519491231002X" in plain.hits[0].highlights[0]


# compatibility forms, spelled out: they look like the ordinary characters
KANGXI_ONE, KANGXI_GOLD = "\u2f00", "\u2fa6"  # ⼀ ⾦ (Kangxi radicals) for 一 金
COMPAT_GOLD = "\uf90a"  # 金 (a CJK compatibility ideograph) for 金
STOCK = "\u3231"  # ㈱, which NFKC spells (株)
FULL_WIDTH_ABC = "\uff21\uff22\uff23"  # ＡＢＣ


@pytest.fixture
def compatibility(index: SearchIndex) -> SearchIndex:
    index.upsert([
        doc("00021", f"{KANGXI_ONE}つの箱 {KANGXI_GOLD}額 {FULL_WIDTH_ABC}商事 厦门{STOCK}鹭洲贸易"),
        doc("00022", f"{COMPAT_GOLD}額 合計"),
        doc("00023", "一つの箱 金額 ABC 株式会社", title="普通字"),
    ])
    return index


def test_compatibility_forms_are_found_by_the_ordinary_characters(compatibility: SearchIndex) -> None:
    assert ids(compatibility, "一つ") == ["00021", "00023"]
    assert ids(compatibility, "金額") == ["00021", "00022", "00023"]
    assert ids(compatibility, "abc") == ["00021", "00023"]
    assert ids(compatibility, "株") == ["00021"]
    assert ids(compatibility, '"abc 商事"') == ["00021"]


def test_ordinary_characters_are_found_by_compatibility_forms(compatibility: SearchIndex) -> None:
    assert ids(compatibility, f"{KANGXI_ONE}つ") == ["00021", "00023"]
    assert ids(compatibility, f"{KANGXI_GOLD}額") == ["00021", "00022", "00023"]
    assert ids(compatibility, f"{COMPAT_GOLD}額 -{FULL_WIDTH_ABC}") == ["00022"]
    assert ids(compatibility, "ａｂｃ") == ["00021", "00023"]  # full-width lower case


def test_highlights_mark_the_original_compatibility_characters(compatibility: SearchIndex) -> None:
    def highlight(q: str) -> str:
        result = compatibility.search(SearchQuery(scope=EVERY_LEVEL, clauses=parse(q)))
        hit = next(h for h in result.hits if h.id == "00021")
        return " ".join(hit.highlights)

    assert f"<em>{KANGXI_GOLD}額</em>" in highlight("金額")
    assert f"<em>{FULL_WIDTH_ABC}</em>商事" in highlight("abc")
    assert f"厦门<em>{STOCK}</em>鹭洲" in highlight("株")
    # ㈱ is three characters once normalised: what follows it is still marked where it stands
    assert f"厦门{STOCK}<em>鹭洲贸易</em>" in highlight("鹭洲贸易")


# resident ID numbers (SPEC §4): a reader who sees them masked learns nothing
# of the hidden birth date from what a query finds
MASKED_READER = scope_of(role="staff", clearance=3)
TRUE_A, TRUE_B = "11010519491231002X", "350203198005151235"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def guesses(number: str) -> list[str]:
    """The number with other birth dates: one whose check digit still holds, one whose fails."""
    others = [f"{number[:6]}{date(1950, 1, 1) + timedelta(days=n):%Y%m%d}{number[14:]}"
              for n in range(3000)]
    return [next(n for n in others if valid_resident_id(n) and n != number),
            next(n for n in others if not valid_resident_id(n))]


def written(number: str) -> list[str]:
    """How people type a number into the search box."""
    return [number, number.lower(), number.translate(FULL_WIDTH),
            f"{number[:6]}-{number[6:10]}-{number[10:14]}-{number[14:]}",
            f'"{number[:6]} {number[6:14]} {number[14:]}"']


@pytest.fixture
def id_numbers(index: SearchIndex) -> SearchIndex:
    index.upsert([
        doc("00031", f"担保人 张三 公民身份号码 {TRUE_A} 另见 {TRUE_A[:6]}-{TRUE_A[6:10]}-"
                     f"{TRUE_A[10:14]}-{TRUE_A[14:]} 借款合同", title=f"担保函 {TRUE_A}"),
        doc("00032", f"保证人 李四 身份证 {TRUE_B.translate(FULL_WIDTH)} 复印件 "
                     f"{TRUE_B[:6]} {TRUE_B[6:14]} {TRUE_B[14:]} 账号 110105194912310021",
            type="id_copy", day=date(2023, 6, 1)),
        doc("00033", "普通合同 无身份证号码"),
    ])
    return index


def seen(index: SearchIndex, q: str, scope: AccessScope = MASKED_READER) -> tuple[Any, ...]:
    """Everything a query shows: total, facets, and each hit in order with its score and snippets."""
    result = index.search(SearchQuery(scope=scope, clauses=parse(q), size=50))
    return (result.total, result.facets,
            [(h.id, round(h.score, 6), h.title, h.highlights) for h in result.hits])


@pytest.mark.parametrize("number", [TRUE_A, TRUE_B])
def test_a_masked_reader_finds_the_same_whatever_birth_date_is_guessed(
        id_numbers: SearchIndex, number: str) -> None:
    for typed, *wrong in zip(written(number), *map(written, guesses(number)), strict=True):
        answer = seen(id_numbers, typed)
        assert all(seen(id_numbers, guess) == answer for guess in wrong), typed
        assert all(seen(id_numbers, f"合同 -{guess}") == seen(id_numbers, f"合同 -{typed}")
                   for guess in wrong), typed


def test_a_typed_id_number_finds_its_masked_form(id_numbers: SearchIndex) -> None:
    assert seen(id_numbers, TRUE_A)[0] == 1 and seen(id_numbers, TRUE_A)[2][0][0] == "00031"
    assert seen(id_numbers, guesses(TRUE_A)[1])[2][0][0] == "00031"
    shown = " ".join(seen(id_numbers, TRUE_A)[2][0][3])
    assert f"<em>{TRUE_A[:6]}********{TRUE_A[14:]}</em>" in shown and TRUE_A[6:14] not in shown


def test_the_hidden_digits_alone_match_nothing_for_a_masked_reader(id_numbers: SearchIndex) -> None:
    for hidden in (TRUE_B[6:14], f'"{TRUE_B[:6]} {TRUE_B[6:14]}"', TRUE_A[6:10], "1949"):
        assert seen(id_numbers, hidden)[0] == 0, hidden
    assert ids(id_numbers, TRUE_B[6:14], clearance=2) == ["00032"]


def test_a_masked_reader_still_finds_words_and_numbers_that_are_no_id(id_numbers: SearchIndex) -> None:
    assert [h[0] for h in seen(id_numbers, "担保人")[2]] == ["00031"]
    assert sorted(h[0] for h in seen(id_numbers, "合同")[2]) == ["00031", "00033"]
    assert [h[0] for h in seen(id_numbers, "110105194912310021")[2]] == ["00032"]  # check digit fails
    assert seen(id_numbers, "保证人")[1] == {"type": {"id_copy": 1}, "year": {"2023": 1}}


def test_readers_who_see_id_numbers_find_the_exact_number(id_numbers: SearchIndex) -> None:
    for clearance in (1, 2):
        assert ids(id_numbers, TRUE_A, clearance=clearance) == ["00031"]
        assert ids(id_numbers, TRUE_B.translate(FULL_WIDTH), clearance=clearance) == ["00032"]
        assert all(ids(id_numbers, guess, clearance=clearance) == [] for guess in guesses(TRUE_A))
    plain = seen(id_numbers, TRUE_A, AccessScope(clearance=2))
    assert f"<em>{TRUE_A}</em>" in " ".join(plain[2][0][3])


def age(index: SearchIndex) -> SearchIndex:
    """The same index as an earlier version left it: no masked copy recorded."""
    if isinstance(index, EmbeddedIndex):
        generation = (index.root / "CURRENT").read_text().strip()
        (index.root / generation / VERSION_FILE).write_text("1")
        return EmbeddedIndex(index.root)
    from services.search.opensearch import OpenSearchIndex

    assert isinstance(index, OpenSearchIndex)
    index.client.indices.put_mapping(index=index.alias, body={"_meta": {"dangan_schema": 1}})
    return OpenSearchIndex(opensearch_url(), alias=index.alias)


def test_an_index_of_an_earlier_schema_answers_nothing_until_rebuilt(loaded: SearchIndex) -> None:
    old = age(loaded)
    for use in (lambda: old.search(SearchQuery(scope=MASKED_READER, clauses=parse("合同"))),
                lambda: old.upsert(CORPUS[:1]), old.ids, old.check):
        with pytest.raises(SearchUnavailable, match="dangan reindex") as refused:
            use()
        assert refused.value.code == "reindex_needed"
    assert old.rebuild(iter(CORPUS)) == 5
    assert ids(old, "合同", clearance=3) == ["00001"]
    old.close()


def test_a_healthy_engine_passes_its_readiness_check(loaded: SearchIndex) -> None:
    loaded.check()  # /readyz asks this; it raises SearchUnavailable when the engine is not ready
    assert ids(loaded, "合同", clearance=3) == ["00001"]
