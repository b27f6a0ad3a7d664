"""The expiry reminder page (到期提醒) in a real browser: what expires within
30, 60 or 90 days and what has expired, per customer, with the customers to
re-investigate (重新调查) — over what the caller may see."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from shared.customers import create_customer
from shared.domain.validity import add_months
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.browser.test_stats import upload
from tests.conftest import login


def licences_and_reports(site: Site, tmp_path: Path) -> dict[str, dict]:
    """C001: a licence ending in 20 days, one in 50, a current credit report;
    C002: a credit report 13 months old (expired: re-investigate) and a
    secrecy-1 licence ending in 10 days."""
    site.user("clerk1", "clerk")
    with site.core.transaction() as session:
        create_customer(session, code="C001", name="鹭洲贸易", kind="company", grade="A", actor="test")
        create_customer(session, code="C002", name="海沧物流", kind="company", grade="B", actor="test")
    today = site.core.today()
    dated = today - timedelta(days=300)
    clerk = login(site.url, "clerk1")
    made = {}
    for seed, (key, customer, type_, on, valid, secrecy) in enumerate((
            ("soon", "C001", "business_licence", dated, today + timedelta(days=20), "3"),
            ("later", "C001", "business_licence", dated, today + timedelta(days=50), "3"),
            ("current", "C001", "credit_report", add_months(today, -2), None, "3"),
            ("report", "C002", "credit_report", add_months(today, -13), None, "3"),
            ("secret", "C002", "business_licence", dated, today + timedelta(days=10), "1"),
    ), start=1):
        fields = {"type": type_, "customer": customer, "document_date": on.isoformat(),
                  "title": f"{key}营业执照", "secrecy": secrecy}
        if valid is not None:
            fields["valid_until"] = valid.isoformat()
        made[key] = upload(clerk, samples.make_pdf(tmp_path, seed=seed, name=f"{key}.pdf"), **fields)
    clerk.close()
    return made


def section(page: Any, code: str) -> Any:
    return page.locator("section.expiry-customer").filter(has=page.get_by_role("heading", name=code))


def test_the_reminder_lists_what_expires_per_customer_and_who_to_re_investigate(
        page: Any, site: Site, tmp_path: Path) -> None:
    made = licences_and_reports(site, tmp_path)
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="到期提醒").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="到期提醒", level=1).is_visible()
    assert page.get_by_role("link", name="30 天内").get_attribute("aria-current") == "page"
    first = section(page, "C001")
    assert first.get_by_role("link", name=made["soon"]["archive_number"]).is_visible()
    assert "20 天后到期" in first.inner_text()
    assert made["later"]["archive_number"] not in page.inner_text("body")
    second = section(page, "C002")
    assert "重新调查" in second.get_by_role("heading").inner_text()
    assert "已过期" in second.inner_text() and made["report"]["archive_number"] in second.inner_text()
    flagged = page.get_by_role("region", name="需重新调查的客户")
    assert flagged.get_by_role("link", name="C002").is_visible() and "C001" not in flagged.inner_text()
    assert page.locator("#expiry-summary").inner_text() == \
        "已过期：1 件。30 天内到期：2 件。需重新调查的客户：1 个。"
    shown = {d["archive_number"] for d in made.values()} | {d["title"] for d in made.values()}
    assert english_words(page, data={"archivist1", *shown}) == set()

    page.get_by_role("link", name="60 天内").click()
    page.wait_for_load_state()
    assert "50 天后到期" in section(page, "C001").inner_text()
    assert page.locator("#expiry-summary").inner_text().startswith("已过期：1 件。60 天内到期：3 件。")
    page.get_by_label("客户编号").fill("C001")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert "within=60" in page.url and section(page, "C002").count() == 0
    assert site.outside == [] and site.console_errors == []


def test_a_clearance_3_reader_is_not_reminded_of_a_level_1_record(
        browser: Any, site: Site, tmp_path: Path) -> None:
    made = licences_and_reports(site, tmp_path)
    site.user("manager3", "department_manager", clearance=3)
    page = open_page(browser, site, language="en")
    sign_in(page, "manager3", next="/expiring?within=90")
    assert page.get_by_role("heading", name="Expiry reminders", level=1).is_visible()
    assert made["secret"]["archive_number"] not in page.inner_text("body")
    assert "secret" not in page.inner_text("body")
    assert "Expires in 20 days" in section(page, "C001").inner_text()
    assert page.locator("#expiry-summary").inner_text() == \
        "Expired: 1. Expiring within 90 days: 2. Customers to re-investigate: 1."
    page.context.close()


def test_a_window_other_than_30_60_or_90_days_is_refused(page: Any, site: Site) -> None:
    site.user("auditor1", "auditor")
    sign_in(page, "auditor1", next="/expiring?within=45")
    assert page.get_by_role("alert").inner_text() == "到期提醒的期限为 30、60 或 90 天。"
    assert page.goto("/expiring?within=abc").status == 422


def test_the_reminder_fits_a_phone_and_an_empty_one_says_so(browser: Any, site: Site) -> None:
    site.user("auditor1", "auditor")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "auditor1", next="/expiring")
    assert page.get_by_text("30 天内没有到期的档案，也没有已过期的档案。").is_visible()
    assert no_sideways_scroll(page)
    page.context.close()


def test_a_role_without_reports_is_refused_and_sees_no_link(page: Any, site: Site,
                                                            tmp_path: Path) -> None:
    made = licences_and_reports(site, tmp_path)
    site.user("staff1", "staff")
    sign_in(page, "staff1")
    assert page.get_by_role("navigation", name="主菜单").get_by_role("link", name="到期提醒").count() == 0
    assert page.goto("/expiring?within=90").status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"
    assert made["soon"]["archive_number"] not in page.inner_text("body")
