"""A customer's profile in a real browser: filled in and changed with a reason,
its history, the completeness of its file, and an individual's personal
fields masked for clearance 3 — in the form too, where saving keeps them."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shared import customers
from tests import samples
from tests.browser.conftest import Site, sign_in
from tests.conftest import drain, login
from tests.e2e.test_customer_profiles import credit_code, id_number
from tests.e2e.test_search_api import upload


def test_an_archivist_fills_in_and_changes_a_profile_and_reads_its_history(
        page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1", next="/customers/new")
    page.get_by_label("客户编号").fill("KH-001")
    page.get_by_label("客户名称").fill("鹭洲贸易有限公司")
    page.get_by_label("统一社会信用代码").fill(credit_code())
    page.get_by_label("行业").fill("批发业")
    page.get_by_label("联系人 1：姓名").fill("陈静")
    page.get_by_label("联系人 1：电话").fill("0592-5123456")
    page.get_by_role("button", name="创建客户").click()
    page.wait_for_url(re.compile(r"/customers/KH-001$"))
    assert page.locator("#customer-credit-code").inner_text() == credit_code()
    assert "陈静 · 0592-5123456" in page.locator("#customer-contacts").inner_text()

    page.get_by_role("link", name="编辑").click()
    page.get_by_label("授信额度（元）").fill("1500000")
    page.get_by_label("客户分类").select_option("core")
    page.get_by_label("其他信息").fill("开户行: 中国银行厦门分行")
    page.get_by_label("变更原因").fill("2026年度授信审批")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/customers/KH-001$"))
    assert page.locator("#customer-credit-limit").inner_text().startswith("1500000.00 元")
    assert page.locator("#customer-classification").inner_text() == "核心客户"

    page.get_by_role("link", name="客户信息变更记录").click()
    page.wait_for_url(re.compile(r"/customers/KH-001/history$"))
    assert page.locator("#history-count").inner_text() == "共 2 条记录"
    latest = page.locator("#entry-2")
    assert "2026年度授信审批" in latest.inner_text() and "archivist1" in latest.inner_text()
    rows = latest.locator("tbody tr")
    assert rows.count() == 3
    assert "授信额度" in latest.inner_text() and "一般客户" in latest.inner_text()
    assert site.console_errors == []


def test_a_refused_change_names_the_check_and_keeps_what_was_typed(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    with site.core.transaction() as session:
        customers.create_customer(session, code="KH-002", name="某公司", kind="company", grade="B",
                                  actor="test")
    sign_in(page, "archivist1", next="/customers/KH-002/edit")
    bad = credit_code()[:-1] + ("1" if credit_code()[-1] != "1" else "2")
    page.get_by_label("统一社会信用代码").fill(bad)
    page.get_by_label("变更原因").fill("补录信用代码")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="保存").click()
    assert answer.value.status == 422
    assert "GB 32100" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("统一社会信用代码").input_value() == bad
    assert page.get_by_label("变更原因").input_value() == "补录信用代码"
    with site.core.uow() as uow:
        _, total, _ = customers.history(uow.session, code="KH-002", offset=0, limit=10)
    assert total == 1


def test_an_individuals_personal_fields_are_masked_for_clearance_3_and_kept_on_save(
        page: Any, site: Site) -> None:
    number = id_number()
    with site.core.transaction() as session:
        customers.create_customer(session, code="P-001", name="王芳", kind="individual", grade="B",
                                  actor="test", details={
                                      "id_number": number, "address": "北京市朝阳区建国路88号",
                                      "contacts": [{"name": "王芳", "phone": "13812345678"}]})
    site.user("arch3", "archivist", clearance=3)
    sign_in(page, "arch3", next="/customers/P-001")
    body = page.inner_text("body")
    assert number not in body and "13812345678" not in body and "建国路" not in body
    assert page.locator("#customer-id-number").inner_text() == number[:6] + "********" + number[14:]
    page.get_by_role("link", name="编辑").click()
    assert number not in page.content() and "13812345678" not in page.content()
    page.get_by_label("行业").fill("个体经营")
    page.get_by_label("变更原因").fill("补录行业")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/customers/P-001$"))
    page.goto("/customers/P-001/history")
    assert "建国路" not in page.inner_text("body")
    with site.core.uow() as uow:
        current = customers.profile_of(customers.get_customer(uow.session, "P-001"))
    assert (current["id_number"], current["address"], current["industry"]) == (
        number, "北京市朝阳区建国路88号", "个体经营")
    assert current["contacts"][0]["phone"] == "13812345678"


def test_the_customer_page_shows_what_its_file_lacks(page: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    site.user("clerk9", "clerk")
    with site.core.transaction() as session:
        customers.create_customer(session, code="KH-003", name="某公司", kind="company", grade="A",
                                  actor="test")
    clerk = login(site.url, "clerk9")
    upload(clerk, samples.make_pdf(tmp_path, seed=1), customer="KH-003", type="contract")
    clerk.close()
    drain(site.core, site.archive.index)
    sign_in(page, "archivist1", next="/customers/KH-003")
    assert page.locator("#file-complete").inner_text() == "不齐全"
    missing = page.locator("#file-missing").inner_text()
    assert "缺少：营业执照" in missing and "缺少：资信调查报告" in missing
    assert "缺少：合同" not in missing
