"""The access-request pages in a real browser (SPEC §4): a staff member asks
to borrow a record beyond their clearance, an approver with the authority
decides it from their inbox, and nothing hidden shows on the way."""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.api.web.i18n import translator
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import login

ZH = translator("zh")


@pytest.fixture
def secret(site: Site, tmp_path: Path) -> Iterator[dict]:
    """A secrecy-1 record of customer C001, archived by "arch" (clearance 1)."""
    site.user("arch", "archivist", 1)
    arch = login(site.url, "arch")
    try:
        arch.post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易有限公司", "kind": "company"})
        path = samples.make_pdf(tmp_path, text="董事会决议 机密", name="董事会决议.pdf")
        with path.open("rb") as handle:
            answer = arch.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"type": "contract", "title": "绝密董事会决议", "customer": "C001",
                                     "document_date": "2024-05-01", "secrecy": "1"})
        assert answer.status_code == 201, answer.text
        yield answer.json()
    finally:
        arch.close()


def csrf_of(page: Any) -> str:
    return str(page.locator("input[name=csrf]").first.get_attribute("value"))


def flash_text(page: Any) -> str:
    return str(page.locator("p.flash").first.inner_text())


def ask(page: Any, *, documents: str, purpose: str = "诉讼准备", until: str | None = None) -> None:
    page.goto("/access/new")
    page.get_by_label("档案（档号或编号）").fill(documents)
    page.get_by_role("textbox", name=re.compile("^用途")).fill(purpose)
    if until is not None:
        page.get_by_role("textbox", name=re.compile("^归还日期")).fill(until)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()


