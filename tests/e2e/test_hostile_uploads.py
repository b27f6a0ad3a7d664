"""Uploads as real clients send them and as hostile ones build them (SPEC §5):
file names in any script, malformed bodies, oversized forms, refusals while
the client is still sending, metadata at the edges. Every refusal is a 4xx
with the JSON error body, and leaves nothing behind."""
from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from shared.bootstrap import Container
from tests import hostile, samples
from tests.conftest import Backend, embedded_only, login, make_user
from tests.residue import holdings

FIELDS = {"type": "contract", "title": "房屋租赁合同", "customer": "C001",
          "document_date": "2024-03-15"}


def post_raw(client: httpx.Client, body: bytes, content_type: str) -> httpx.Response:
    return client.post("/api/v1/documents", content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("header", [hostile.raw_utf8_filename, hostile.rfc5987_filename],
                         ids=["raw-utf8", "rfc5987"])
def test_a_chinese_file_name_is_kept_as_sent(header: Callable[[str], bytes], clerk: httpx.Client,
                                             customer: str, tmp_path: Path) -> None:
    content = samples.make_pdf(tmp_path).read_bytes()
    body, kind = hostile.multipart(FIELDS, file_header=header("租赁合同（2024）.pdf"),
                                   content=content)
    response = post_raw(clerk, body, kind)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["versions"][0]["original_filename"] == "租赁合同（2024）.pdf"
    download = clerk.get(f"/api/v1/documents/{created['id']}/content", params={"download": "true"})
    assert "filename*=UTF-8''%E7%A7%9F%E8%B5%81" in download.headers["content-disposition"]


def test_httpx_sends_a_japanese_name_and_it_is_kept(clerk: httpx.Client, customer: str,
                                                   tmp_path: Path) -> None:
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents", data=FIELDS,
                              files={"file": ("契約書・見積り.pdf", handle)})
    assert response.status_code == 201, response.text
    assert response.json()["versions"][0]["original_filename"] == "契約書・見積り.pdf"


@pytest.mark.parametrize("body", [
    b"--dangan-boundary-7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"type\"\r\n"
    b"contract\r\n--dangan-boundary-7MA4YWxkTrZu0gW--\r\n",  # no blank line after the headers
    b"garbage that is not multipart at all",
    b"--dangan-boundary-7MA4YWxkTrZu0gW\r\nX-Nothing: 1\r\n\r\nvalue\r\n"
    b"--dangan-boundary-7MA4YWxkTrZu0gW--\r\n",  # a part without Content-Disposition
], ids=["no-blank-line", "not-multipart", "no-disposition"])
def test_a_malformed_body_is_a_4xx_that_leaves_nothing(body: bytes, clerk: httpx.Client,
                                                       customer: str, container: Container) -> None:
    before = holdings(container)
    response = post_raw(clerk, body, "multipart/form-data; boundary=dangan-boundary-7MA4YWxkTrZu0gW")
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] in {"malformed_multipart", "missing_file"}
    assert holdings(container) == before


def test_thousands_of_fields_are_refused_early(clerk: httpx.Client, customer: str,
                                               container: Container, tmp_path: Path) -> None:
    fields = {f"f{n}": "x" * 100 for n in range(5000)}
    body, kind = hostile.multipart(fields, file_header=None, content=b"")
    before = holdings(container)
    response = post_raw(clerk, body, kind)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_fields"
    assert holdings(container) == before


def test_fields_too_long_together_are_refused(clerk: httpx.Client, customer: str,
                                              container: Container, tmp_path: Path) -> None:
    fields = {**FIELDS, **{f"x{n}": "长" * 20000 for n in range(8)}}  # 8 × 60 KB
    body, kind = hostile.multipart(fields, file_header=hostile.raw_utf8_filename("a.pdf"),
                                   content=samples.make_pdf(tmp_path).read_bytes())
    before = holdings(container)
    response = post_raw(clerk, body, kind)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "fields_too_long"
    assert holdings(container) == before


