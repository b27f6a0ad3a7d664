"""The handover pages (移交/交接) in a real browser: the archive room's inbox,
a handover list with each record and each refused file, its PDF, and an
archivist other than the sender accepting it (交接完成) or returning it with
a reason — over what the caller may see."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader

from shared.customers import create_customer
from services.api.web.i18n import translator
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.browser.test_access import csrf_of, flash_text
from tests.browser.test_stats import upload
from tests.conftest import login
from tests.e2e.test_cli import run, scans, write_manifest

ZH = translator("zh")


def handed_over(site: Site, tmp_path: Path, *, secret: bool = False) -> dict:
    """A clerk's batch of two contracts of C001 (the second at secrecy 1 when
    ``secret``), handed over and submitted through the API."""
    site.user("clerk1", "clerk")
    site.user("arch", "archivist")
    with site.core.transaction() as session:
        create_customer(session, code="C001", name="鹭洲贸易", kind="company", grade="A", actor="test")
    clerk = login(site.url, "clerk1")
    try:
        ids = [upload(clerk, samples.make_pdf(tmp_path, seed=n, name=f"合同{n}.pdf"), type="contract",
                      title=f"租赁合同{n}", secrecy="1" if secret and n == 1 else "3")["id"]
               for n in range(2)]
        created = ok(clerk.post("/api/v1/handovers", json={"description": "销售部 2024 年合同",
                                                          "department": "销售部"}), 201)
        ok(clerk.post(f"/api/v1/handovers/{created['id']}/items", json={"documents": ids}))
        return ok(clerk.post(f"/api/v1/handovers/{created['id']}/submit"))
    finally:
        clerk.close()


def ok(answer: httpx.Response, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def item_rows(page: Any) -> Any:
    return page.get_by_role("region", name="移交的档案").locator("tbody tr")


def test_an_archivist_accepts_a_handover_from_the_inbox(page: Any, site: Site, tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path)
    sign_in(page, "arch")
    assert page.locator("ul.cards").get_by_role("link", name=re.compile("^移交")).is_visible()
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="移交").click()
    page.wait_for_load_state()
    waiting = page.get_by_role("region", name="待档案室接收")
    assert "销售部 2024 年合同" in waiting.inner_text() and "clerk1" in waiting.inner_text()
    waiting.get_by_role("link", name=handover["reference"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"移交清单 {handover['reference']}", level=1).is_visible()
    rows = item_rows(page)
    assert rows.count() == 2
    for row, item in zip(rows.all(), handover["items"], strict=True):
        text = row.inner_text()
        assert item["archive_number"] in text and item["title"] in text and item["sha256"] in text
        assert "已归档" in text
        assert row.get_by_role("link", name=item["archive_number"]).get_attribute("href") == \
            f"/documents/{item['document']}"
    numbers = {i["archive_number"] for i in handover["items"]}
    assert english_words(page, data={"arch", "clerk1", "SHA-256", handover["reference"], *numbers,
                                     *(i["sha256"] for i in handover["items"])}) == set()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交接完成").click()
    page.wait_for_load_state()
    assert flash_text(page) == f"移交清单 {handover['reference']} 已接收，交接完成。"
    facts = page.locator("dl.facts").inner_text()
    assert "交接完成" in facts and "arch" in facts
    assert page.get_by_role("button", name="交接完成").count() == 0
    page.goto("/handovers")
    assert page.get_by_text("没有待接收的移交。").is_visible()
    arch = login(site.url, "arch")
    assert ok(arch.get(f"/api/v1/handovers/{handover['id']}"))["status"] == "accepted"
    arch.close()
    assert site.outside == [] and site.console_errors == []


def test_an_archivist_returns_a_handover_saying_why_and_the_sender_reads_it(
        browser: Any, page: Any, site: Site, tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path)
    sign_in(page, "arch", next=f"/handovers/{handover['id']}")
    answer = page.request.post(f"/handovers/{handover['id']}/return",
                               form={"csrf": csrf_of(page), "reason": "  "}, max_redirects=0)
    assert answer.status == 303
    page.reload()
    assert flash_text(page) == "退回移交需要填写原因。"
    assert page.get_by_role("button", name="退回").is_visible()  # still waiting to be received
    page.get_by_label("退回原因").fill("缺少第 3 页")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="退回").click()
    page.wait_for_load_state()
    assert flash_text(page) == f"移交清单 {handover['reference']} 已退回移交人。"
    assert page.locator("#return-reason").inner_text() == "缺少第 3 页"

    sender = open_page(browser, site)
    sign_in(sender, "clerk1", next="/handovers")
    mine = sender.get_by_role("region", name="我的移交")
    assert "已退回" in mine.inner_text()
    assert sender.get_by_role("region", name="待档案室接收").count() == 0  # a clerk receives nothing
    mine.get_by_role("link", name=handover["reference"]).click()
    sender.wait_for_load_state()
    assert sender.locator("#return-reason").inner_text() == "缺少第 3 页"
    sender.context.close()


def test_the_sender_is_offered_no_decision_and_is_refused_one(page: Any, site: Site,
                                                               tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path)
    sign_in(page, "clerk1", next=f"/handovers/{handover['id']}")
    assert page.get_by_role("heading", name="接收移交").count() == 0
    answer = page.request.post(f"/handovers/{handover['id']}/accept", form={"csrf": csrf_of(page)},
                               max_redirects=0)
    assert answer.status == 303
    page.reload()
    assert flash_text(page) == ZH.gettext("Only an archivist accepts or returns a handover.")
    assert page.request.post(f"/handovers/{handover['id']}/accept").status == 403  # no CSRF token
    arch = login(site.url, "arch")
    assert ok(arch.get(f"/api/v1/handovers/{handover['id']}"))["status"] == "submitted"
    assert ok(arch.get("/api/v1/audit", params={"action": "handover.accept"}))["total"] == 0
    arch.close()


def test_the_list_names_each_refused_file_and_prints_as_pdf(browser: Any, site: Site,
                                                            tmp_path: Path) -> None:
    """A folder handed over with `dangan ingest --handover`, one file in it empty."""
    site.user("clerk1", "clerk")
    site.user("arch", "archivist")
    assert run(site.core, "customers", "add", "C001", "鹭洲贸易").returncode == 0
    folder = tmp_path / "batch"
    rows = scans(folder, 2)
    (folder / "空白.pdf").write_bytes(b"")
    rows.append({"path": "空白.pdf", "customer": "C001", "type": "contract", "title": "空白",
                 "date": "2024-04-01", "secrecy": "3"})
    done = run(site.core, "--json", "ingest", str(folder), "--manifest",
               str(write_manifest(tmp_path / "m.csv", rows)), "--handover", "销售部 2024 年合同",
               "--department", "销售部", "--as", "clerk1")
    assert "Traceback" not in done.stderr, done.stderr  # exits 1: a file was refused
    handover = json.loads(done.stdout)["handover"]
    page = open_page(browser, site, language="en")
    sign_in(page, "arch", next=f"/handovers/{handover['id']}")
    refused = page.get_by_role("region", name="Refused files").locator("tbody tr")
    assert refused.count() == 1
    assert refused.first.locator("td").all_inner_texts() == ["空白.pdf", "The file is empty."]
    assert page.get_by_role("region", name="Records handed over").locator("tbody tr").count() == 2
    with page.expect_download() as info:
        page.get_by_role("link", name="Handover list as PDF").click()
    assert info.value.suggested_filename == f"{handover['reference']}.pdf"
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    page.goto("/handovers?status=submitted")
    assert page.get_by_role("region", name="All handovers").get_by_role(
        "link", name=handover["reference"]).is_visible()
    page.goto("/handovers?status=accepted")
    assert page.get_by_text("No handovers match these filters.").is_visible()
    page.context.close()


def test_a_clearance_3_archivist_sees_no_secrecy_1_item_and_is_offered_no_decision(
        page: Any, site: Site, tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path, secret=True)
    hidden = handover["items"][1]
    site.user("arch3", "archivist", clearance=3)
    sign_in(page, "arch3", next=f"/handovers/{handover['id']}")
    assert item_rows(page).count() == 1
    body = page.inner_text("body")
    assert hidden["archive_number"] not in body and hidden["title"] not in body
    assert page.get_by_role("heading", name="接收移交").count() == 0
    page.goto("/handovers")
    assert page.get_by_text("没有待接收的移交。").is_visible()
    row = page.get_by_role("region", name="全部移交").locator("tbody tr")
    assert re.search(r"\b1\b", row.inner_text())  # one record counted, not two
    pdf = page.request.get(f"/handovers/{handover['id']}/pdf")
    assert pdf.status == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert handover["items"][0]["title"] in text and hidden["title"] not in text
    assert hidden["archive_number"] not in text


def test_a_role_without_handovers_is_refused_and_sees_no_link(page: Any, site: Site,
                                                              tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path)
    site.user("staff1", "staff")
    sign_in(page, "staff1")
    assert page.get_by_role("navigation", name="主菜单").get_by_role("link", name="移交").count() == 0
    assert page.locator("ul.cards").get_by_role("link", name=re.compile("^移交")).count() == 0
    for path in ("/handovers", f"/handovers/{handover['id']}", f"/handovers/{handover['id']}/pdf"):
        answer = page.request.get(path)
        assert answer.status == 403, path
        assert handover["reference"] not in answer.text()
    assert page.goto("/handovers").status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"
    answer = page.request.post(f"/handovers/{handover['id']}/accept", form={"csrf": csrf_of(page)})
    assert answer.status == 403


def test_a_handover_list_fits_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    handover = handed_over(site, tmp_path)
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "arch", next="/handovers")
    assert no_sideways_scroll(page)
    page.goto(f"/handovers/{handover['id']}")
    assert item_rows(page).count() == 2 and page.get_by_role("button", name="交接完成").is_visible()
    assert no_sideways_scroll(page)
    page.context.close()


def test_an_archivist_narrows_the_inbox_to_their_own_handovers(page: Any, site: Site,
                                                               tmp_path: Path) -> None:
    theirs = handed_over(site, tmp_path)
    arch = login(site.url, "arch")
    document = upload(arch, samples.make_pdf(tmp_path, seed=7, name="函件.pdf"), type="correspondence",
                      customer="C001", title="往来函件")["id"]
    mine = ok(arch.post("/api/v1/handovers", json={"description": "档案室自查"}), 201)
    ok(arch.post(f"/api/v1/handovers/{mine['id']}/items", json={"documents": [document]}))
    arch.close()
    sign_in(page, "arch", next="/handovers")
    every = page.get_by_role("region", name="全部移交")
    assert every.locator("tbody tr").count() == 2
    assert "未提交" in every.inner_text()  # their own, still open
    page.get_by_label("移交人", exact=True).select_option("mine")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert every.locator("tbody tr").count() == 1
    assert every.get_by_role("link", name=mine["reference"]).is_visible()
    assert theirs["reference"] not in every.inner_text()
    # their own list is not theirs to receive
    assert mine["reference"] not in page.get_by_role("region", name="待档案室接收").inner_text()
    assert page.goto("/handovers/99999").status == 404
    assert page.get_by_role("alert").inner_text() == "该移交不存在。"
    assert page.goto("/handovers?status=lost").status == 422
