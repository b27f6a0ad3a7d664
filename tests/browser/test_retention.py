"""The retention pages in a real browser (SPEC §3): the sweep and the due
list, legal holds, a destruction list from draft to execution under a
supervisor, its printable certificate — and nothing beyond the caller's
clearance anywhere on them."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.api.web.i18n import translator
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import login

ZH = translator("zh")


@pytest.fixture
def arch(site: Site) -> Iterator[httpx.Client]:
    """The archivist "arch" (clearance 1) over the API, with customer C001."""
    site.user("arch", "archivist", 1)
    client = login(site.url, "arch")
    created = client.post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易有限公司",
                                                     "kind": "company", "grade": "A"})
    assert created.status_code == 201, created.text
    yield client
    client.close()


def upload(client: httpx.Client, tmp_path: Path, seed: int, *, title: str, date: str = "1990-06-30",
           secrecy: int = 3) -> dict:
    path = samples.make_pdf(tmp_path, seed=seed, text=f"旧合同 {seed}", name=f"旧合同{seed}.pdf")
    with path.open("rb") as handle:
        answer = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                             data={"type": "contract", "title": title, "customer": "C001",
                                   "document_date": date, "secrecy": str(secrecy)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def swept(client: httpx.Client) -> None:
    assert client.post("/api/v1/retention/sweep", json={}).status_code == 200


def csrf_of(page: Any) -> str:
    return str(page.locator("input[name=csrf]").first.get_attribute("value"))


def flash_text(page: Any) -> str:
    return str(page.locator("p.flash").first.inner_text())


def due_numbers(page: Any) -> list[str]:
    return [n.strip() for n in page.locator("#due tbody td[data-label='档号']").all_inner_texts()]


def test_an_archivist_sweeps_as_of_a_date_and_sees_what_is_due(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    old = upload(arch, tmp_path, 1, title="一九九〇年租赁合同")  # kept 30 years: until 2020-06-30
    young = upload(arch, tmp_path, 2, title="一九九九年租赁合同", date="1999-03-01")  # until 2029
    sign_in(page, "arch", next="/retention")
    assert page.get_by_text(ZH.gettext("Nothing is due for appraisal.")).is_visible()
    page.get_by_label("截至日期").fill("2021-01-01")
    page.get_by_role("button", name="检查到期").click()
    page.wait_for_load_state()
    assert flash_text(page) == "截至 2021年1月1日 的到期检查已完成。"
    assert due_numbers(page) == [old["archive_number"]]
    assert young["archive_number"] not in page.inner_text("body")
    assert page.locator("#due-total").inner_text() == "到期待鉴定档案 1 件。"
    assert site.outside == [] and site.console_errors == []


def test_a_sweep_after_today_is_refused_in_the_page_language(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    upload(arch, tmp_path, 1, title="旧合同")
    sign_in(page, "arch", next="/retention")
    answer = page.request.post("/retention/sweep", form={"csrf": csrf_of(page), "as_of": "2199-01-01"})
    assert answer.ok and "/retention" in answer.url
    page.goto("/retention")  # the refusal was shown on the page the redirect led to; nothing flagged
    assert due_numbers(page) == []
    answer = page.request.post("/retention/sweep", form={"csrf": csrf_of(page), "as_of": "2199-01-01"},
                               max_redirects=0)
    assert answer.status == 303
    page.goto(answer.headers["location"])
    assert flash_text(page) == ZH.gettext("A sweep cannot run as of a date after today.")


def test_a_held_record_cannot_go_on_a_destruction_list_until_the_hold_is_released(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    document = upload(arch, tmp_path, 1, title="涉诉合同")
    swept(arch)
    sign_in(page, "arch", next="/retention")
    page.get_by_label(f"选择 {document['archive_number']}").check()
    # meanwhile, in another tab, a legal hold is placed on it by its archive number
    other = page.context.new_page()
    other.goto("/retention#holds")
    other.get_by_role("textbox", name=re.compile("^理由")).fill("诉讼保全")
    other.get_by_label("档案（档号或编号）").fill(document["archive_number"])
    other.get_by_role("button", name="冻结", exact=True).click()
    other.wait_for_load_state()
    assert re.fullmatch(r"已冻结（第 \d+ 号）。", flash_text(other))
    hold_row = other.locator("#holds tbody tr")
    assert hold_row.count() == 1 and document["archive_number"] in hold_row.inner_text()
    assert document["archive_number"] not in other.locator("#due").inner_text()  # a held one is not due
    other.close()

    page.get_by_role("button", name="以所选档案起草销毁清册").click()
    page.wait_for_load_state()
    assert flash_text(page) == ZH.gettext(
        "A chosen record is under a legal hold: it cannot be destroyed while the hold applies.")
    assert page.locator("#lists").get_by_text(ZH.gettext("No destruction list yet.")).is_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("解冻理由").fill("诉讼结束")
    page.get_by_role("button", name=re.compile(r"解除第 \d+ 号冻结")).click()
    page.wait_for_load_state()
    assert re.fullmatch(r"第 \d+ 号冻结已解除。", flash_text(page))
    assert page.get_by_text(ZH.gettext("No legal hold applies.")).is_visible()
    assert due_numbers(page) == [document["archive_number"]]
    page.get_by_label(f"选择 {document['archive_number']}").check()
    page.get_by_role("button", name="以所选档案起草销毁清册").click()
    page.wait_for_url(re.compile(r"/retention/lists/\d+$"))


def test_a_hold_asked_without_a_reason_is_refused(page: Any, site: Site, arch: httpx.Client,
                                                   tmp_path: Path) -> None:
    document = upload(arch, tmp_path, 1, title="旧合同")
    sign_in(page, "arch", next="/retention")
    page.request.post("/retention/holds", form={"csrf": csrf_of(page), "reason": " ",
                                                "documents": document["archive_number"]})
    page.goto("/retention")
    assert page.get_by_text(ZH.gettext("No legal hold applies.")).is_visible()
    answer = page.request.post("/retention/holds", form={"csrf": csrf_of(page), "reason": "",
                                                         "documents": document["id"]}, max_redirects=0)
    assert answer.status == 303 and answer.headers["location"] == "/retention#holds"
    page.goto("/retention")
    assert flash_text(page) == ZH.gettext("Give a reason.")


def test_a_hold_on_a_whole_customer_keeps_its_due_records_off_the_due_list(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    document = upload(arch, tmp_path, 1, title="旧合同")
    swept(arch)
    sign_in(page, "arch", next="/retention")
    assert due_numbers(page) == [document["archive_number"]]
    page.get_by_role("textbox", name=re.compile("^理由")).fill("客户涉诉")
    page.get_by_label("或某一客户的全部档案（客户编号）").fill("C001")
    page.get_by_role("button", name="冻结", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#holds tbody tr").inner_text().count("客户 C001 的全部档案") == 1
    assert due_numbers(page) == []
    page.get_by_label("或某一客户的全部档案（客户编号）").fill("C999")
    page.get_by_role("textbox", name=re.compile("^理由")).fill("客户涉诉")
    page.get_by_role("button", name="冻结", exact=True).click()
    page.wait_for_load_state()
    assert flash_text(page) == ZH.gettext("No such customer.")
    assert page.locator("#holds tbody tr").count() == 1


def _draft(page: Any, *documents: dict) -> str:
    page.goto("/retention")
    for document in documents:
        page.get_by_label(f"选择 {document['archive_number']}").check()
    page.get_by_role("button", name="以所选档案起草销毁清册").click()
    page.wait_for_url(re.compile(r"/retention/lists/\d+$"))
    return str(page.url.rsplit("/", 1)[1])


def test_a_destruction_list_is_appraised_approved_and_executed_under_a_supervisor(
        browser: Any, page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    site.user("dm", "department_manager", 1)
    site.user("sup", "staff", 1)
    document = upload(arch, tmp_path, 1, title="一九九〇年租赁合同")
    kept = upload(arch, tmp_path, 2, title="一九九〇年担保合同")
    swept(arch)
    sign_in(page, "arch", next="/retention")
    list_id = _draft(page, document, kept)
    assert flash_text(page) == f"已起草第 {list_id} 号销毁清册。"
    page.get_by_role("group", name=f"{kept['archive_number']} 的鉴定意见").get_by_label("延长保管").check()
    page.get_by_label("延长年数").nth(1).fill("5")
    page.get_by_label("理由").nth(1).fill("仍有纠纷可能")
    page.get_by_label("理由").nth(0).fill("已到期，无保存价值")
    page.get_by_role("button", name="保存鉴定意见").click()
    page.wait_for_load_state()
    assert flash_text(page) == f"第 {list_id} 号销毁清册的鉴定意见已保存。"
    assert page.get_by_role("button", name="审批清册").count() == 0  # not offered to the author
    refused = page.request.post(f"/retention/lists/{list_id}/approve", form={"csrf": csrf_of(page)})
    assert refused.status == 403 and ZH.gettext("Your role may not do this.") in refused.text()

    manager = open_page(browser, site)
    sign_in(manager, "dm", next=f"/retention/lists/{list_id}")
    assert manager.get_by_role("button", name="执行销毁").count() == 0
    manager.once("dialog", lambda dialog: dialog.accept())
    manager.get_by_role("button", name="审批清册").click()
    manager.wait_for_load_state()
    assert flash_text(manager) == f"第 {list_id} 号销毁清册已审批。"
    manager.context.close()

    page.goto(f"/retention/lists/{list_id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("监销人（用户名）").fill("arch")  # the executor may not supervise
    page.get_by_role("button", name="执行销毁").click()
    page.wait_for_load_state()
    assert flash_text(page) == ZH.gettext("The supervisor must be neither the executor nor the approver.")
    page.get_by_label("监销人（用户名）").fill("sup")
    page.get_by_role("button", name="执行销毁").click()
    page.wait_for_load_state()
    assert flash_text(page) == f"第 {list_id} 号销毁清册已监销执行。"
    assert arch.get(f"/api/v1/documents/{document['id']}").json()["status"] == "destroyed"
    assert arch.get(f"/api/v1/documents/{kept['id']}").json()["status"] == "archived"  # extended

    page.get_by_role("link", name="销毁证明").click()
    page.wait_for_url(re.compile(r"/certificate$"))
    certificate = page.locator("article.certificate")
    assert certificate.count() == 1  # the extended record was not destroyed
    text = certificate.inner_text()
    for shown in (document["archive_number"], "一九九〇年租赁合同", document["sha256"], "C001",
                  "合同", "长期", "已到期，无保存价值"):
        assert shown in text
    facts = dict(zip(certificate.locator("dt").all_inner_texts(), certificate.locator("dd").all_inner_texts(),
                     strict=True))
    assert facts["鉴定人"] == "arch" and facts["执行人"] == "arch" and facts["监销人"] == "sup"
    assert facts["审批人"].startswith("dm")
    assert page.get_by_role("button", name="打印").is_visible()
    assert page.get_by_role("navigation", name="主菜单").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="主菜单").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    assert page.get_by_text(document["sha256"]).is_visible()
    assert site.outside == [] and site.console_errors == []


def test_a_clearance_3_archivist_sees_no_secrecy_1_record_on_the_retention_pages(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    site.user("arch3", "archivist", 3)
    secret = upload(arch, tmp_path, 1, title="绝密标记合同", secrecy=1)
    ordinary = upload(arch, tmp_path, 2, title="普通合同")
    swept(arch)
    held = arch.post("/api/v1/holds", json={"reason": "保全甲", "documents": [secret["id"]]})
    assert held.status_code == 201
    arch.post(f"/api/v1/holds/{held.json()['id']}/release", json={})
    hidden_list = arch.post("/api/v1/destruction-lists", json={"documents": [secret["id"]]}).json()["id"]
    arch.post("/api/v1/holds", json={"reason": "保全乙", "documents": [secret["id"], ordinary["id"]]})

    sign_in(page, "arch3", next="/retention")
    body = page.inner_text("body")
    for marker in (secret["archive_number"], "绝密标记合同", secret["id"], "保全甲"):
        assert marker not in body
    assert page.locator("#due-total").inner_text() == "到期待鉴定档案 0 件。"  # the ordinary one is held
    assert ordinary["archive_number"] in page.locator("#holds").inner_text()  # the hold, its visible part
    assert page.get_by_text(ZH.gettext("No destruction list yet.")).is_visible()
    for path in (f"/retention/lists/{hidden_list}", f"/retention/lists/{hidden_list}/certificate"):
        answer = page.goto(path)
        assert answer.status == 404 and "绝密标记合同" not in page.inner_text("body")
    missing = page.goto("/retention/lists/999")
    assert missing.status == 404


def test_the_retention_pages_in_chinese_have_no_english_and_fit_a_phone(
        browser: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    document = upload(arch, tmp_path, 1, title="旧合同甲")
    other = upload(arch, tmp_path, 2, title="旧合同乙")
    swept(arch)
    arch.post("/api/v1/holds", json={"reason": "诉讼保全", "documents": [other["id"]]})
    list_id = arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]}).json()["id"]
    page = open_page(browser, site, viewport=PHONE)
    sign_in(page, "arch", next="/retention")
    data = {"arch", "C001", document["archive_number"], other["archive_number"]}
    for path in ("/retention", f"/retention/lists/{list_id}"):
        page.goto(path)
        assert english_words(page, data=data) == set(), path
        assert no_sideways_scroll(page), path
    assert site.console_errors == []


def test_posts_without_csrf_or_beyond_the_role_are_refused(
        page: Any, site: Site, arch: httpx.Client, tmp_path: Path) -> None:
    site.user("staff1", "staff", 1)
    site.user("auditor1", "auditor", 1)
    document = upload(arch, tmp_path, 1, title="旧合同")
    sign_in(page, "arch", next="/retention")
    answer = page.request.post("/retention/sweep", form={"as_of": "2021-01-01"})
    assert answer.status == 403 and ZH.gettext(
        "This form has expired or did not come from this page. Reload the page and try again."
    ) in answer.text()
    answer = page.request.post("/retention/holds", form={"csrf": "0" * 64, "reason": "x",
                                                         "documents": document["id"]})
    assert answer.status == 403
    assert arch.get("/api/v1/holds").json()["total"] == 0

    page.context.clear_cookies()
    sign_in(page, "auditor1", next="/retention")  # reads retention, changes nothing
    assert page.get_by_role("heading", name="保管期限", exact=True).is_visible()
    assert page.get_by_role("button", name="检查到期").count() == 0
    answer = page.request.post("/retention/sweep", form={"csrf": csrf_of(page), "as_of": "2021-01-01"})
    assert answer.status == 403 and ZH.gettext("Your role may not do this.") in answer.text()

    page.context.clear_cookies()
    sign_in(page, "staff1")
    assert page.get_by_role("navigation", name="主菜单").get_by_role("link", name="保管期限").count() == 0
    answer = page.goto("/retention")
    assert answer.status == 403
    assert page.get_by_role("alert").inner_text() == ZH.gettext("Your role may not do this.")