def test_an_over_long_file_name_leaves_no_spool_file(clerk: httpx.Client, customer: str,
                                                     container: Container, tmp_path: Path) -> None:
    before = holdings(container)
    body, kind = hostile.multipart(FIELDS, file_header=hostile.raw_utf8_filename("合" * 300 + ".pdf"),
                                   content=samples.make_pdf(tmp_path).read_bytes())
    response = post_raw(clerk, body, kind)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_filename"
    assert holdings(container) == before


def _send_big_body(base_url: str, headers: dict[str, str], *, mib: int) -> tuple[int, bytes]:
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 '
    tail = b"\r\n--x--\r\n"
    chunk = b"0" * (1 << 20)

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(mib):
            yield chunk
        yield tail

    where = urlsplit(base_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    connection.request("POST", "/api/v1/documents", body=body(), headers={
        **headers, "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(len(head) + len(tail) + mib * len(chunk))})
    response = connection.getresponse()
    answer = response.status, response.read()
    connection.close()
    return answer


@embedded_only
@pytest.mark.parametrize("who, status", [(None, 401), ("staff", 403), ("clerk", 413)])
def test_a_refusal_is_read_by_a_client_still_sending(who: str | None, status: int,
                                                     backend: Backend, tmp_path: Path) -> None:
    """A client still sending 300 MiB gets the JSON error, not a reset connection."""
    from shared.bootstrap import build
    from tests.conftest import LiveServer

    ctx = build(backend.settings.model_copy(update={"max_upload_bytes": 2 * 1024 * 1024}))
    with LiveServer(ctx) as url:
        headers = {}
        if who:
            make_user(ctx, who, role=who)
            headers["Authorization"] = login(url, who).headers["Authorization"]
        before = holdings(ctx)
        code, body = _send_big_body(url, headers, mib=300)
        assert code == status
        assert b'"error"' in body
        assert holdings(ctx) == before
    ctx.close()


def test_a_document_above_the_uploaders_clearance_is_refused_before_anything_is_written(
        container: Container, base_url: str, customer: str, tmp_path: Path) -> None:
    make_user(container, "junior", role="clerk", clearance=3)
    junior = login(base_url, "junior")
    before = holdings(container)
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        response = junior.post("/api/v1/documents", data={**FIELDS, "secrecy": "1"},
                               files={"file": (path.name, handle)})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "secrecy_above_clearance"
    assert holdings(container) == before
    junior.close()


@pytest.mark.parametrize("when", ["0001-01-01", "1899-12-31", "2999-01-01"])
def test_a_document_date_outside_1900_to_today_is_refused(when: str, clerk: httpx.Client,
                                                          customer: str, container: Container,
                                                          tmp_path: Path) -> None:
    before = holdings(container)
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents", data={**FIELDS, "document_date": when},
                              files={"file": (path.name, handle)})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_document_date"
    assert holdings(container) == before


def test_the_first_day_of_1900_and_today_are_accepted(clerk: httpx.Client, customer: str,
                                                      container: Container, tmp_path: Path) -> None:
    for seed, when in enumerate(["1900-01-01", container.today().isoformat()]):
        path = samples.make_pdf(tmp_path, seed=seed)
        with path.open("rb") as handle:
            response = clerk.post("/api/v1/documents", data={**FIELDS, "document_date": when},
                                  files={"file": (path.name, handle)})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("field, value", [
    ("title", "合同\x00附件"), ("location", "A" * 256), ("tags", "正常,坏\x07标签"),
    ("customer", "C001\x00"),
], ids=["nul-in-title", "long-location", "bell-in-tag", "nul-in-customer"])
def test_metadata_no_database_stores_is_refused_by_name(field: str, value: str,
                                                        clerk: httpx.Client, customer: str,
                                                        container: Container,
                                                        tmp_path: Path) -> None:
    before = holdings(container)
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents", data={**FIELDS, field: value},
                              files={"file": (path.name, handle)})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["detail"]["field"] in {field, "tag"}
    assert holdings(container) == before


def test_a_damaged_image_is_refused_without_naming_server_paths(
        clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"  # a TIFF header whose first directory is garbage
    path.write_bytes(b"II*\x00\x08\x00\x00\x00\xff\xff" + bytes(range(256)))
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents", data=FIELDS, files={"file": (path.name, handle)})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert str(container.settings.spool_dir.resolve()) not in message
    assert "spool" not in message and "upload-" not in message
