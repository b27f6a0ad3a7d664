"""Inputs built to break the API, the extraction worker and ``dangan ingest``,
each one that once answered 5xx, left a row behind, grew the server by
hundreds of MiB or hung (SPEC §5, §10: "no input, however built, answers
5xx, stalls other users' documents or exhausts memory"). Every input is
built here, in code."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from tests import hostile, samples
from tests.conftest import embedded_only
from tests.e2e.test_cli import DANGAN, env_for, run
from tests.processes import PeakRss
from tests.residue import holdings, refused_cleanly

MIB = 1024 * 1024
FIELDS = {"type": "contract", "title": "房屋租赁合同", "customer": "C001"}


def post_raw(client: httpx.Client, body: bytes, content_type: str,
             path: str = "/api/v1/documents") -> httpx.Response:
    return client.post(path, content=body, headers={"Content-Type": content_type})


# --------------------------------------------------------------------------- multipart headers

@pytest.mark.parametrize("extended", [
    b"utf-8\x00''scan.pdf",  # a NUL in the charset name: ValueError from codecs.lookup
    b"undefined''scan.pdf",  # a codec that raises UnicodeError, not UnicodeDecodeError
    b"punycode''scan.pdf",
    b"idna''xn--" + b"a" * 70,
], ids=["nul-in-charset", "undefined-codec", "punycode", "idna"])
def test_a_file_name_star_in_a_charset_that_cannot_decode_it_is_not_a_5xx(
        extended: bytes, clerk: httpx.Client, customer: str, container: Container,
        tmp_path: Path) -> None:
    """services/api/content_disposition.py decode_extended catches LookupError
    and UnicodeDecodeError only; these raise ValueError / UnicodeError (500)."""
    header = b'form-data; name="file"; filename="scan.pdf"; filename*=' + extended
    body, kind = hostile.multipart(FIELDS, file_header=header,
                                   content=samples.make_pdf(tmp_path).read_bytes())
    before = holdings(container)
    response = post_raw(clerk, body, kind)
    if response.status_code == 201:  # the plain filename is a fine fallback
        assert response.json()["versions"][0]["original_filename"].isprintable()
    else:
        refused_cleanly(response, container, before)


# --------------------------------------------------------------------------- custom_fields

@pytest.mark.parametrize("custom_fields", [
    "[" * 30_000 + "]" * 30_000,  # RecursionError in json.loads
    '{"a":' + "[" * 900 + "]" * 900 + "}",  # RecursionError too: the request is already deep
    '{"a":' + "9" * 5000 + "}",  # ValueError: over sys.get_int_max_str_digits()
], ids=["nested-30000", "nested-900", "integer-5000-digits"])
def test_custom_fields_json_cannot_parse_is_a_4xx(custom_fields: str, clerk: httpx.Client,
                                                  customer: str, container: Container,
                                                  tmp_path: Path) -> None:
    """shared/domain/metadata.py parse_json_object catches JSONDecodeError
    only; json.loads raises RecursionError and ValueError as well (500)."""
    body, kind = hostile.multipart({**FIELDS, "custom_fields": custom_fields}, file_header=(
        hostile.raw_utf8_filename("scan.pdf")), content=samples.make_pdf(tmp_path).read_bytes())
    before = holdings(container)
    refused_cleanly(post_raw(clerk, body, kind), container, before)


@pytest.mark.parametrize("custom_fields", [
    '{"note": "\\ud800"}',  # a lone surrogate: parsed by json.loads, never encodable as UTF-8
    '{"notes": ["ok", {"deeper": "\\udfff"}]}',
], ids=["lone-surrogate", "lone-surrogate-nested"])
def test_custom_fields_that_cannot_be_answered_are_refused_before_they_are_stored(
        custom_fields: str, clerk: httpx.Client, archivist: httpx.Client, customer: str,
        container: Container, tmp_path: Path) -> None:
    """json.loads turns "\\ud800" into a lone surrogate; the document is archived
    and the 201 then fails to serialise: the uploader sees a 500 although the
    document exists, and from then on every listing that includes it
    (GET /api/v1/documents) answers 500 to everyone who may see it."""
    body, kind = hostile.multipart({**FIELDS, "custom_fields": custom_fields}, file_header=(
        hostile.raw_utf8_filename("scan.pdf")), content=samples.make_pdf(tmp_path).read_bytes())
    before = holdings(container)
    response = post_raw(clerk, body, kind)
    assert response.status_code < 500, response.text
    if response.status_code != 201:
        refused_cleanly(response, container, before)
    else:
        assert clerk.get(f"/api/v1/documents/{response.json()['id']}").status_code == 200
    for client in (clerk, archivist):
        listing = client.get("/api/v1/documents", params={"customer": "C001"})
        assert listing.status_code == 200, listing.text


# --------------------------------------------------------------------------- JSON bodies and queries

@pytest.mark.parametrize("payload", [
    b'{"documents": ["\\ud800"], "purpose": "audit", "until": "2030-01-01"}',
    b'{"customer": "\\udfff", "purpose": "audit", "until": "2030-01-01"}',
], ids=["document-id", "customer-code"])
def test_an_access_request_with_a_lone_surrogate_is_a_4xx(payload: bytes, clerk: httpx.Client,
                                                          customer: str) -> None:
    """A list[str] / optional str field of a JSON body lets a lone surrogate
    through to SQLite, whose driver cannot encode it (UnicodeEncodeError, 500)."""
    response = post_raw(clerk, payload, "application/json", path="/api/v1/access-requests")
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


@pytest.mark.parametrize("path", [
    "/api/v1/documents?page=9223372036854775807",
    "/api/v1/customers?page=100000000000000000000",
])
def test_a_page_beyond_the_database_integer_is_a_4xx_for_a_clerk(path: str,
                                                                 clerk: httpx.Client) -> None:
    """(page - 1) * size reaches SQLite as an OFFSET over 2**63 (OverflowError, 500)."""
    response = clerk.get(path)
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/audit?page=100000000000000000000"),
    ("GET", "/api/v1/retention/due?page=100000000000000000000"),
    ("GET", "/api/v1/destruction-lists/100000000000000000000"),
    ("GET", "/api/v1/destruction-lists/100000000000000000000/certificate"),
    ("POST", "/api/v1/holds/100000000000000000000/release"),
    ("POST", "/api/v1/jobs/100000000000000000000/retry"),
])
def test_an_id_or_page_beyond_the_database_integer_is_a_4xx(method: str, path: str,
                                                            archivist: httpx.Client) -> None:
    response = archivist.request(method, path, json={"reason": "x"})
    assert 400 <= response.status_code < 500, response.text


# --------------------------------------------------------------------------- anonymous bodies

def _streamed(head: bytes, mib: int, tail: bytes) -> Callable[[], Iterator[bytes]]:
    chunk = b"a" * MIB

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(mib):
            yield chunk
        yield tail

    return body


@embedded_only
def test_an_anonymous_json_body_is_not_read_into_memory(base_url: str) -> None:
    """FastAPI reads and parses a JSON body before the bearer-token dependency
    runs, and no JSON route bounds its body: 256 MiB sent without credentials
    grew the server by ~750 MiB before the 401."""
    body = _streamed(b'{"reason": "', 256, b'", "documents": []}')
    response: httpx.Response | None
    with PeakRss() as rss:
        try:
            response = httpx.post(f"{base_url}/api/v1/holds", content=body(), timeout=120,
                                  headers={"Content-Type": "application/json"})
        except httpx.HTTPError:  # refused while still sending: the connection may be closed on us
            response = None
    if response is not None:
        assert response.status_code in (401, 413), response.text
    assert rss.grown < 100 * MIB, f"the server grew by {rss.grown / MIB:.0f} MiB"


@embedded_only
def test_an_anonymous_token_request_cannot_spool_a_file_of_any_size(
        base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /api/v1/auth/token is a form: Starlette spools every file part to the
    temporary directory, unbounded, before the 422 — 2 GiB without credentials
    took 2 GiB of disk."""
    import tempfile

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    peak = [0]
    done = threading.Event()

    def spooled() -> int:
        """Bytes in files open under ``spool`` (Linux: unnamed O_TMPFILE ones included)."""
        total = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}").startswith(str(spool)):
                    total += os.stat(f"/proc/self/fd/{fd}").st_size
            except OSError:
                continue
        return total

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], spooled())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    head = (b'--b\r\nContent-Disposition: form-data; name="username"; filename="a.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n")
    tail = b'\r\n--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n--b--\r\n'
    response: httpx.Response | None
    try:
        response = httpx.post(f"{base_url}/api/v1/auth/token", content=_streamed(head, 200, tail)(),
                              headers={"Content-Type": "multipart/form-data; boundary=b"}, timeout=120)
    except httpx.HTTPError:  # refused while still sending: the connection may be closed on us
        response = None
    done.set()
    watcher.join()
    if response is not None:
        assert 400 <= response.status_code < 500, response.text
    assert peak[0] < 10 * MIB, f"{peak[0] / MIB:.0f} MiB were spooled for an anonymous token request"


# --------------------------------------------------------------------------- dangan ingest

def _ingest(container: Container, folder: Path, manifest: Path) -> subprocess.CompletedProcess:
    assert run(container, "customers", "add", "C001", "鹭洲贸易").returncode == 0
    return run(container, "--json", "ingest", str(folder), "--manifest", str(manifest))


def _scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    samples.make_pdf(folder, text="租赁合同 一", seed=1, name="good.pdf")
    return folder


@embedded_only
@pytest.mark.parametrize("bad_path, prepare", [
    ("bad\x00name.pdf", None),  # ValueError: embedded null byte from Path.resolve
    ("loop.pdf", lambda folder: os.symlink("loop.pdf", folder / "loop.pdf")),  # RuntimeError
], ids=["nul-in-path", "symlink-loop"])
def test_a_manifest_row_whose_path_cannot_be_resolved_is_refused_and_the_rest_archived(
        bad_path: str, prepare: Callable[[Path], None] | None, container: Container,
        tmp_path: Path) -> None:
    """services/cli/ingest.py _resolve: Path.resolve raises ValueError or
    RuntimeError, which _ingest_row does not catch: a traceback, and the rows
    after it are never archived."""
    folder = _scans(tmp_path)
    if prepare:
        prepare(folder)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,customer,type,title\n"
                        f"{bad_path},C001,contract,坏路径\n"
                        "good.pdf,C001,contract,租赁合同\n", encoding="utf-8")
    done = _ingest(container, folder, manifest)
    assert "Traceback" not in done.stderr, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["archived"], summary["refused"]) == (1, 1)


@embedded_only
def test_a_manifest_with_a_field_over_the_csv_limit_is_one_clear_error(container: Container,
                                                                       tmp_path: Path) -> None:
    """csv's field_size_limit (128 KiB) raises _csv.Error from read_manifest: a traceback."""
    folder = _scans(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,customer,type,title\n"
                        f"good.pdf,C001,contract,{'长' * 200_000}\n", encoding="utf-8")
    done = _ingest(container, folder, manifest)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1


@embedded_only
def test_a_fifo_given_as_the_manifest_is_refused_not_waited_on(container: Container,
                                                              tmp_path: Path) -> None:
    """click.Path(exists=True, dir_okay=False) lets a FIFO through and
    read_manifest's read_bytes() blocks on it for ever."""
    folder = _scans(tmp_path)
    manifest = tmp_path / "manifest.csv"
    os.mkfifo(manifest)
    try:
        done = subprocess.run([DANGAN, "ingest", str(folder), "--manifest", str(manifest)],
                              capture_output=True, text=True, env=env_for(container.settings),
                              timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("dangan ingest waited 30 s on a FIFO given as the manifest")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
