"""The document page in a real browser: preview, metadata, versions and a
new version, retention, the audit trail and download; a document beyond the
caller's clearance is the same 404 page as a missing one."""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from shared import audit, disposition, retention
from shared.customers import create_customer
from shared.db.models import DocumentVersion
from services.ingest import NewDocument, archive_document, hash_file
from tests import samples
from tests.browser.conftest import PHONE, Site, english_words, no_sideways_scroll, open_page, sign_in
from tests.conftest import drain

PATIENCE = 120_000  # ms: a file is checked in a sandboxed process, slow on a busy machine
LEASE = "租赁合同.pdf"


def patient(page: Any) -> Any:
    page.set_default_timeout(PATIENCE)
    return page


def archived(site: Site, path: Path, *, secrecy: int = 3, title: str = "房屋租赁合同",
             type: str = "contract", document_date: date = date(2024, 3, 15),
             extract: bool = True) -> str:
    """A document archived by the same use case as the upload, then extracted."""
    with site.core.transaction() as session:
        if session.scalar(select(func.count()).select_from(DocumentVersion)) == 0:
            create_customer(session, code="C001", name="鹭洲贸易", kind="company", grade="A",
                            actor="test")
    meta = NewDocument(type=type, title=title, customer="C001",
                       document_date=document_date, secrecy=secrecy, tags=["租赁", "2024"],
                       location="A-01/03")
    upload = hash_file(path, limit=site.core.settings.max_upload_bytes)
    document = archive_document(site.core, upload=upload, meta=meta, actor="clerk1")
    if extract:
        drain(site.core, site.archive.index)
    return document.id


def events(site: Site, document_id: str, action: str) -> list[dict]:
    with site.core.uow() as uow:
        _, rows = audit.list_events(uow.session, document=document_id, action=action)
        return [dict(e.details) for e in rows]


def versions(site: Site, document_id: str) -> int:
    with site.core.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(DocumentVersion).where(
            DocumentVersion.document_id == document_id)) or 0


