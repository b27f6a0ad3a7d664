"""The customers pages in a real browser: the list and its filters, creating,
editing, closing and reopening a customer, and a customer's file grouped by
record type with each record's state and retention — only what the reader
may see."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shared import customers
from shared.db.models import AuditEvent, Customer
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import drain, login
from tests.e2e.test_search_api import upload

NAME = "上海某某贸易有限公司"
CJK = re.compile(r"[\u3400-\u9fff]")


def add_customer(site: Site, code: str, name: str = NAME, *, kind: str = "company",
                 grade: str = "B") -> str:
    with site.core.transaction() as session:
        customers.create_customer(session, code=code, name=name, kind=kind, grade=grade, actor="test")
    return code


def archive_file(site: Site, tmp_path: Path, code: str) -> dict[str, dict]:
    """A contract, a business licence and a secrecy-1 contract for ``code``,
    uploaded through the API and extracted."""
    site.user("clerk9", "clerk", clearance=1)
    clerk = login(site.url, "clerk9")
    try:
        made = {
            "contract": upload(clerk, samples.make_pdf(tmp_path / "a", text="房屋租赁合同 甲方", seed=1,
                                                       name="租赁合同.pdf"),
                               customer=code, title="房屋租赁合同", secrecy="3"),
            "licence": upload(clerk, samples.make_pdf(tmp_path / "b", text="营业执照 副本", seed=2,
                                                      name="营业执照.pdf"),
                              customer=code, type="business_licence", title="营业执照副本",
                              document_date="2023-06-01", secrecy="3"),
            "secret": upload(clerk, samples.make_pdf(tmp_path / "c", text="绝密 担保合同", seed=3,
                                                     name="担保合同.pdf"),
                             customer=code, title="绝密担保合同", secrecy="1"),
        }
    finally:
        clerk.close()
    drain(site.core, site.archive.index)
    return made


def test_an_archivist_creates_edits_closes_and_reopens_a_customer(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1", next="/customers")
    page.get_by_role("link", name="新建客户").click()
    page.get_by_label("客户编号").fill("KH-001")
    page.get_by_label("客户名称").fill(NAME)
    page.get_by_label("客户类型").select_option("company")
    page.get_by_label("客户等级").select_option("B")
    page.get_by_role("button", name="创建客户").click()
    page.wait_for_url(re.compile(r"/customers/KH-001$"))
    assert page.get_by_role("status").inner_text() == "客户 KH-001 已创建。"
    assert page.get_by_role("heading", level=1).inner_text().startswith(NAME)

    page.get_by_role("link", name="编辑").click()
    page.get_by_label("客户等级").select_option("A")
    page.get_by_label("变更原因").fill("年度评级上调")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/customers/KH-001$"))
    assert page.locator("#customer-grade").inner_text() == "A（重要）"

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("销户日期").fill("2024-05-31")
    page.get_by_role("button", name="销户").click()
    page.wait_for_load_state()
    assert page.locator("#customer-status").inner_text() == "已销户"
    assert page.get_by_role("button", name="恢复客户").is_visible()
    page.get_by_role("button", name="恢复客户").click()
    page.wait_for_load_state()
    assert page.locator("#customer-status").inner_text() == "正常"
    with site.core.uow() as uow:
        customer = uow.session.scalars(select(Customer)).one()
        state = (customer.grade, customer.status, customer.closed_at)
        actions = uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target == "customer:KH-001").order_by(AuditEvent.id)).all()
    assert state == ("A", "active", None)
    assert actions == ["customer.create", "customer.update", "customer.close", "customer.reopen"]
    assert site.outside == [] and site.console_errors == []


def test_a_duplicate_code_is_refused_and_the_form_keeps_what_was_typed(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    add_customer(site, "KH-001")
    sign_in(page, "archivist1", next="/customers/new")
    page.get_by_label("客户编号").fill("KH-001")
    page.get_by_label("客户名称").fill("另一家公司")
    page.get_by_label("客户等级").select_option("C")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="创建客户").click()
    assert answer.value.status == 409
    assert page.get_by_role("alert").inner_text() == "该客户编号已存在。"
    assert page.get_by_label("客户名称").input_value() == "另一家公司"
    assert page.get_by_label("客户等级").input_value() == "C"
    with site.core.uow() as uow:
        assert uow.session.scalars(select(Customer.name)).all() == [NAME]


def test_a_blank_name_and_a_future_closing_date_are_refused(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    add_customer(site, "KH-002")
    sign_in(page, "archivist1", next="/customers/new")
    page.get_by_label("客户编号").fill("KH-003")
    page.get_by_label("客户名称").fill("   ")
    page.get_by_role("button", name="创建客户").click()
    assert page.get_by_role("alert").inner_text() == "请填写客户名称。"
    assert page.get_by_label("客户编号").input_value() == "KH-003"

    page.goto("/customers/KH-002")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("销户日期").evaluate("el => el.removeAttribute('max')")
    page.get_by_label("销户日期").fill("2999-01-01")
    page.get_by_role("button", name="销户").click()
    assert page.get_by_role("alert").inner_text() == "销户日期不能晚于今天。"
    assert page.locator("#customer-status").inner_text() == "正常"


def test_a_post_without_the_csrf_token_is_refused(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    add_customer(site, "KH-001")
    sign_in(page, "archivist1")
    created = page.request.post("/customers", form={"code": "KH-009", "name": NAME, "kind": "company",
                                                    "grade": "B"})
    closed = page.request.post("/customers/KH-001/close", form={"closed_at": "2024-01-01"})
    assert (created.status, closed.status) == (403, 403)
    assert "表单已过期" in created.text()
    with site.core.uow() as uow:
        rows = [(c.code, c.status) for c in uow.session.scalars(select(Customer))]
    assert rows == [("KH-001", "active")]


def test_staff_read_customers_but_may_not_manage_them(page: Any, site: Site) -> None:
    site.user("staff1", "staff", clearance=3)
    add_customer(site, "KH-001")
    sign_in(page, "staff1", next="/customers")
    assert page.get_by_role("link", name="KH-001").is_visible()
    assert page.get_by_role("link", name="新建客户").count() == 0
    page.goto("/customers/KH-001")
    assert page.get_by_role("button", name="销户").count() == 0
    answer = page.goto("/customers/new")
    assert answer is not None and answer.status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"
    token = page.locator("input[name=csrf]").first.input_value()
    refused = page.request.post("/customers/KH-001/close", form={"csrf": token, "closed_at": ""})
    assert refused.status == 403 and "您的角色无权执行此操作。" in refused.text()
    with site.core.uow() as uow:
        assert uow.session.scalars(select(Customer.status)).all() == ["active"]
    answer = page.goto("/customers/KH-404")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("alert").inner_text() == "该客户不存在。"


def test_the_list_filters_by_text_status_kind_and_grade_and_has_pages(page: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    for n in range(1, 53):
        add_customer(site, f"C{n:03d}", f"零散客户{n}", grade="C")
    add_customer(site, "KH-001")
    add_customer(site, "GOV-01", "某市政府采购中心", kind="government", grade="A")
    with site.core.transaction() as session:
        customers.close_customer(session, code="C001", closed_at=site.core.today(), actor="test",
                                 today=site.core.today())
    sign_in(page, "archivist1", next="/customers")
    assert page.locator("#customer-count").inner_text() == "54 个客户"
    page.get_by_role("link", name="下一页").click()
    assert page.locator("tbody tr").count() == 4 and "page=2" in page.url
    page.goto("/customers")
    page.get_by_label("编号或名称").fill("贸易")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("tbody tr td:first-child").all_inner_texts() == ["KH-001"]
    page.goto("/customers?kind=government")
    assert page.locator("tbody tr td:first-child").all_inner_texts() == ["GOV-01"]
    page.goto("/customers?status=closed&grade=C")
    assert page.locator("tbody tr td:first-child").all_inner_texts() == ["C001"]
    page.goto("/customers?q=没有这个客户")
    assert page.get_by_text("没有符合条件的客户。").is_visible()


def test_the_customer_file_groups_records_by_type_with_state_and_retention(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist", clearance=1)
    add_customer(site, "KH-001")
    made = archive_file(site, tmp_path, "KH-001")
    sign_in(page, "archivist1", next="/customers/KH-001")
    groups = page.locator(".file-group h3").all_inner_texts()
    assert groups == ["合同 (2)", "营业执照 (1)"]
    assert page.locator("#file-count").inner_text() == "3 件"
    licence = page.locator(".file-group").nth(1).locator("tbody tr")
    assert "营业执照副本" in licence.inner_text()
    assert "待起算：自客户销户起" in licence.inner_text()
    assert "可检索" in licence.inner_text() and "已归档" in licence.inner_text()
    contract = page.locator("tr", has_text="房屋租赁合同")
    assert "长期 · 30 年" in contract.inner_text() and "保管至 2054年3月15日" in contract.inner_text()
    link = page.get_by_role("link", name=made["contract"]["archive_number"])
    assert link.get_attribute("href") == f"/documents/{made['contract']['id']}"


def test_a_record_beyond_the_readers_clearance_is_neither_shown_nor_counted(
        browser: Any, site: Site, tmp_path: Path) -> None:
    add_customer(site, "KH-001")
    made = archive_file(site, tmp_path, "KH-001")
    site.user("staff3", "staff", clearance=3)
    page = open_page(browser, site)
    sign_in(page, "staff3", next="/customers/KH-001")
    body = page.inner_text("body")
    assert page.locator("#file-count").inner_text() == "2 件"
    assert page.locator(".file-group h3").all_inner_texts() == ["合同 (1)", "营业执照 (1)"]
    assert "绝密担保合同" not in body and made["secret"]["archive_number"] not in body
    assert made["secret"]["id"] not in page.content()


def test_the_pages_speak_one_language(browser: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    add_customer(site, "KH-001")
    made = archive_file(site, tmp_path, "KH-001")
    page = open_page(browser, site)
    sign_in(page, "archivist1", next="/customers")
    numbers = {d["archive_number"] for d in made.values()}
    for path in ("/customers", "/customers/new", "/customers/KH-001", "/customers/KH-001/edit"):
        page.goto(path)
        assert english_words(page, data={"archivist1", "KH-001", *numbers}) == set(), path
    page.get_by_role("link", name="English").click()
    for path in ("/customers", "/customers/new", "/customers/KH-001", "/customers/KH-001/edit"):
        page.goto(path)
        visible = page.inner_text("body")
        for data in (NAME, "房屋租赁合同", "营业执照副本", "绝密担保合同", "中文"):
            visible = visible.replace(data, "")
        assert CJK.findall(visible) == [], path
    page.goto("/customers/KH-001")
    assert page.get_by_role("heading", name="Customer file").is_visible()
    assert site.console_errors == []


def test_the_customer_pages_fit_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    add_customer(site, "KH-001")
    archive_file(site, tmp_path, "KH-001")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist1", next="/customers")
    for path in ("/customers", "/customers/new", "/customers/KH-001"):
        page.goto(path)
        assert no_sideways_scroll(page), path
