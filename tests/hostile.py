"""Files and request bodies built to hurt, or that real readers open although
a strict parser would not: generated here so the tests can say exactly what
each one is. The real-world counterparts live in tests/fixtures/realworld."""
from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

from tests.samples import _pdf_bytes

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
MIB = 1024 * 1024


def multipart(fields: dict[str, str], *, file_header: bytes | None, content: bytes,
              boundary: str = "dangan-boundary-7MA4YWxkTrZu0gW") -> tuple[bytes, str]:
    """A multipart/form-data body written byte by byte: ``file_header`` is the
    file part's Content-Disposition value exactly as a client would send it."""
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                  .encode() + value.encode("utf-8") + b"\r\n")
    if file_header is not None:
        out.write(f"--{boundary}\r\n".encode() + b"Content-Disposition: " + file_header
                  + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def raw_utf8_filename(name: str) -> bytes:
    """As browsers, curl and requests send it: the UTF-8 bytes inside the quotes."""
    return b'form-data; name="file"; filename="' + name.encode("utf-8") + b'"'


def rfc5987_filename(name: str, *, fallback: str = "scan.pdf") -> bytes:
    return (f'form-data; name="file"; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(name)}").encode("ascii")


def make_garbled_text_layer_pdf(folder: Path, *, lines: list[str],
                                name: str = "garbled.pdf") -> Path:
    """A TrueType-font PDF (wqy-zenhei, subset) whose /ToUnicode entry is
    renamed, so neither pdfium nor pypdf can map its glyphs back to Unicode:
    both extract control characters for the Chinese text. The page still shows
    the text, so OCR reads it. (The rename keeps every byte offset valid.)"""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setFont("WQY", 30)
    y = 760.0
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 56
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    assert b"/ToUnicode" in data
    path = folder / name
    path.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))
    return path


def make_broken_xref_pdf(folder: Path, *, text: str, name: str = "broken-xref.pdf") -> Path:
    """A text PDF whose ``startxref`` points nowhere and whose objects all sit
    14 bytes later than its cross-reference table says: readers repair it."""
    data = _pdf_bytes(text)
    match = re.search(rb"startxref\s+(\d+)", data)
    assert match is not None
    data = data[:match.start(1)] + b"999" + data[match.end(1):]
    data = data[:9] + b"%junk-bytes!\n" + data[9:]
    path = folder / name
    path.write_bytes(data)
    return path


def make_blank_pages_pdf(folder: Path, *, pages: int, size: tuple[float, float] = (595, 842),
                         name: str = "blank.pdf") -> Path:
    """``pages`` empty pages (one shared content-free page dictionary each)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    path = folder / name
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_empty_password_pdf(folder: Path, *, text: str, name: str = "permissions-only.pdf") -> Path:
    """Encrypted with an empty user password (only an owner password, for
    permissions): every reader opens it without asking."""
    from tests.samples import make_encrypted_pdf

    return make_encrypted_pdf(folder, name=name, text=text, user_password="",
                              owner_password="owner-secret")


def make_big_png(folder: Path, *, width: int, height: int, name: str = "poster.png") -> Path:
    """A real, white PNG of width × height (it compresses to a few hundred KB)."""
    from PIL import Image

    path = folder / name
    Image.new("L", (width, height), 255).save(path, optimize=False)
    return path


def handwritten_pdf(folder: Path, objects: list[bytes], *, name: str) -> Path:
    """A PDF of the given objects (1 is the catalog) with a correct xref table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    path = folder / name
    path.write_bytes(out)
    return path


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def make_cyclic_page_tree_pdf(folder: Path) -> Path:
    """The page tree's only kid is the tree itself: no reader finds a page."""
    return handwritten_pdf(folder, [CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"],
                           name="cyclic.pdf")


def make_page_count_lie_pdf(folder: Path) -> Path:
    """/Count says 5 pages, the tree holds one: pages 2 to 5 cannot be loaded."""
    return handwritten_pdf(folder, [
        CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 5 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"], name="count-lie.pdf")


# --- decoding bombs: small files that cost a reader a great deal of memory or time

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


def big_rgba_png() -> bytes:
    """110 megapixels of RGBA, under the 120-megapixel limit: 450 KB on disk."""
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
