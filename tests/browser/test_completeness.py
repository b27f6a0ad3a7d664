"""The completeness page (齐全率) in a real browser: the rate of complete
customer files by kind and grade, each customer with the record types it
lacks, filters, pages, and the same report in its CSV and XLSX downloads."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from shared.customers import create_customer
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.browser.test_stats import downloaded, upload
from tests.conftest import login


def two_companies_and_a_person(site: Site, tmp_path: Path) -> None:
    """C001 (company, A, of 销售部) holds all four types the checklist asks of a company;
    C002 (company, B) only a contract; C003 (individual) its ID copy."""
    site.user("clerk1", "clerk")
    with site.core.transaction() as session:
        create_customer(session, code="C001", name="鹭洲贸易", kind="company", grade="A", actor="test",
                        details={"department": "销售部"})
        create_customer(session, code="C002", name="海沧物流", kind="company", grade="B", actor="test")
        create_customer(session, code="C003", name="张三", kind="individual", grade="C", actor="test")
    clerk = login(site.url, "clerk1")
    for seed, (type_, customer) in enumerate((
            ("business_licence", "C001"), ("id_copy", "C001"), ("credit_report", "C001"),
            ("contract", "C001"), ("contract", "C002"), ("id_copy", "C003")), start=1):
        upload(clerk, samples.make_pdf(tmp_path, seed=seed, name=f"{seed}.pdf"), type=type_,
               customer=customer, document_date=site.core.today().isoformat())
    clerk.close()


def rate_rows(page: Any, heading: str) -> dict[str, list[str]]:
    section = page.get_by_role("region", name=heading)
    rows = section.locator("tbody tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").all_inner_texts()
            for i in range(rows.count())}


def customer_row(page: Any, code: str, region: str = "客户档案") -> Any:
    return page.get_by_role("region", name=region).locator("tbody tr").filter(
        has=page.get_by_role("link", name=code, exact=True))


def test_the_report_shows_the_rates_and_what_each_customer_lacks(
        page: Any, site: Site, tmp_path: Path) -> None:
    two_companies_and_a_person(site, tmp_path)
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1")
    assert page.locator("ul.cards").get_by_role("link", name=re.compile("^到期提醒")).is_visible()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="齐全率").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="齐全率", level=1).is_visible()
    assert page.locator("#archive-rate").inner_text() == "3 个客户档案中 2 个齐全（66.7%）。"
    assert rate_rows(page, "按客户类型统计齐全率") == {"企业": ["2", "1", "50%"],
                                                    "个人": ["1", "1", "100%"]}
    assert rate_rows(page, "按客户等级统计齐全率")["B（一般）"] == ["1", "0", "0%"]
    assert rate_rows(page, "按部门统计齐全率") == {"销售部": ["1", "1", "100%"],
                                                "未填部门": ["2", "1", "50%"]}
    lacking = customer_row(page, "C002")
    assert "不齐全" in lacking.inner_text()
    assert lacking.locator("li").all_inner_texts() == ["营业执照", "身份证复印件", "资信调查报告"]
    assert "重新调查" in lacking.inner_text()  # a company without a credit report
    assert "齐全" in customer_row(page, "C001").inner_text()
    assert "重新调查" not in customer_row(page, "C001").inner_text()
    assert english_words(page, data={"archivist1"}) == set()
    lacking.get_by_role("link", name="C002").click()
    page.wait_for_load_state()
    assert page.url.endswith("/customers/C002")
    assert site.outside == [] and site.console_errors == []


def test_the_filters_narrow_the_list_and_the_downloads_follow_them(
        page: Any, site: Site, tmp_path: Path) -> None:
    two_companies_and_a_person(site, tmp_path)
    site.user("manager1", "department_manager")
    sign_in(page, "manager1", next="/completeness")
    page.get_by_label("客户类型", exact=True).select_option("company")
    page.get_by_label("显示", exact=True).select_option("incomplete")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    rows = page.get_by_role("region", name="客户档案").locator("tbody tr")
    assert rows.count() == 1 and "C002" in rows.first.inner_text()
    assert page.locator("#customer-count").inner_text() == "1 个客户"
    # the rates cover every company the filter keeps, complete or not
    assert rate_rows(page, "按客户类型统计齐全率") == {"企业": ["2", "1", "50%"]}
    table = list(csv.reader(io.StringIO(downloaded(page, "下载 CSV").decode("utf-8-sig"))))
    assert table[0][0] == "customer"
    assert [row[0] for row in table[1:] if row and row[0].startswith("C")] == ["C001", "C002"]
    book = load_workbook(io.BytesIO(downloaded(page, "下载 XLSX")))
    codes = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert "C002" in codes and "C003" not in codes
    page.get_by_role("link", name="清除筛选").click()
    page.wait_for_load_state()
    assert page.get_by_role("region", name="客户档案").locator("tbody tr").count() == 3


def test_a_long_report_is_shown_in_pages(page: Any, site: Site) -> None:
    with site.core.transaction() as session:
        for n in range(1, 53):
            create_customer(session, code=f"K{n:03d}", name=f"客户{n}", kind="individual",
                            grade="C", actor="test")
    site.user("auditor1", "auditor")
    sign_in(page, "auditor1", next="/completeness")
    rows = page.get_by_role("region", name="客户档案").locator("tbody tr")
    assert rows.count() == 50
    assert page.get_by_text("第 1 页，共 2 页").is_visible()
    # an auditor reads reports, not customer files: no link to one
    assert rows.first.get_by_role("link").count() == 0
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    assert [r.split("\t")[0].strip() for r in rows.all_inner_texts()] == ["K051", "K052"]


def test_the_report_in_english(browser: Any, site: Site, tmp_path: Path) -> None:
    two_companies_and_a_person(site, tmp_path)
    site.user("archivist1", "archivist")
    page = open_page(browser, site, language="en")
    sign_in(page, "archivist1", next="/completeness?customer=C003")
    assert page.get_by_role("heading", name="Completeness", level=1).is_visible()
    assert page.locator("#archive-rate").inner_text() == "1 of 1 customer files are complete (100%)."
    row = customer_row(page, "C003", "Customer files")
    assert "Complete" in row.inner_text() and "Individual" in row.inner_text()
    page.context.close()


def test_a_role_without_reports_is_refused_and_sees_no_link(page: Any, site: Site,
                                                            tmp_path: Path) -> None:
    two_companies_and_a_person(site, tmp_path)
    sign_in(page, "clerk1")
    assert page.get_by_role("navigation", name="主菜单").get_by_role("link", name="齐全率").count() == 0
    assert page.locator("ul.cards").get_by_role("link", name=re.compile("^齐全率")).count() == 0
    assert page.goto("/completeness").status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"
    assert "C002" not in page.inner_text("body")
    for path in ("/completeness.csv", "/completeness.xlsx"):
        answer = page.request.get(path)
        assert answer.status == 403 and "C002" not in answer.text()


def test_the_report_fits_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    two_companies_and_a_person(site, tmp_path)
    site.user("archivist1", "archivist")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist1", next="/completeness")
    assert customer_row(page, "C002").locator("li").count() == 3
    assert no_sideways_scroll(page)
    page.context.close()
