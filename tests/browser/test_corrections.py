"""Corrections of a record's description (著录修改) in a real browser: a
clerk corrects their own upload with a reason and the page shows what it was;
an archivist confirms it and the clerk's correcting ends; a bad value is
refused keeping what was typed; other roles are offered nothing."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shared import customers
from shared.db.models import Document, DocumentChange
from tests import samples
from tests.browser.conftest import Site, open_page, sign_in
from tests.conftest import drain, login
from tests.e2e.test_search_api import upload


def uploaded(site: Site, tmp_path: Path) -> dict:
    with site.core.transaction() as session:
        customers.create_customer(session, code="KH-001", name="某公司", kind="company", grade="B",
                                  actor="test")
    clerk = login(site.url, "clerk1")
    made = upload(clerk, samples.make_pdf(tmp_path, seed=1, name="合同.pdf"), customer="KH-001",
                  title="房屋租赁合同", document_date="2024-03-15")
    clerk.close()
    drain(site.core, site.archive.index)
    return made


def test_a_clerk_corrects_the_date_and_the_page_keeps_the_old_value(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    made = uploaded(site, tmp_path)
    sign_in(page, "clerk1", next=f"/documents/{made['id']}")
    page.get_by_role("link", name="修改著录信息").click()
    page.wait_for_url(re.compile(r"/edit$"))
    page.get_by_label("文件日期").fill("2020-03-15")
    page.get_by_label("修改原因").fill("日期录错")
    page.get_by_role("button", name="保存修改").click()
    page.wait_for_url(re.compile(rf"/documents/{made['id']}$"))
    assert page.get_by_role("status").inner_text() == "著录信息已修改。"
    table = page.locator("#doc-corrections").inner_text()
    assert "2024-03-15" in table and "2020-03-15" in table and "日期录错" in table
    with site.core.uow() as uow:
        document = uow.session.get(Document, made["id"])
        assert document is not None and document.document_date.isoformat() == "2020-03-15"
        assert document.retain_until is not None and document.retain_until.year == 2050
        fields = [c.field for c in uow.session.query(DocumentChange).all()]
    assert "document_date" in fields
    assert site.console_errors == []


def test_after_an_archivist_confirms_the_clerk_is_offered_no_correction(
        page: Any, site: Site, tmp_path: Path, browser: Any) -> None:
    site.user("clerk1", "clerk")
    site.user("archivist1", "archivist")
    made = uploaded(site, tmp_path)
    sign_in(page, "archivist1", next=f"/documents/{made['id']}")
    page.get_by_role("button", name="确认著录信息").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "著录信息已确认。"
    assert page.locator("#doc-confirmed").inner_text().startswith("archivist1")
    assert page.get_by_role("button", name="确认著录信息").count() == 0

    clerk = open_page(browser, site)
    sign_in(clerk, "clerk1", next=f"/documents/{made['id']}")
    assert clerk.get_by_role("link", name="修改著录信息").count() == 0
    answer = clerk.goto(f"/documents/{made['id']}/edit")
    assert answer is not None and answer.status == 403
    clerk.close()


def test_a_bad_value_is_refused_and_the_form_keeps_what_was_typed(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    made = uploaded(site, tmp_path)
    sign_in(page, "clerk1", next=f"/documents/{made['id']}/edit")
    page.get_by_label("文件日期").fill("2999-01-01")
    page.get_by_label("题名").fill("新题名")
    page.get_by_label("修改原因").fill("试改")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="保存修改").click()
    assert answer.value.status == 422
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("题名").input_value() == "新题名"
    assert page.get_by_label("修改原因").input_value() == "试改"
    with site.core.uow() as uow:
        document = uow.session.get(Document, made["id"])
        assert document is not None and document.title == "房屋租赁合同"
        assert uow.session.query(DocumentChange).count() == 0


def test_staff_are_offered_no_correction(page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    site.user("staff1", "staff")
    made = uploaded(site, tmp_path)
    sign_in(page, "staff1", next=f"/documents/{made['id']}")
    assert page.get_by_role("link", name="修改著录信息").count() == 0
    answer = page.goto(f"/documents/{made['id']}/edit")
    assert answer is not None and answer.status == 403