def test_a_staff_member_borrows_a_record_beyond_their_clearance_once_a_manager_approves(
        browser: Any, page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("dm", "department_manager", 1)  # level 1 is beyond a department manager's authority
    site.user("gm", "general_manager", 1)
    api = login(site.url, "staff3")
    try:
        assert api.get(f"/api/v1/documents/{secret['id']}").status_code == 404
        sign_in(page, "staff3", next="/access")
        page.get_by_role("link", name="新建借阅申请").click()
        ask(page, documents=secret["archive_number"])
        assert re.fullmatch(r"第 \d+ 号借阅申请已提交审批。", flash_text(page))
        mine = page.get_by_role("region", name="我的申请")
        assert "待审批" in mine.inner_text() and "诉讼准备" in mine.inner_text()
        assert "绝密董事会决议" not in page.inner_text("body")  # not before it is approved
        assert page.get_by_role("heading", name="待我审批").count() == 0  # staff approve nothing

        manager = open_page(browser, site)
        sign_in(manager, "dm", next="/access")
        assert manager.get_by_text(ZH.gettext("Nothing waits for your approval.")).is_visible()
        manager.context.close()

        leader = open_page(browser, site)
        sign_in(leader, "gm", next="/access")
        waiting = leader.get_by_role("region", name="待我审批")
        assert "staff3" in waiting.inner_text() and secret["archive_number"] in waiting.inner_text()
        leader.once("dialog", lambda dialog: dialog.accept())
        waiting.get_by_role("button", name=re.compile(r"批准第 \d+ 号申请")).click()
        leader.wait_for_load_state()
        assert re.fullmatch(r"第 \d+ 号借阅申请已批准。", flash_text(leader))
        assert leader.get_by_text(ZH.gettext("Nothing waits for your approval.")).is_visible()
        leader.context.close()

        assert api.get(f"/api/v1/documents/{secret['id']}").status_code == 200
        assert api.get(f"/api/v1/documents/{secret['id']}/content").status_code == 200
        page.reload()
        mine = page.get_by_role("region", name="我的申请")
        assert "已批准" in mine.inner_text() and "绝密董事会决议" in mine.inner_text()
        assert "gm" in mine.inner_text()
    finally:
        api.close()
    assert site.outside == [] and site.console_errors == []


def test_an_unknown_id_and_a_hidden_id_are_answered_alike(page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    sign_in(page, "staff3", next="/access")
    ask(page, documents=secret["id"])
    hidden = re.sub(r"\d+", "N", flash_text(page))
    ask(page, documents=str(uuid.uuid4()))
    unknown = re.sub(r"\d+", "N", flash_text(page))
    assert hidden == unknown == "第 N 号借阅申请已提交审批。"
    rows = page.get_by_role("region", name="我的申请").locator("tbody tr")
    assert rows.count() == 2
    texts = [re.sub(r"^\d+", "", t) for t in rows.all_inner_texts()]
    assert texts[0] == texts[1]  # same state, purpose, until and (no) records shown
    assert secret["archive_number"] not in page.inner_text("body")


def test_an_end_date_beyond_the_longest_grant_or_in_the_past_is_refused(
        page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    sign_in(page, "staff3")
    today = site.core.today()
    latest = today + timedelta(days=site.core.settings.access_longest_days)
    page.goto("/access/new")
    until = page.get_by_role("textbox", name=re.compile("^归还日期"))
    assert until.get_attribute("max") == latest.isoformat()
    too_late = (latest + timedelta(days=1)).isoformat()
    answer = page.request.post("/access", form={"csrf": csrf_of(page), "documents": secret["id"],
                                                "purpose": "审计", "until": too_late})
    assert answer.status == 422
    assert ZH.gettext("The end date is later than a grant may run: {latest} at the latest.").format(
        latest=ZH.date(latest)) in answer.text()
    passed = (today - timedelta(days=1)).isoformat()
    answer = page.request.post("/access", form={"csrf": csrf_of(page), "documents": secret["id"],
                                                "purpose": "审计", "until": passed})
    assert answer.status == 422 and ZH.gettext("The end date has passed.") in answer.text()
    page.goto("/access")
    assert page.get_by_text(ZH.gettext("You have made no access request yet.")).is_visible()


def test_a_request_without_a_purpose_shows_the_form_again_with_what_was_entered(
        page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    sign_in(page, "staff3")
    page.goto(f"/access/new?documents={secret['id']}")
    assert page.get_by_label("档案（档号或编号）").input_value() == secret["id"]
    page.get_by_role("textbox", name=re.compile("^用途")).evaluate("e => e.removeAttribute('required')")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == ZH.gettext("An access request states its purpose.")
    assert page.get_by_label("档案（档号或编号）").input_value() == secret["id"]


def test_an_approver_refuses_with_a_reason_and_never_decides_their_own_request(
        browser: Any, page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("gm", "general_manager", 1)
    sign_in(page, "staff3")
    ask(page, documents=secret["archive_number"])
    leader = open_page(browser, site)
    sign_in(leader, "gm")
    ask(leader, documents=secret["archive_number"], purpose="自查")
    own = leader.get_by_role("region", name="我的申请").locator("tbody td").first.inner_text()
    waiting = leader.get_by_role("region", name="待我审批")
    assert waiting.locator("tbody tr").count() == 1 and "staff3" in waiting.inner_text()  # not their own
    answer = leader.request.post(f"/access/{own}/approve", form={"csrf": csrf_of(leader)}, max_redirects=0)
    assert answer.status == 303
    leader.goto("/access")
    assert flash_text(leader) == ZH.gettext("Nobody decides their own access request.")
    leader.once("dialog", lambda dialog: dialog.accept())
    waiting.get_by_label("驳回理由").fill("用途不明")
    waiting.get_by_role("button", name=re.compile(r"驳回第 \d+ 号申请")).click()
    leader.wait_for_load_state()
    assert re.fullmatch(r"第 \d+ 号借阅申请已驳回。", flash_text(leader))
    leader.context.close()
    page.goto("/access")
    mine = page.get_by_role("region", name="我的申请").inner_text()
    assert "已驳回" in mine and "用途不明" in mine


def test_the_access_pages_in_chinese_have_no_english_and_fit_a_phone(
        browser: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("gm", "general_manager", 1)
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "staff3")
    ask(page, documents=secret["archive_number"], until=(date.today() + timedelta(days=20)).isoformat())
    for path in ("/access", "/access/new"):
        page.goto(path)
        assert english_words(page, data={"staff3"}) == set(), path
        assert no_sideways_scroll(page), path
    page.context.clear_cookies()
    sign_in(page, "gm", next="/access")
    assert english_words(page, data={"gm", "staff3", secret["archive_number"]}) == set()
    assert no_sideways_scroll(page)
    assert site.console_errors == []


def test_posts_without_csrf_or_beyond_the_role_are_refused(page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("auditor1", "auditor", 1)
    sign_in(page, "staff3")
    answer = page.request.post("/access", form={"documents": secret["id"], "purpose": "x",
                                                "until": date.today().isoformat()})
    assert answer.status == 403
    ask(page, documents=secret["id"])
    request_id = page.get_by_role("region", name="我的申请").locator("tbody td").first.inner_text()
    answer = page.request.post(f"/access/{request_id}/approve", form={"csrf": csrf_of(page)})
    assert answer.status == 403 and ZH.gettext("Your role may not do this.") in answer.text()
    page.context.clear_cookies()
    sign_in(page, "auditor1")
    assert page.goto("/access").status == 403
    assert page.get_by_role("alert").inner_text() == ZH.gettext("Your role may not do this.")


def test_a_customer_s_whole_file_is_asked_for_and_lent_once_approved(
        browser: Any, page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("gm", "general_manager", 1)
    sign_in(page, "staff3")
    page.goto("/access/new?customer=C001")
    assert page.get_by_label("或某一客户的全部档案（客户编号）").input_value() == "C001"
    page.get_by_role("textbox", name=re.compile("^用途")).fill("年度审计")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state()
    mine = page.get_by_role("region", name="我的申请")
    assert "客户 C001 的全部档案" in mine.inner_text()
    assert "绝密董事会决议" not in page.inner_text("body")  # the file's hidden records stay hidden
    leader = open_page(browser, site)
    sign_in(leader, "gm", next="/access")
    waiting = leader.get_by_role("region", name="待我审批")
    assert "绝密董事会决议" in waiting.inner_text()  # the approver sees what they would lend
    leader.once("dialog", lambda dialog: dialog.accept())
    waiting.get_by_role("button", name=re.compile(r"批准第 \d+ 号申请")).click()
    leader.wait_for_load_state()
    leader.context.close()
    page.reload()
    assert "绝密董事会决议" in page.get_by_role("region", name="我的申请").inner_text()


def test_an_approver_without_the_clearance_or_authority_is_refused_without_the_level(
        browser: Any, page: Any, site: Site, secret: dict) -> None:
    site.user("staff3", "staff", 3)
    site.user("dm3", "department_manager", 3)
    site.user("dm1", "department_manager", 1)
    sign_in(page, "staff3")
    ask(page, documents=secret["archive_number"])
    request_id = page.get_by_role("region", name="我的申请").locator("tbody td").first.inner_text()
    for name, refusal in (("dm3", "This reaches records beyond your clearance; someone with the clearance "
                                  "for them must do it."),
                          ("dm1", "Approving this needs a role with a higher authority.")):
        approver = open_page(browser, site)
        sign_in(approver, name, next="/access")
        assert approver.get_by_text(ZH.gettext("Nothing waits for your approval.")).is_visible()
        approver.request.post(f"/access/{request_id}/approve", form={"csrf": csrf_of(approver)},
                              max_redirects=0)
        approver.goto("/access")
        shown = flash_text(approver)
        assert shown == ZH.gettext(refusal)
        if name == "dm3":
            assert not re.search(r"\d|一级", shown)  # the hidden record's level is not told
            assert "绝密董事会决议" not in approver.inner_text("body")
        approver.context.close()
    page.reload()
    assert "待审批" in page.get_by_role("region", name="我的申请").inner_text()
