"""The search page in a real browser: words, filters, facet links, highlighted
snippets rendered safely, sorting and pages, an address that holds the whole
query, and nothing beyond the reader's clearance."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shared.domain.errors import SearchUnavailable
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.browser.test_customers import CJK, add_customer
from tests.conftest import drain, login
from tests.e2e.test_search_api import upload

# the sample PDFs carry a small English footer ("seed 1 · page 1 of 1")
FOOTER = {"seed", "page"}


def archive(site: Site, tmp_path: Path, *records: dict[str, str]) -> list[dict]:
    """Each record uploaded as a text PDF (its ``text``, with a Chinese file
    name) through the API, then extracted and indexed."""
    site.user("clerk9", "clerk", clearance=1)
    clerk = login(site.url, "clerk9")
    made = []
    try:
        for n, fields in enumerate(records, start=1):
            fields = dict(fields)
            text = fields.pop("text")
            pdf = samples.make_pdf(tmp_path / str(n), text=text, seed=n, name=f"档案{n}.pdf")
            made.append(upload(clerk, pdf, **fields))
    finally:
        clerk.close()
    drain(site.core, site.archive.index)
    return made


@pytest.fixture
def reader(site: Site) -> str:
    return site.user("staff1", "staff", clearance=1)


def test_a_two_character_chinese_word_is_found_and_highlighted(
        page: Any, site: Site, tmp_path: Path, reader: str) -> None:
    lease, _ = archive(site, tmp_path,
                       {"text": "房屋租赁合同 甲方 鹭洲贸易", "title": "房屋租赁合同"},
                       {"text": "借款协议 乙方 同安建材", "title": "借款协议"})
    sign_in(page, reader, next="/search")
    page.get_by_label("检索词").fill("租赁")
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?q="))
    hits = page.locator(".hit")
    assert hits.count() == 1
    assert hits.get_by_role("link", name="房屋租赁合同").get_attribute("href") == f"/documents/{lease['id']}"
    assert lease["archive_number"] in hits.inner_text()
    assert set(hits.locator(".snippet mark").all_inner_texts()) == {"租赁"}
    assert page.get_by_role("heading", name="找到 1 件档案").is_visible()
    assert english_words(page, data={reader, lease["archive_number"], *FOOTER}) == set()
    assert site.outside == [] and site.console_errors == []


def test_markup_in_a_record_is_shown_as_text_never_run(
        page: Any, site: Site, tmp_path: Path, reader: str) -> None:
    archive(site, tmp_path, {"text": "<b>粗</b><img id=injected>&amp;", "title": "租赁<i>斜</i>"})
    sign_in(page, reader, next="/search?q=租赁")
    shown = " ".join(page.locator(".snippet").all_inner_texts())
    assert "<b>粗</b>" in shown and "<img id=injected>&amp;" in shown, shown
    assert page.locator("#injected").count() == 0
    assert page.locator(".hit b, .hit i, .hit img").count() == 0
    assert page.get_by_role("link", name="租赁<i>斜</i>").is_visible()
    assert set(page.locator(".snippet mark").all_inner_texts()) == {"租赁"}


def test_filters_and_a_facet_link_narrow_the_results_and_the_address_reopens_them(
        browser: Any, page: Any, site: Site, tmp_path: Path, reader: str) -> None:
    add_customer(site, "KH-001")
    add_customer(site, "KH-002", "厦门港务有限公司")
    a, b, c = archive(site, tmp_path,
                      {"text": "租赁合同 担保条款", "title": "租赁合同甲", "customer": "KH-001",
                       "document_date": "2023-01-05"},
                      {"text": "租赁合同 普通条款", "title": "租赁合同乙", "customer": "KH-001",
                       "type": "correspondence", "document_date": "2024-02-01"},
                      {"text": "租赁合同 补充条款", "title": "租赁合同丙", "customer": "KH-002",
                       "document_date": "2024-06-30"})
    sign_in(page, reader, next="/search?q=租赁合同")
    assert page.locator(".hit").count() == 3
    facets = page.get_by_role("complementary", name="缩小检索范围")
    assert facets.get_by_role("link", name="合同 (2)").is_visible()
    assert facets.get_by_role("link", name="往来函件 (1)").is_visible()
    assert facets.get_by_role("link", name="2024 (2)").is_visible()

    facets.get_by_role("link", name="2024 (2)").click()
    assert "year=2024" in page.url
    assert sorted(page.locator(".hit h3").all_inner_texts()) == ["租赁合同丙", "租赁合同乙"]
    page.get_by_label("客户编号").fill("KH-001")
    page.get_by_label("排序").select_option("-date")
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_url(re.compile(r"customer=KH-001"))
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同乙"]
    assert "=&" not in page.url and not page.url.endswith("=")  # only what was chosen

    page.goto("/search?q=租赁合同&from=2023-01-01&to=2023-12-31")
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同甲"]
    page.goto("/search?q=租赁合同&sort=date&type=contract")
    shared = page.url
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同甲", "租赁合同丙"]

    fresh = open_page(browser, site)
    sign_in(fresh, reader)
    fresh.goto(shared)
    assert fresh.locator(".hit h3").all_inner_texts() == ["租赁合同甲", "租赁合同丙"]
    assert fresh.get_by_label("检索词").input_value() == "租赁合同"
    assert fresh.get_by_label("档案类型").input_value() == "contract"
    fresh.context.close()
    assert {a["id"], b["id"], c["id"]} and site.outside == []


def test_results_come_in_pages(page: Any, site: Site, tmp_path: Path, reader: str) -> None:
    archive(site, tmp_path, *({"text": f"租赁合同 第{n}号", "title": f"租赁合同{n}",
                               "document_date": f"2024-0{n}-01"} for n in range(1, 6)))
    sign_in(page, reader)
    page.goto("/search?q=租赁&sort=-date&size=2")
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同5", "租赁合同4"]
    assert page.get_by_text("第 1 页，共 3 页").is_visible()
    page.get_by_role("link", name="下一页").click()
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同3", "租赁合同2"]
    assert "page=2" in page.url and "size=2" in page.url
    page.get_by_role("link", name="下一页").click()
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同1"]
    assert page.get_by_role("link", name="下一页").count() == 0


def test_a_record_beyond_the_readers_clearance_is_neither_found_nor_counted(
        browser: Any, site: Site, tmp_path: Path) -> None:
    open_one, secret = archive(site, tmp_path,
                               {"text": "租赁合同 普通", "title": "普通租赁合同", "secrecy": "3"},
                               {"text": "租赁合同 绝密", "title": "绝密租赁合同", "secrecy": "1"})
    site.user("staff3", "staff", clearance=3)
    page = open_page(browser, site)
    sign_in(page, "staff3", next="/search?q=租赁合同")
    assert page.locator(".hit h3").all_inner_texts() == ["普通租赁合同"]
    assert page.get_by_role("heading", name="找到 1 件档案").is_visible()
    assert page.get_by_role("link", name="合同 (1)").is_visible()
    page.goto("/search?q=绝密")
    assert page.get_by_text("未找到档案。").is_visible()
    html = page.content()
    assert "绝密租赁合同" not in html and secret["archive_number"] not in html and secret["id"] not in html
    assert open_one["id"] not in html


def test_no_query_and_no_results_show_an_empty_state(page: Any, site: Site, tmp_path: Path,
                                                     reader: str) -> None:
    archive(site, tmp_path, {"text": "租赁合同", "title": "租赁合同"})
    sign_in(page, reader, next="/search")
    assert page.get_by_text("请输入检索词，或选择筛选条件。").is_visible()
    assert page.locator(".hit").count() == 0
    page.get_by_label("检索词").focus()  # the keyboard alone: type, then Enter
    page.keyboard.type("租赁")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator(".hit h3").all_inner_texts() == ["租赁合同"]
    page.goto("/search?q=不存在的词语")
    assert page.get_by_text("未找到档案。请换用其他检索词或减少筛选条件。").is_visible()
    answer = page.goto("/search?q=-租赁")
    assert answer is not None and answer.status == 422
    assert page.get_by_role("alert").inner_text() == "检索式至少需要一个未被排除的词。"
    answer = page.goto("/search?q=租赁&from=2024-13-01")
    assert answer is not None and answer.status == 422
    assert page.get_by_role("alert").inner_text() == "文件日期无效。"
    assert page.get_by_label("检索词").input_value() == "租赁"


def test_an_unavailable_search_is_explained(page: Any, site: Site, reader: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def down(query: object) -> None:
        raise SearchUnavailable("the search engine does not answer")

    monkeypatch.setattr(site.archive.index, "search", down)
    sign_in(page, reader, next="/search?q=租赁")
    answer = page.goto("/search?q=租赁")
    assert answer is not None and answer.status == 503
    assert page.get_by_role("alert").inner_text() == "检索服务暂时不可用，请稍后重试。"
    assert page.get_by_label("检索词").input_value() == "租赁"


def test_only_readers_search(page: Any, site: Site) -> None:
    site.user("auditor1", "auditor")
    sign_in(page, "auditor1")
    answer = page.goto("/search?q=租赁")
    assert answer is not None and answer.status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"


def test_the_search_page_in_english_and_on_a_phone(browser: Any, site: Site, tmp_path: Path,
                                                    reader: str) -> None:
    made = archive(site, tmp_path, {"text": "租赁合同 Lease", "title": "租赁合同"})
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, reader, next="/search?q=租赁")
    assert no_sideways_scroll(page)
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="1 record found").is_visible()
    visible = page.inner_text("body")
    for data in ("租赁合同", "租赁", "中文"):
        visible = visible.replace(data, "")
    assert CJK.findall(visible) == []
    assert page.get_by_label("Words").input_value() == "租赁"
    assert no_sideways_scroll(page)
    assert made and site.console_errors == []
