"""The upload page in a real browser: several files at once with Chinese
names, each with its progress, its archive number or its refusal in the
page's language, then its extraction state until searchable; a refusal
leaves nothing behind, and so does a post without the CSRF token."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shared.customers import create_customer
from shared.db.models import Document, DocumentVersion
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import drain

RESULT = "#upload-progress .upload-result"
PATIENCE = 120_000  # ms: a file is checked in a sandboxed process, slow on a busy machine


def patient(page: Any) -> Any:
    page.set_default_timeout(PATIENCE)
    return page


def customer(site: Site, code: str = "C001", name: str = "鹭洲贸易") -> str:
    with site.core.transaction() as session:
        create_customer(session, code=code, name=name, kind="company", grade="A", actor="test")
    return code


def rows(site: Site) -> tuple[int, int]:
    with site.core.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(Document)) or 0,
                uow.session.scalar(select(func.count()).select_from(DocumentVersion)) or 0)


def spooled(site: Site) -> list[Path]:
    root = site.core.settings.spool_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def fill_form(page: Any, *, title: str = "房屋租赁合同", code: str | None = "C001") -> None:
    if code:
        page.locator("#f-customer").fill(code)
    page.locator("#f-type").select_option("contract")
    page.locator("#f-title").fill(title)
    page.locator("#f-document_date").fill("2024-03-15")
    page.locator("#f-tags").fill("租赁,2024")
    page.locator("#f-location").fill("A-01/03")


def test_two_files_at_once_give_a_number_and_a_translated_refusal(page: Any, site: Site,
                                                                 tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    lease = samples.make_pdf(tmp_path, name="租赁合同.pdf")
    program = samples.make_executable(tmp_path, name="安装程序.pdf")
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    page.locator("#f-file").set_input_files([lease, program])
    page.get_by_role("button", name="上传", exact=True).click()
    first, second = page.locator(RESULT).nth(0), page.locator(RESULT).nth(1)
    first.get_by_role("link", name="KH01-2024-D30-HT-00001").wait_for()
    second.get_by_role("alert").wait_for()
    assert "租赁合同.pdf" in first.inner_text()
    assert first.locator("progress").get_attribute("value") == "100"
    assert second.get_by_role("alert").inner_text() == "这是可执行程序而非文件，不予归档。"
    assert "安装程序.pdf" in second.inner_text() and "未归档" in second.inner_text()
    assert rows(site) == (1, 1)  # the refused file left no row
    assert spooled(site) == []  # nor a spool file
    first.get_by_text("正在识别").wait_for()
    drain(site.core, site.archive.index)
    first.get_by_text("可检索").wait_for()
    assert site.outside == []
    assert [e for e in site.console_errors if "Content Security Policy" in e] == []


def test_files_dropped_on_the_drop_zone_are_uploaded(page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    empty = samples.make_empty(tmp_path, name="空白.pdf")
    corrupt = samples.make_corrupt_pdf(tmp_path, name="损坏.pdf")
    dropped = page.evaluate_handle("""(files) => {
        const data = new DataTransfer();
        for (const [name, bytes] of files) {
            data.items.add(new File([new Uint8Array(bytes)], name, {type: "application/pdf"}));
        }
        return data;
    }""", [[p.name, list(p.read_bytes())] for p in (empty, corrupt)])
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
    assert page.locator("#upload-chosen").inner_text() == "已选择 2 个文件"
    page.get_by_role("button", name="上传", exact=True).click()
    page.locator(f"{RESULT} [role=alert]").nth(1).wait_for()
    reasons = page.locator(f"{RESULT} [role=alert]").all_inner_texts()
    assert reasons == ["文件为空。", "PDF 已损坏，无法打开。"]
    assert rows(site) == (0, 0)


def test_the_same_file_again_is_refused_with_a_link_to_the_record_holding_it(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    lease = samples.make_pdf(tmp_path, name="租赁合同.pdf")
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    for _ in range(2):
        page.locator("#f-file").set_input_files(lease)
        page.get_by_role("button", name="上传", exact=True).click()
        page.locator(f"{RESULT} a").first.wait_for()
    again = page.locator(RESULT).nth(1)
    again.get_by_role("alert").wait_for()
    assert again.get_by_role("alert").inner_text() == "该客户已归档了相同的文件。"
    link = again.get_by_role("link", name="KH01-2024-D30-HT-00001")
    assert link.get_attribute("href") == page.locator(RESULT).nth(0).get_by_role("link").get_attribute("href")
    assert rows(site) == (1, 1)


def test_the_customer_picker_offers_matching_customers(page: Any, site: Site) -> None:
    site.user("clerk1", "clerk")
    customer(site, "C001", "鹭洲贸易")
    customer(site, "C002", "海沧物流")
    sign_in(patient(page), "clerk1", next="/upload")
    page.locator("#f-customer").press_sequentially("鹭洲")
    option = page.locator("#customer-options option")
    option.first.wait_for(state="attached")
    assert option.count() == 1
    assert option.first.get_attribute("value") == "C001"
    answer = page.request.get("/upload/customers?q=物流").json()
    assert answer["items"] == [{"code": "C002", "name": "海沧物流", "status": "active"}]


def test_without_javascript_the_form_posts_and_a_results_page_answers(browser: Any, site: Site,
                                                                     tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    page.locator("#f-file").set_input_files(samples.make_pdf(tmp_path, name="租赁合同.pdf"))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    results = page.get_by_role("region", name="上传结果")
    assert results.get_by_role("link", name="KH01-2024-D30-HT-00001").is_visible()
    assert "租赁合同.pdf" in results.inner_text()
    page.locator("#f-type").select_option("contract")
    page.locator("#f-title").fill("再次上传")
    page.locator("#f-file").set_input_files(samples.make_lying_extension(tmp_path, name="假.pdf"))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == "文件扩展名与其实际内容类型不符。"
    assert "假.pdf" in page.get_by_role("region", name="上传结果").inner_text()
    assert rows(site) == (1, 1)
    context.close()


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(page: Any, site: Site,
                                                                     tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    sign_in(patient(page), "clerk1")
    lease = samples.make_pdf(tmp_path, name="租赁合同.pdf")
    form = {"type": "contract", "title": "租赁合同",
            "file": {"name": lease.name, "mimeType": "application/pdf", "buffer": lease.read_bytes()}}
    plain = page.request.post("/upload", multipart=form)
    assert plain.status == 403
    scripted = page.request.post("/upload", multipart=form,
                                 headers={"Accept": "application/json", "X-CSRF-Token": "forged"})
    assert scripted.status == 403
    assert scripted.json()["error"]["code"] == "csrf_refused"
    assert rows(site) == (0, 0) and spooled(site) == []


def test_a_role_that_may_not_upload_gets_the_translated_refusal(page: Any, site: Site) -> None:
    site.user("staff1", "staff")
    sign_in(page, "staff1")
    answer = page.goto("/upload")
    assert answer is not None and answer.status == 403
    assert page.get_by_role("alert").inner_text() == "您的角色无权执行此操作。"


def test_secrecy_offers_only_levels_within_the_uploaders_clearance(page: Any, site: Site) -> None:
    site.user("clerk3", "clerk", clearance=3)
    sign_in(page, "clerk3", next="/upload")
    assert page.locator("#f-secrecy option").all_inner_texts() == ["三级（普通）"]


def test_the_upload_page_fits_a_phone_and_is_all_chinese(browser: Any, site: Site,
                                                         tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    page = open_page(browser, site, viewport=PHONE)
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    page.locator("#f-file").set_input_files([samples.make_pdf(tmp_path, name="租赁合同.pdf"),
                                             samples.make_zip(tmp_path, name="扫描件.zip")])
    page.get_by_role("button", name="上传", exact=True).click()
    page.locator(f"{RESULT} [role=alert]").wait_for()
    page.locator(RESULT).first.get_by_role("link").wait_for()
    assert no_sideways_scroll(page)
    assert english_words(page, data={"clerk1", "C001", "KH01-2024-D30-HT-00001", "A-01/03",
                                     "租赁合同.pdf", "扫描件.zip"}) == set()
    assert re.search("压缩包", page.locator(f"{RESULT} [role=alert]").inner_text())
    page.context.close()


def test_the_upload_page_speaks_english_when_chosen(browser: Any, site: Site) -> None:
    site.user("clerk1", "clerk")
    page = patient(open_page(browser, site, language="en"))
    sign_in(page, "clerk1", next="/upload")
    assert page.get_by_role("heading", name="Upload records").is_visible()
    for name in ("Files", "Customer code", "Record type", "Title", "Document date", "Secrecy level",
                 "Tags", "Location (box/shelf)"):
        assert page.get_by_label(re.compile(f"^{re.escape(name)}( \\*)?$")).count() == 1, name
    assert page.get_by_role("button", name="Upload", exact=True).is_visible()
    page.context.close()


def test_a_scan_of_several_mebibytes_is_archived(page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    customer(site)
    sign_in(patient(page), "clerk1", next="/upload")
    fill_form(page)
    page.locator("#f-file").set_input_files(samples.make_big_file(tmp_path, size_bytes=3 * 2**20,
                                                                  name="大扫描件.pdf"))
    page.get_by_role("button", name="上传", exact=True).click()
    page.locator(RESULT).first.locator(".badge").first.filter(has_text=re.compile("已归档|未归档")).wait_for()
    assert page.locator(RESULT).first.get_by_role("link", name="KH01-2024-D30-HT-00001").count() == 1
