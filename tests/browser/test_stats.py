"""The statistics page (档案统计) in a real browser: SVG charts of what was
really archived, counted over what the caller may see, and the same counts in
its CSV and XLSX downloads."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from shared.customers import create_customer
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import login

TYPE_CHART = "按档案类型统计馆藏"


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"title": "档案", "document_date": "2024-03-15", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def archive_three(site: Site, tmp_path: Path) -> None:
    """Two contracts and one ID copy of customer C001 (grade A), uploaded by a clerk."""
    site.user("clerk1", "clerk")
    with site.core.transaction() as session:
        create_customer(session, code="C001", name="鹭洲贸易", kind="company", grade="A", actor="test")
    clerk = login(site.url, "clerk1")
    upload(clerk, samples.make_pdf(tmp_path, seed=1, name="租赁合同.pdf"), type="contract",
           customer="C001")
    upload(clerk, samples.make_pdf(tmp_path, seed=2, name="采购合同.pdf"), type="contract",
           customer="C001")
    upload(clerk, samples.make_jpeg(tmp_path, seed=3, name="身份证.jpg"), type="id_copy",
           customer="C001")
    clerk.close()


def chart(page: Any, title: str) -> Any:
    return page.locator("figure.stats-chart").filter(has=page.get_by_role("heading", name=title))


def bar_values(page: Any, title: str) -> dict[str, str]:
    bars = chart(page, title).locator("svg g.bar")
    return {bars.nth(i).get_attribute("data-label"): bars.nth(i).locator("text.value").text_content()
            for i in range(bars.count())}


def downloaded(page: Any, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


def test_the_charts_show_the_archived_records_and_the_downloads_hold_the_same_counts(
        page: Any, site: Site, tmp_path: Path) -> None:
    archive_three(site, tmp_path)
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1", next="/stats")
    assert page.get_by_role("heading", name="档案统计", level=1).is_visible()
    assert bar_values(page, TYPE_CHART) == {"合同": "2", "身份证复印件": "1"}
    assert bar_values(page, "按客户等级统计馆藏") == {"A（重要）": "3"}
    assert bar_values(page, "按年度统计馆藏") == {"2024": "3"}
    assert sum(map(int, bar_values(page, "每月归档数量").values())) == 3
    svg = chart(page, TYPE_CHART).locator("svg")
    assert svg.get_attribute("role") == "img" and svg.get_attribute("viewBox").startswith("0 0 400 ")
    assert svg.locator("desc").text_content() == "档案类型 / 档案件数: 合同: 2; 身份证复印件: 1"
    assert svg.locator("text.axis").all_text_contents() == ["档案件数", "档案类型"]
    # the longer bar is twice the shorter one
    widths = [float(r.get_attribute("width")) for r in svg.locator("rect").all()]
    assert widths[0] == 2 * widths[1]
    assert english_words(page, data={"archivist1"}) == set()

    table = list(csv.reader(io.StringIO(downloaded(page, "下载 CSV").decode("utf-8-sig"))))
    assert table[0] == ["section", "measure", "key", "count"]
    assert ["holdings", "type", "contract", "2"] in table and ["holdings", "type", "id_copy", "1"] in table
    book = load_workbook(io.BytesIO(downloaded(page, "下载 XLSX")))
    holdings = list(book["holdings"].iter_rows(values_only=True))
    assert ("type", "contract", 2) in holdings and ("type", "id_copy", 1) in holdings
    assert site.outside == [] and site.console_errors == []


def test_a_clearance_3_reader_does_not_count_a_level_1_record(browser: Any, site: Site,
                                                              tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    clerk = login(site.url, "clerk1")
    upload(clerk, samples.make_pdf(tmp_path, seed=4), type="contract", secrecy="1")
    upload(clerk, samples.make_pdf(tmp_path, seed=5, name="b.pdf"), type="contract", secrecy="3")
    clerk.close()
    site.user("manager3", "department_manager", clearance=3)
    page = open_page(browser, site, language="en")
    sign_in(page, "manager3", next="/stats")
    assert bar_values(page, "Holdings by record type") == {"Contract": "1"}
    assert bar_values(page, "Holdings by secrecy level") == {"Level 3 (ordinary)": "1"}
    assert page.get_by_role("link", name="Download as CSV").is_visible()
    csv_text = page.request.get("/stats.csv").text()
    assert "holdings,type,contract,1" in csv_text.replace("\r", "")
    assert "holdings,secrecy,1," not in csv_text
    book = load_workbook(io.BytesIO(page.request.get("/stats?format=xlsx").body()))
    assert ("secrecy", "1", 1) not in list(book["holdings"].iter_rows(values_only=True))
    page.context.close()


def test_an_empty_archive_shows_each_chart_s_empty_state(page: Any, site: Site) -> None:
    site.user("auditor1", "auditor")
    sign_in(page, "auditor1", next="/stats")
    figures = page.locator("figure.stats-chart")
    assert figures.count() == 12
    assert page.get_by_text("暂无可统计的数据。").count() == 12
    assert page.locator("figure.stats-chart svg").count() == 0
    assert english_words(page, data={"auditor1"}) == set()


def test_the_statistics_fit_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    archive_three(site, tmp_path)
    site.user("archivist1", "archivist")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist1", next="/stats")
    assert bar_values(page, TYPE_CHART)["合同"] == "2"
    assert no_sideways_scroll(page)
    box = chart(page, TYPE_CHART).locator("svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.context.close()


def test_a_role_without_reports_gets_the_translated_refusal(page: Any, site: Site) -> None:
    site.user("clerk1", "clerk")
    sign_in(page, "clerk1", next="/stats")
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"
    assert page.locator("figure.stats-chart").count() == 0
    assert page.request.get("/stats.csv").status == 403
    assert page.request.get("/stats.xlsx").status == 403
