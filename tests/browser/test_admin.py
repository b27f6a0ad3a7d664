"""Jobs, the integrity check (四性检测) and users in a real browser: a parked
extraction with its error and its retry, the check's findings by aspect as far
as the caller may see, and the administrator managing accounts."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from shared.db.models import DocumentVersion, Job
from shared.domain.errors import AlreadyExists
from shared.jobs.queue import EXTRACT, JobState
from shared.jobs.runner import Worker
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import drain, login

REFUSED = "您的角色无权执行此操作。"


def upload(site: Site, path: Path, **fields: str) -> dict:
    """Through the API, as clerk1 (made at the first upload)."""
    with contextlib.suppress(AlreadyExists):
        site.user("clerk1", "clerk")
    client = login(site.url, "clerk1")
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"type": "contract", "title": "租赁合同", **fields})
    client.close()
    assert response.status_code == 201, response.text
    return response.json()


def object_key(site: Site, document_id: str) -> str:
    with site.core.uow() as uow:
        return uow.session.scalars(select(DocumentVersion.object_key).where(
            DocumentVersion.document_id == document_id)).one()


def park_extraction(site: Site, document: dict) -> int:
    """The document's stored object vanishes and its extraction, allowed one
    attempt, fails: the job is parked with its error."""
    site.core.store.delete(object_key(site, document["id"]))
    with site.core.transaction() as session:
        session.execute(update(Job).values(max_attempts=1))
    Worker(site.core.database, site.archive.handlers(kinds=(EXTRACT,)), lease_seconds=60).drain()
    with site.core.uow() as uow:
        job = uow.session.scalars(select(Job).where(Job.kind == EXTRACT,
                                                    Job.payload["document_id"].as_string()
                                                    == document["id"])).one()
        assert job.state == JobState.PARKED and job.last_error
        return job.id


def state_of(site: Site, job_id: int) -> str:
    with site.core.uow() as uow:
        return uow.session.get_one(Job, job_id).state


def code_words(page: Any) -> set[str]:
    """Technical detail shown as it is stored (errors, object keys)."""
    return {w for text in page.locator("code").all_inner_texts()
            for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)}


# --------------------------------------------------------------------------- jobs


def test_a_parked_job_shows_its_error_and_its_record_and_a_retry_queues_it(
        page: Any, site: Site, tmp_path: Path) -> None:
    document = upload(site, samples.make_pdf(tmp_path, name="租赁合同.pdf"))
    job_id = park_extraction(site, document)
    site.user("archivist1", "archivist")
    sign_in(page, "archivist1", next="/jobs")
    row = page.locator(f"#job-{job_id}")
    link = row.get_by_role("link", name=document["archive_number"])
    assert link.get_attribute("href") == f"/documents/{document['id']}"
    assert row.locator("code.job-error").inner_text().strip() != ""
    assert "文字识别" in row.inner_text()
    assert row.locator("td[data-label='尝试次数']").inner_text() == "1"
    assert english_words(page, data={"archivist1", document["archive_number"],
                                     *code_words(page)}) == set()
    row.get_by_role("button", name=f"重试任务 {job_id}").click()
    assert page.get_by_role("status").filter(has_text=f"任务 {job_id} 已重新排队。").is_visible()
    assert state_of(site, job_id) == JobState.QUEUED
    assert page.get_by_text("没有搁置的任务。").is_visible()
    assert site.outside == [] and site.console_errors == []


def test_a_job_of_a_record_beyond_clearance_is_neither_listed_nor_retried(
        browser: Any, site: Site, tmp_path: Path) -> None:
    hidden = upload(site, samples.make_pdf(tmp_path, name="机密合同.pdf"), secrecy="1")
    job_id = park_extraction(site, hidden)
    site.user("archivist3", "archivist", clearance=3)
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist3", next="/jobs")
    assert page.get_by_text("没有搁置的任务。").is_visible()
    assert hidden["archive_number"] not in page.content() and hidden["id"] not in page.content()
    assert no_sideways_scroll(page)
    csrf = page.locator("form[action='/logout'] input[name=csrf]").get_attribute("value")
    answer = page.request.post(f"/jobs/{job_id}/retry", form={"csrf": csrf})
    assert answer.ok and f"任务 {job_id} 未被搁置，或您无权查看。" in answer.text()
    assert state_of(site, job_id) == JobState.PARKED
    page.context.close()


def test_a_retry_without_the_csrf_token_is_refused(page: Any, site: Site, tmp_path: Path) -> None:
    job_id = park_extraction(site, upload(site, samples.make_pdf(tmp_path)))
    site.user("admin1", "admin")
    sign_in(page, "admin1", next="/jobs")
    assert page.locator(f"#job-{job_id}").is_visible()  # the administrator manages jobs too
    assert page.request.post(f"/jobs/{job_id}/retry", form={}).status == 403
    assert state_of(site, job_id) == JobState.PARKED


def test_jobs_are_refused_to_a_role_without_them(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    sign_in(page, "staff1", next="/jobs")
    assert page.get_by_role("alert").inner_text() == REFUSED


# --------------------------------------------------------------------------- integrity check


def run_check(page: Any) -> None:
    page.get_by_role("button", name="立即检测").click()
    page.locator(".check-summary").wait_for(timeout=120_000)


def test_the_check_shows_the_four_aspects_and_a_changed_object(
        browser: Any, site: Site, tmp_path: Path) -> None:
    seen = upload(site, samples.make_pdf(tmp_path, seed=1, name="普通合同.pdf"), secrecy="3")
    hidden = upload(site, samples.make_pdf(tmp_path, seed=2, name="机密合同.pdf"), secrecy="1")
    drain(site.core, site.archive.index)
    for document in (seen, hidden):
        (site.core.store.root / object_key(site, document["id"])).write_bytes(b"%PDF-1.7 overwritten")
    site.user("archivist1", "archivist")
    page = open_page(browser, site)
    sign_in(page, "archivist1", next="/check")
    assert page.get_by_text("本服务启动以来尚未进行检测。").is_visible()
    assert page.locator("#s-chain ~ p .badge.ok").inner_text() == "完好"
    run_check(page)
    for aspect in ("真实性", "完整性", "可用性", "安全性"):
        assert page.get_by_role("heading", name=re.compile(f"^{aspect}")).is_visible()
    authenticity = page.locator("#aspect-authenticity")
    assert authenticity.get_by_role("link", name=f"{seen['archive_number']} v1").is_visible()
    assert authenticity.get_by_role("link", name=f"{hidden['archive_number']} v1").is_visible()
    assert "存储的内容与记录的 SHA-256 不符。" in authenticity.inner_text()
    assert "文件已无法打开。" in page.locator("#aspect-usability").inner_text()
    assert page.locator("#aspect-security").get_by_text("未发现问题。").is_visible()
    assert english_words(page, data={"archivist1", seen["archive_number"], hidden["archive_number"],
                                     "SHA-256", *code_words(page)}) == set()
    page.context.close()

    # an auditor of clearance 3 reads the same run: the level-1 record's findings are counted only
    site.user("auditor3", "auditor", clearance=3)
    auditor = open_page(browser, site, viewport=PHONE)
    sign_in(auditor, "auditor3", next="/check")
    assert auditor.locator("#aspect-authenticity").get_by_role(
        "link", name=f"{seen['archive_number']} v1").is_visible()
    text = auditor.content()
    assert hidden["archive_number"] not in text and hidden["id"] not in text
    assert "其中 2 个问题涉及超出您查阅权限的档案，不予显示。" in auditor.inner_text("body")
    assert no_sideways_scroll(auditor)
    auditor.context.close()


def test_a_sound_archive_has_no_findings_and_a_run_without_csrf_is_refused(
        page: Any, site: Site, tmp_path: Path) -> None:
    upload(site, samples.make_pdf(tmp_path))
    drain(site.core, site.archive.index)
    site.user("auditor1", "auditor")
    sign_in(page, "auditor1", next="/check")
    assert page.request.post("/check", form={}).status == 403
    assert page.get_by_text("本服务启动以来尚未进行检测。").is_visible()
    run_check(page)
    assert page.locator(".check-summary .badge.ok").inner_text() == "未发现问题"
    assert page.locator("section.aspect .badge.ok").count() == 4


def test_index_gaps_name_records_by_archive_number_and_a_stray_object_by_its_key(
        page: Any, site: Site, tmp_path: Path) -> None:
    # never indexed (no worker ran): each record is a finding that names it by its id
    seen = upload(site, samples.make_pdf(tmp_path, seed=1), secrecy="3")
    hidden = upload(site, samples.make_pdf(tmp_path, seed=2, name="机密.pdf"), secrecy="1")
    site.core.store.put("documents/stray/v1-0", io.BytesIO(b"%PDF-stray"),
                        content_type="application/pdf")
    site.user("auditor3", "auditor", clearance=3)
    sign_in(page, "auditor3", next="/check")
    run_check(page)
    integrity = page.locator("#aspect-integrity")
    link = integrity.get_by_role("link", name=seen["archive_number"], exact=True)
    assert link.get_attribute("href") == f"/documents/{seen['id']}"
    assert "已归档但不在检索索引中。" in integrity.inner_text()
    assert integrity.locator("code", has_text="documents/stray/v1-0").is_visible()
    assert "存储中有对象不属于任何档案。" in integrity.inner_text()
    text = page.content()
    assert hidden["id"] not in text and hidden["archive_number"] not in text
    assert page.locator(".hidden-findings").inner_text() == \
        "其中 1 个问题涉及超出您查阅权限的档案，不予显示。"


def test_the_check_is_refused_to_a_role_without_the_audit_trail(page: Any, site: Site) -> None:
    site.user("clerk9", "clerk")
    sign_in(page, "clerk9", next="/check")
    assert page.get_by_role("alert").inner_text() == REFUSED


# --------------------------------------------------------------------------- users


def users_row(page: Any, username: str) -> Any:
    return page.locator(f"tr[data-username='{username}']")


def add_user(page: Any, username: str, *, role: str = "staff", clearance: str = "2",
             password: str = "a new password", again: str | None = None) -> None:
    form = page.locator("form[action='/users/add']")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("角色").select_option(role)
    form.get_by_label("查阅权限").select_option(clearance)
    form.locator("#f-password").fill(password)
    form.get_by_label("再次输入密码").fill(password if again is None else again)
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()


def manage(page: Any, username: str) -> Any:
    row = users_row(page, username)
    row.locator("summary").click()
    return row


def test_the_administrator_adds_a_user_who_signs_in_then_disables_and_removes_them(
        browser: Any, site: Site) -> None:
    site.user("admin1", "admin")
    admin = open_page(browser, site)
    sign_in(admin, "admin1", next="/users")
    add_user(admin, "newstaff", clearance="2")
    assert admin.get_by_role("status").inner_text() == "已添加用户 newstaff。"
    row = users_row(admin, "newstaff")
    assert "查阅人" in row.inner_text() and row.locator("td[data-label='查阅权限']").inner_text() == "2"
    assert row.locator(".badge.ok").inner_text() == "已启用"
    assert english_words(admin, data={"admin1", "newstaff"}) == set()

    person = open_page(browser, site)
    sign_in(person, "newstaff", "a new password")
    assert person.get_by_role("heading", name="欢迎，newstaff").is_visible()

    manage(admin, "newstaff").get_by_role("button", name="停用").click()
    assert admin.get_by_role("status").inner_text() == "已停用用户 newstaff。"
    assert users_row(admin, "newstaff").locator(".badge.warn").inner_text() == "已停用"
    person.goto("/")
    assert "/login" in person.url  # the session ended with the account
    sign_in(person, "newstaff", "a new password")
    assert person.get_by_role("alert").inner_text() == "用户名或密码错误。"

    admin.once("dialog", lambda dialog: dialog.accept())
    manage(admin, "newstaff").get_by_role("button", name="删除").click()
    assert admin.get_by_role("status").inner_text() == "已删除用户 newstaff。"
    assert users_row(admin, "newstaff").count() == 0
    add_user(admin, "newstaff")  # the name stays taken
    assert admin.get_by_role("alert").inner_text() == "该用户名已存在。"
    # the refused sign-in and the refused name answer 401 and 409: no policy was violated
    assert site.outside == [] and not [e for e in site.console_errors if "Security Policy" in e]
    person.context.close()
    admin.context.close()


def test_the_administrator_changes_a_role_and_a_password(browser: Any, site: Site) -> None:
    site.user("admin1", "admin")
    site.user("staff1", "staff", clearance=3)
    admin = open_page(browser, site)
    sign_in(admin, "admin1", next="/users")
    row = manage(admin, "staff1")
    row.get_by_label("角色").select_option("archivist")
    row.get_by_label("查阅权限").select_option("1")
    row.get_by_role("button", name="修改角色与查阅权限").click()
    assert admin.get_by_role("status").inner_text() == "已修改 staff1 的角色与查阅权限。"
    assert "档案管理员" in users_row(admin, "staff1").inner_text()
    row = manage(admin, "staff1")
    row.get_by_label("新密码", exact=True).fill("another password")
    row.get_by_label("再次输入新密码").fill("another password")
    row.get_by_role("button", name="设置新密码").click()
    assert admin.get_by_role("status").inner_text() == "已修改 staff1 的密码。"
    manage(admin, "staff1").get_by_role("button", name="停用").click()
    manage(admin, "staff1").get_by_role("button", name="启用").click()
    assert admin.get_by_role("status").inner_text() == "已启用用户 staff1。"
    assert users_row(admin, "staff1").locator(".badge.ok").inner_text() == "已启用"
    person = open_page(browser, site)
    sign_in(person, "staff1", "another password")
    menu = person.get_by_role("navigation", name="主菜单")
    assert menu.get_by_role("link", name="四性检测").is_visible()  # an archivist now
    person.context.close()
    admin.context.close()


def test_refusals_are_shown_translated_and_change_nothing(page: Any, site: Site) -> None:
    site.user("admin1", "admin")
    sign_in(page, "admin1", next="/users")
    add_user(page, "typo", again="a different password")
    assert page.get_by_role("alert").inner_text() == "两次输入的密码不一致，请输入相同的密码。"
    assert users_row(page, "typo").count() == 0
    add_user(page, "short", password="short")
    assert page.get_by_role("alert").inner_text() == "密码至少需要 8 个字符。"
    page.goto("/users")
    manage(page, "admin1").get_by_role("button", name="停用").click()
    assert page.get_by_role("alert").inner_text() == "不能对自己的账户执行此操作。"
    page.goto("/users")
    row = manage(page, "admin1")
    row.get_by_label("角色").select_option("staff")
    row.get_by_role("button", name="修改角色与查阅权限").click()
    assert page.get_by_role("alert").inner_text() == "不能对自己的账户执行此操作。"
    page.goto("/users")
    assert "系统管理员" in users_row(page, "admin1").inner_text()
    csrf = page.locator("form[action='/logout'] input[name=csrf]").get_attribute("value")
    assert page.request.post("/users/add", form={
        "username": "nocsrf", "role": "staff", "clearance": "3", "password": "long enough",
        "password_again": "long enough"}).status == 403
    assert page.request.post("/users/remove", form={"username": "admin1", "csrf": csrf}).status == 422
    page.goto("/users")
    assert users_row(page, "nocsrf").count() == 0 and users_row(page, "admin1").count() == 1


def test_users_are_the_administrator_s_alone(browser: Any, site: Site) -> None:
    site.user("archivist1", "archivist")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "archivist1", next="/users")
    assert page.get_by_role("alert").inner_text() == REFUSED
    assert page.locator("table.users").count() == 0
    page.context.close()


def test_the_users_page_fits_a_phone(browser: Any, site: Site) -> None:
    site.user("admin1", "admin")
    site.user("a-rather-long-username-of-someone", "division_leader")
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "admin1", next="/users")
    manage(page, "a-rather-long-username-of-someone")
    assert no_sideways_scroll(page)
    page.context.close()


def test_the_users_page_in_english(browser: Any, site: Site) -> None:
    site.user("admin1", "admin")
    site.user("leader1", "division_leader", clearance=2)
    page = open_page(browser, site, language="en")
    sign_in(page, "admin1", next="/users")
    assert page.get_by_role("heading", name="Users", level=1).is_visible()
    row = users_row(page, "leader1")
    assert "Division leader" in row.inner_text() and "Enabled" in row.inner_text()
    row.locator("summary").click()
    assert row.get_by_label("Clearance").input_value() == "2"
    page.locator("form[action='/users/add'] #f-password").fill("short")
    page.locator("#f-username").fill("x1")
    page.locator("#f-password_again").fill("short")
    page.get_by_role("button", name="Add the user").click()
    assert page.get_by_role("alert").inner_text() == "A password has at least 8 characters."
    assert not re.search(r"[\u4e00-\u9fff]", page.inner_text("main"))
    page.context.close()
