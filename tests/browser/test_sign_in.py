"""Signing in and out of the page, its two languages, and the offline API
documentation, in a real browser."""
from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in


def test_the_page_asks_for_a_sign_in_then_shows_what_the_role_can_do(page: Any, site: Site) -> None:
    site.user("clerk1", "clerk")
    page.goto("/")
    assert "/login" in page.url
    sign_in(page, "clerk1", next="/")
    assert page.get_by_role("heading", name="欢迎，clerk1").is_visible()
    menu = page.get_by_role("navigation", name="主菜单")
    assert menu.get_by_role("link", name="上传").is_visible()
    assert menu.get_by_role("link", name="用户").count() == 0  # the administrator's page
    assert english_words(page, data={"clerk1"}) == set()
    assert site.outside == [] and site.console_errors == []


def test_a_wrong_password_is_answered_in_the_page_language(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    sign_in(page, "staff1", "not the password")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误。"
    assert "/login" in page.url


def test_english_is_chosen_and_remembered(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    sign_in(page, "staff1")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Welcome, staff1").is_visible()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.get_by_role("link", name="Search", exact=True).is_visible()
    page.get_by_role("link", name="中文").click()
    assert page.get_by_role("link", name="检索", exact=True).is_visible()


def test_sign_out_ends_the_session(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    sign_in(page, "staff1")
    page.get_by_role("button", name="退出").click()
    assert "/login" in page.url
    page.goto("/")
    assert "/login" in page.url


def test_the_throttle_message_is_shown(browser: Any, site: Site) -> None:
    site.user("staff1", "staff")
    page = open_page(browser, site, language="en")
    for _ in range(site.core.settings.login_account_failures):
        sign_in(page, "staff1", "wrong password")
    sign_in(page, "staff1")  # the right password, now refused for a while
    assert re.fullmatch(r"Too many failed sign-ins\. Try again in [\d,]+ seconds\.",
                        page.get_by_role("alert").inner_text())


def test_sign_in_works_with_the_keyboard_alone(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "f-username"  # autofocus
    page.keyboard.type("staff1")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="欢迎，staff1").is_visible()


def test_the_start_page_fits_a_phone(browser: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist1")
    assert no_sideways_scroll(page)


def test_the_api_documentation_opens_offline(page: Any, site: Site) -> None:
    page.goto("/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/search").count() >= 1
    page.goto("/redoc")
    page.get_by_text("/api/v1/documents").first.wait_for(timeout=30_000)
    assert site.outside == []
    # ReDoc's own "powered by" logo points at its CDN: the policy keeps it from loading
    blocked = [e for e in site.console_errors if "Content Security Policy" in e]
    assert all("cdn.redoc.ly" in e for e in blocked), blocked
