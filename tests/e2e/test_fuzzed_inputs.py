"""Inputs built to break the API, the extraction worker and ``dangan ingest``,
each one that once answered 5xx, left a row behind, grew the server by
hundreds of MiB or hung (SPEC §5, §10: "no input, however built, answers
5xx, stalls other users' documents or exhausts memory"). Every input is
built here, in code."""
from __future__ import annotations

import ctypes
import gc
import io
import json
import os
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import psutil
import pytest

from shared.bootstrap import Container
from services.composition import Archive
from services.search import SearchIndex
from tests import hostile, samples
from tests.conftest import LiveServer, drain, embedded_only, login, make_user
from tests.e2e.test_cli import DANGAN, env_for, run
from tests.residue import holdings

MIB = 1024 * 1024
FIELDS = {"type": "contract", "title": "房屋租赁合同", "customer": "C001"}
UPLOAD_BUDGET = 300 * MIB  # what one upload request may add to the server
EXTRACTION_BUDGET = 600 * MIB  # what extracting one file may add (as in test_readable_pdfs)


def post_raw(client: httpx.Client, body: bytes, content_type: str,
             path: str = "/api/v1/documents") -> httpx.Response:
    return client.post(path, content=body, headers={"Content-Type": content_type})


def refused_cleanly(response: httpx.Response, container: Container, before: object) -> None:
    """A refusal is a 4xx with the JSON error body, and nothing is left behind."""
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) == {"code", "message", "detail"}
    assert holdings(container) == before


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
    """services/ingest/metadata.py parse_json_object catches JSONDecodeError
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

def _trim() -> None:
    with suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class PeakRss:
    """The largest resident size of this process (the in-process server) while active."""

    def __init__(self) -> None:
        gc.collect()
        _trim()  # what earlier tests freed goes back to the system, so growth shows as growth
        self.process = psutil.Process()
        self.base = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    @property
    def grown(self) -> int:
        return self.peak - self.base

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


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


# --------------------------------------------------------------------------- hostile files

def _pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF from numbered object bodies, with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    size = max(objects) + 1
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[number])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _deflated(piece: bytes, times: int) -> bytes:
    compressor = zlib.compressobj(9)
    return b"".join(compressor.compress(piece) for _ in range(times)) + compressor.flush()


def _one_page(content: bytes, *, resources: bytes, extra: dict[int, bytes] | None = None) -> bytes:
    return _pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources " + resources
           + b" /Contents 4 0 R >>",
        4: content,
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        **(extra or {}),
    })


def content_bomb() -> bytes:
    """500 KB whose one content stream inflates to 512 MiB of spaces."""
    return _one_page(_stream(_deflated(b" " * MIB, 512), b"/Filter /FlateDecode "),
                     resources=b"<< /Font << /F1 5 0 R >> >>")


def operator_bomb() -> bytes:
    """140 KB whose content stream holds five million path operators."""
    return _one_page(_stream(_deflated(b"0 0 m 1 1 l S\n" * 100_000, 50), b"/Filter /FlateDecode "),
                     resources=b"<< /Font << /F1 5 0 R >> >>")


def _image_page(width: int, height: int, data: bytes) -> bytes:
    image = _stream(data, b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                          b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode "
                    % (width, height))
    return _one_page(_stream(b"q 500 0 0 500 50 50 cm /Im1 Do Q"),
                     resources=b"<< /XObject << /Im1 6 0 R >> >>", extra={6: image})


def declared_image() -> bytes:
    """800 bytes: an image XObject that declares 30,000 × 30,000 pixels."""
    return _image_page(30_000, 30_000, zlib.compress(b"\x80" * 1000))


def inflating_image() -> bytes:
    """1 MB: an image XObject whose FlateDecode data inflates to 1 GiB."""
    side = 32_768  # 1 GiB of grey
    return _image_page(side, side, _deflated(b"\x00" * MIB, 1024))


@pytest.fixture
def api(container: Container, index: SearchIndex) -> Iterator[httpx.Client]:
    """A clerk of clearance 1 on a live server whose extraction jobs feed ``index``;
    customer C001 exists."""

    make_user(container, "clerk1", role="clerk")
    make_user(container, "archivist1", role="archivist")
    with LiveServer(Archive(container, index)) as url:
        archivist = login(url, "archivist1")
        created = archivist.post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易",
                                                            "kind": "company"})
        assert created.status_code == 201, created.text
        archivist.close()
        client = login(url, "clerk1")
        yield client
        client.close()


def upload_and_extract(clerk: httpx.Client, container: Container, index: SearchIndex,
                       data: bytes, name: str) -> None:
    """Upload within the upload budget; if accepted, extraction ends (done or
    failed with its reason) within the extraction budget and every read answers."""
    before = holdings(container)
    with PeakRss() as upload_rss:
        response = clerk.post("/api/v1/documents", data=FIELDS, files={"file": (name, data)})
    assert response.status_code < 500, response.text
    assert upload_rss.grown < UPLOAD_BUDGET, (
        f"checking the upload grew the server by {upload_rss.grown / MIB:.0f} MiB")
    if response.status_code != 201:
        refused_cleanly(response, container, before)
        return
    document_id = response.json()["id"]
    with PeakRss() as extraction_rss:
        drain(container, index)
    assert extraction_rss.grown < EXTRACTION_BUDGET, (
        f"extraction grew the worker by {extraction_rss.grown / MIB:.0f} MiB")
    document = clerk.get(f"/api/v1/documents/{document_id}")
    assert document.status_code == 200
    version = document.json()["versions"][0]
    assert version["extraction_state"] in {"done", "failed"}, version
    for path in ("preview", "content"):
        assert clerk.get(f"/api/v1/documents/{document_id}/{path}").status_code < 500


@embedded_only
@pytest.mark.parametrize("build", [content_bomb, operator_bomb], ids=["inflates-512MiB", "5M-operators"])
def test_a_page_content_bomb_is_checked_within_the_memory_budget(
        build: Callable[[], bytes], api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """services/ingest/pdf.py _first_page_loads loads page 1 at upload, and
    FPDF_LoadPage parses the whole content stream: ~2 bytes of RAM per inflated
    byte (1 GiB for the 500 KB bomb, 1.3 GiB and 5 s for the operators)."""
    upload_and_extract(api, container, index, build(), "bomb.pdf")


@embedded_only
def test_a_page_content_bomb_does_not_stall_another_clerks_upload(
        api: httpx.Client, container: Container, tmp_path: Path) -> None:
    """The page load above runs under PDFIUM_LOCK, which every upload and every
    extraction in the process takes: a sound one-page PDF waited ~4 s behind it."""
    make_user(container, "clerk2", role="clerk")
    other = login(str(api.base_url).rstrip("/"), "clerk2")
    bomb = operator_bomb()
    sound = samples.make_pdf(tmp_path).read_bytes()
    timings: dict[str, float] = {}

    def send_bomb() -> None:
        started = time.monotonic()
        api.post("/api/v1/documents", data=FIELDS, files={"file": ("bomb.pdf", bomb)})
        timings["bomb"] = time.monotonic() - started

    thread = threading.Thread(target=send_bomb)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    response = other.post("/api/v1/documents", data=FIELDS, files={"file": ("sound.pdf", sound)})
    timings["sound"] = time.monotonic() - started
    thread.join()
    other.close()
    assert response.status_code == 201, response.text
    assert timings["sound"] < max(timings["bomb"] / 2, 1.0), timings


@embedded_only
@pytest.mark.parametrize("build", [declared_image, inflating_image],
                         ids=["declares-30000x30000", "inflates-1GiB"])
def test_a_page_image_bomb_is_rendered_within_the_memory_budget(
        build: Callable[[], bytes], api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """render_page bounds the output bitmap, but pdfium decodes the page's
    image at its declared size first: 1 GiB for the 800-byte file (1.8 GiB at
    40,000², growing with the square of the side)."""
    upload_and_extract(api, container, index, build(), "scan.pdf")


def big_rgba_png() -> bytes:
    """110 megapixels of RGBA, under the 120-megapixel limit: 450 KB on disk."""
    import struct

    width, height = 10_000, 11_000

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row, ink = b"\x00" + b"\xff\x00\x00\xff" * width, b"\x00" + b"\x00\x00\x00\xff" * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress((ink if n == 5 else row) * 50) for n in range(height // 50))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data + compressor.flush())
            + chunk(b"IEND", b""))


def big_cmyk_tiff() -> bytes:
    """110 megapixels of CMYK, deflated: 760 KB on disk."""
    from PIL import Image

    image = Image.new("CMYK", (10_000, 11_000), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (100, 100, 2000, 300))
    out = io.BytesIO()
    image.save(out, "TIFF", compression="tiff_adobe_deflate")
    return out.getvalue()


def big_rgb_jpeg() -> bytes:
    """110 megapixels of RGB: 1.7 MB on disk."""
    from PIL import Image

    image = Image.new("RGB", (10_000, 11_000), "white")
    image.paste("black", (100, 100, 3000, 400))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=10)
    return out.getvalue()


@embedded_only
@pytest.mark.parametrize("build, name", [(big_rgba_png, "poster.png"), (big_cmyk_tiff, "poster.tif"),
                                         (big_rgb_jpeg, "poster.jpg")],
                         ids=["png-rgba", "tiff-cmyk", "jpeg-rgb"])
def test_an_image_under_the_pixel_limit_is_checked_and_extracted_within_the_memory_budget(
        build: Callable[[], bytes], name: str, api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """max_image_pixels counts pixels, not bytes: a 4-byte-per-pixel frame is
    decoded whole at upload (inspect._decode: ~410 MiB) and copied and
    converted again by extraction (pages._ocr_ready, is_blank, preview:
    1–1.2 GiB in the worker)."""
    upload_and_extract(api, container, index, build(), name)


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