def test_the_page_shows_metadata_versions_preview_retention_and_the_audit_trail(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    lease = samples.make_pdf(tmp_path, name=LEASE)
    document_id = archived(site, lease)
    with site.core.transaction() as session:
        retention.place_hold(session, reason="诉讼保全", actor="archivist1", documents=[document_id])
    sign_in(patient(page), "archivist1", next=f"/documents/{document_id}")
    assert page.get_by_role("heading", name="房屋租赁合同", level=1).is_visible()
    facts = page.get_by_role("region", name="著录信息").inner_text()
    for shown in ("KH01-2024-D30-HT-00001", "C001", "鹭洲贸易", "合同", "2024年3月15日", "三级（普通）",
                  "租赁、2024", "A-01/03", "已归档"):
        assert shown in facts
    sha = hashlib.sha256(lease.read_bytes()).hexdigest()
    table = page.get_by_role("region", name="版本").inner_text()
    assert sha in table and LEASE in table and "application/pdf" in table and "可检索" in table
    image = page.get_by_role("img", name="《房屋租赁合同》第 1 页")
    image.wait_for()
    page.wait_for_function("document.querySelector('img.preview').naturalWidth > 0")
    kept = page.get_by_role("region", name="保管期限").inner_text()
    assert "长期" in kept and "30 年" in kept and "2054年3月15日" in kept and "诉讼保全" in kept
    page.reload()
    trail = page.get_by_role("region", name="审计日志").inner_text()
    assert "已归档" in trail and "查阅" in trail and "冻结" in trail and "clerk1" in trail
    assert english_words(page, data={"archivist1", "clerk1", "C001", "KH01-2024-D30-HT-00001",
                                     "A-01/03", sha, "application/pdf", "SHA-256"}) == set()
    assert site.outside == []
    assert [e for e in site.console_errors if "Content Security Policy" in e] == []


def test_download_gives_the_same_bytes_under_the_chinese_file_name(page: Any, site: Site,
                                                                  tmp_path: Path) -> None:
    site.user("staff1", "staff")
    lease = samples.make_pdf(tmp_path, name=LEASE)
    document_id = archived(site, lease)
    sign_in(patient(page), "staff1", next=f"/documents/{document_id}")
    with page.expect_download() as caught:
        page.get_by_role("link", name="下载", exact=True).click()
    download = caught.value
    assert download.suggested_filename == LEASE
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == \
        hashlib.sha256(lease.read_bytes()).hexdigest()
    assert events(site, document_id, "document.download") == [{"version": 1}]
    answer = page.request.get(f"/documents/{document_id}/download")
    assert answer.headers["cache-control"] == "no-store"
    assert "filename*=UTF-8''%E7%A7%9F%E8%B5%81%E5%90%88%E5%90%8C.pdf" in \
        answer.headers["content-disposition"]
    preview = page.request.get(f"/documents/{document_id}/preview")
    assert preview.status == 200 and preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["cache-control"] == "no-store"
    assert {"version": 1, "preview": True} in events(site, document_id, "document.view")
    # a staff member's role reads no audit trail and uploads no version
    assert page.get_by_role("region", name="审计日志").count() == 0
    assert page.locator("#f-version-file").count() == 0


def test_a_new_version_is_added_from_the_page_and_a_duplicate_is_refused(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    lease = samples.make_pdf(tmp_path, name=LEASE)
    document_id = archived(site, lease)
    sign_in(patient(page), "clerk1", next=f"/documents/{document_id}")
    rescan = samples.make_pdf(tmp_path / "rescan", text="合同 甲方 乙方 重新扫描", name="租赁合同-重扫.pdf")
    page.locator("#f-version-file").set_input_files(rescan)
    page.get_by_role("button", name="添加版本").click()
    page.get_by_text("已添加第 2 版。").wait_for()
    table = page.get_by_role("region", name="版本")
    assert table.locator("tbody tr").count() == 2
    assert "租赁合同-重扫.pdf" in table.inner_text()
    page.locator("#f-version-file").set_input_files(lease)  # the bytes of version 1
    page.get_by_role("button", name="添加版本").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == "该客户已归档了相同的文件。"
    assert versions(site, document_id) == 2


def test_a_new_version_without_the_csrf_token_is_refused_and_stores_nothing(
        page: Any, site: Site, tmp_path: Path) -> None:
    site.user("clerk1", "clerk")
    document_id = archived(site, samples.make_pdf(tmp_path, name=LEASE))
    sign_in(patient(page), "clerk1")
    rescan = samples.make_pdf(tmp_path / "rescan", text="重新扫描", name="重扫.pdf")
    answer = page.request.post(f"/documents/{document_id}/versions", multipart={
        "file": {"name": rescan.name, "mimeType": "application/pdf", "buffer": rescan.read_bytes()}})
    assert answer.status == 403
    assert versions(site, document_id) == 1


def test_a_record_beyond_the_clearance_is_the_same_404_as_a_missing_one(page: Any, site: Site,
                                                                       tmp_path: Path) -> None:
    site.user("clerk3", "clerk", clearance=3)
    hidden = archived(site, samples.make_pdf(tmp_path, name="机密合同.pdf"), secrecy=1, title="机密合同")
    made_up = str(uuid.uuid4())
    sign_in(patient(page), "clerk3")
    answers = {}
    for document_id in (hidden, made_up):
        response = page.goto(f"/documents/{document_id}")
        assert response is not None and response.status == 404
        answers[document_id] = page.inner_text("main").replace(document_id, "ID")
        link = page.get_by_role("link", name="申请借阅")
        assert link.get_attribute("href") == f"/access/new?documents={document_id}"
    assert answers[hidden] == answers[made_up]
    assert "未找到，或您无权查看。" in answers[hidden] and "机密合同" not in answers[hidden]
    for path in ("preview", "download", "state"):
        assert page.request.get(f"/documents/{hidden}/{path}").status == 404
    assert events(site, hidden, "document.view") == [] == events(site, hidden, "document.download")


def test_the_page_shows_the_preview_once_extraction_ends(page: Any, site: Site,
                                                        tmp_path: Path) -> None:
    site.user("staff1", "staff")
    document_id = archived(site, samples.make_pdf(tmp_path, name=LEASE), extract=False)
    sign_in(patient(page), "staff1", next=f"/documents/{document_id}")
    assert "正在识别" in page.get_by_role("region", name="文字识别").inner_text()
    assert page.locator("img.preview").count() == 0
    drain(site.core, site.archive.index)
    page.locator("img.preview").wait_for()
    assert "可检索" in page.get_by_role("region", name="文字识别").inner_text()


def test_a_failed_extraction_shows_its_error(page: Any, site: Site, tmp_path: Path) -> None:
    site.user("staff1", "staff")
    document_id = archived(site, samples.make_pdf(tmp_path, name=LEASE))
    with site.core.transaction() as session:  # as a parked extraction job leaves it
        session.execute(update(DocumentVersion).where(DocumentVersion.document_id == document_id)
                        .values(extraction_state="failed", preview_key=None,
                                extraction_error="ocr_failed: tesseract exited 1"))
    sign_in(patient(page), "staff1", next=f"/documents/{document_id}")
    extraction = page.get_by_role("region", name="文字识别").inner_text()
    assert "识别失败" in extraction and "ocr_failed: tesseract exited 1" in extraction
    assert "无预览：识别失败。" in page.get_by_role("region", name="预览").inner_text()
    assert page.get_by_role("link", name="下载", exact=True).is_visible()


def test_the_document_page_speaks_english_when_chosen(browser: Any, site: Site,
                                                      tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    document_id = archived(site, samples.make_pdf(tmp_path, name=LEASE))
    page = patient(open_page(browser, site, language="en"))
    sign_in(page, "archivist1", next=f"/documents/{document_id}")
    for region in ("Preview", "Description", "Text extraction", "Retention", "Versions", "Audit trail"):
        assert page.get_by_role("region", name=region, exact=True).is_visible(), region
    facts = page.get_by_role("region", name="Description").inner_text()
    assert "15 Mar 2024" in facts and "Level 3 (ordinary)" in facts
    page.context.close()


def test_the_document_page_fits_a_phone(browser: Any, site: Site, tmp_path: Path) -> None:
    site.user("archivist1", "archivist")
    document_id = archived(site, samples.make_pdf(tmp_path, name=LEASE))
    page = patient(open_page(browser, site, viewport=PHONE))
    sign_in(page, "archivist1", next=f"/documents/{document_id}")
    page.wait_for_function("document.querySelector('img.preview').complete")
    assert no_sideways_scroll(page)
    assert re.search("KH01-2024-D30-HT-00001", page.inner_text("main"))
    page.context.close()


def destroyed(site: Site, document_id: str) -> str:
    """The document through sweep, appraisal, approval and supervised destruction;
    its certificate's reference."""
    for name, role in (("archivist1", "archivist"), ("manager1", "department_manager"),
                       ("supervisor1", "staff")):
        site.user(name, role)
    today = site.core.today()
    with site.core.transaction() as session:
        retention.sweep(session, as_of=today, actor="archivist1", today=today)
        listed = disposition.create_list(session, documents=[document_id], actor="archivist1",
                                         today=today)
        disposition.appraise(session, list_id=listed.id, actor="archivist1", decisions=[
            {"document": document_id, "decision": "destroy", "reason": "已到期，无保存价值"}])
        list_id = listed.id
    with site.core.transaction() as session:
        disposition.approve(session, list_id=list_id, actor="manager1", role="department_manager",
                            clearance=1, today=today)
    disposition.execute(database=site.core.database, store=site.core.store, today=today,
                        list_id=list_id, actor="archivist1", supervisor="supervisor1")
    with site.core.uow() as uow:
        certificate = disposition.certificate_of(uow.session, document_id)
        assert certificate is not None
        return certificate.reference


def test_a_destroyed_record_shows_its_certificate_and_no_content(page: Any, site: Site,
                                                                 tmp_path: Path) -> None:
    letter = samples.make_pdf(tmp_path, name="往来函件.pdf")
    document_id = archived(site, letter, type="correspondence", title="催款函",
                           document_date=date(2010, 5, 4))
    reference = destroyed(site, document_id)
    sign_in(patient(page), "archivist1", next=f"/documents/{document_id}")
    notice = page.get_by_role("status").filter(has_text="该档案已销毁").inner_text()
    assert reference in notice
    assert page.get_by_role("link", name="下载", exact=True).count() == 0
    assert page.locator("img.preview").count() == 0 and page.locator("#f-version-file").count() == 0
    assert hashlib.sha256(letter.read_bytes()).hexdigest() in page.inner_text("main")
    gone = page.goto(f"/documents/{document_id}/download")
    assert gone is not None and gone.status == 410
    assert page.get_by_role("alert").inner_text() == "该档案已销毁。"
