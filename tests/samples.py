"""Generators of real test files for the upload tests.

Every ``make_*`` function writes one file into ``folder`` (created if missing)
and returns its path. Output is deterministic: the same arguments give the same
bytes (except ``make_encrypted_pdf``, whose AES IVs are random), and a
different ``text``/``seed`` gives different bytes, hence a different SHA-256.

Accepted files are sound PDFs, JPEGs, PNGs and TIFFs. Refused files are really
what their names say, as libmagic (python-magic), pypdf and Pillow see them;
each docstring records what those libraries report (libmagic 5.44, pypdf 7.1,
Pillow 13).
"""
from __future__ import annotations

import hashlib
import io
import random
import shutil
import struct
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEFAULT_TEXT = "合同 甲方 乙方 Lease contract"
PAGE_SIZE = (1240, 1754)  # A4 at 150 dpi
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
CID_FONT = "STSong-Light"
MIB = 1024 * 1024


# --------------------------------------------------------------------------- helpers

def _target(folder: Path, name: str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A CJK TrueType font if one is installed, else Pillow's default font."""
    for candidate in CJK_FONTS:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def has_cjk_font() -> bool:
    return any(Path(candidate).exists() for candidate in CJK_FONTS)


def _wrap(text: str, font, width: int) -> list[str]:
    """Wrap text character by character (CJK has no spaces) to fit ``width``."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and font.getlength(line + char) > width:
                lines.append(line.rstrip())
                line = char.lstrip()
            else:
                line += char
        lines.append(line)
    return lines


def render_page(text: str, *, size: tuple[int, int] = PAGE_SIZE, seed: int = 0) -> Image.Image:
    """A grayscale ("L") page image: ``text`` in black on white, plus a small
    mark in the bottom-right corner that depends on ``text`` and ``seed``."""
    width, height = size
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font_size = max(10, width // 30)
    font = _font(font_size)
    margin = max(4, width // 12)
    y = margin
    for line in _wrap(text, font, width - 2 * margin):
        if y > height - margin:
            break
        draw.text((margin, y), line, fill=0, font=font)
        y += int(font_size * 1.5)
    # Seed mark: a 4x4 grid of squares whose pattern comes from sha256(text, seed),
    # plus a few seeded specks, so every (text, seed) gives different pixels.
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    cell = max(2, width // 150)
    x0, y0 = width - margin // 2 - 4 * cell, height - margin // 2 - 4 * cell
    bits = int.from_bytes(digest[:2], "big") | 1
    for i in range(16):
        if bits >> i & 1:
            cx, cy = x0 + (i % 4) * cell, y0 + (i // 4) * cell
            draw.rectangle((cx, cy, cx + cell - 1, cy + cell - 1), fill=0)
    rng = random.Random(digest)
    for _ in range(6):
        sx = rng.randrange(max(1, width - margin // 2), width)
        sy = rng.randrange(0, max(1, margin // 2))
        draw.point((sx, sy), fill=rng.randrange(0, 128))
    return image


def _pdf_bytes(text: str = DEFAULT_TEXT, *, pages: int = 1, seed: int = 0) -> bytes:
    """A text PDF (reportlab, CID font STSong-Light) as bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(text[:60])
    pdf.setSubject(f"dangan test sample seed {seed}")
    _, page_height = A4
    for number in range(1, pages + 1):
        pdf.setFont(CID_FONT, 14)
        y = page_height - 72
        lines = text.splitlines() or [""]
        if number > 1:
            lines = lines + [f"page {number}"]
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        pdf.setFont(CID_FONT, 6)
        pdf.drawString(72, 36, f"seed {seed} · page {number} of {pages}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _jpeg_bytes(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------- accepted

def make_pdf(folder: Path, *, text: str = DEFAULT_TEXT, pages: int = 1, seed: int = 0,
             name: str = "contract.pdf") -> Path:
    """A text PDF (reportlab, CID font STSong-Light, so Chinese works) with
    ``pages`` pages; page N (N > 1) adds "page N". libmagic: application/pdf."""
    path = _target(folder, name)
    path.write_bytes(_pdf_bytes(text, pages=pages, seed=seed))
    return path


def make_scanned_pdf(folder: Path, *, text: str = DEFAULT_TEXT, pages: int = 1, seed: int = 0,
                     name: str = "scan.pdf") -> Path:
    """An image-only PDF: each page is a Pillow-rendered JPEG drawn with
    reportlab's drawImage; there is no text layer (extract_text() == "")."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = _target(folder, name)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for number in range(pages):
        page_text = text if number == 0 else f"{text}\npage {number + 1}"
        jpeg = _jpeg_bytes(render_page(page_text, seed=seed + number), quality=75)
        pdf.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width=width, height=height)
        pdf.showPage()
    pdf.save()
    return path


def make_jpeg(folder: Path, *, text: str = DEFAULT_TEXT, seed: int = 0, name: str = "scan.jpg",
              size: tuple[int, int] = PAGE_SIZE, quality: int = 85) -> Path:
    """A grayscale JPEG page scan. libmagic: image/jpeg."""
    path = _target(folder, name)
    path.write_bytes(_jpeg_bytes(render_page(text, size=size, seed=seed), quality=quality))
    return path


def make_png(folder: Path, *, text: str = DEFAULT_TEXT, seed: int = 0, name: str = "scan.png",
             size: tuple[int, int] = PAGE_SIZE) -> Path:
    """A grayscale PNG page scan. libmagic: image/png."""
    path = _target(folder, name)
    path.write_bytes(_png_bytes(render_page(text, size=size, seed=seed)))
    return path


def make_tiff(folder: Path, *, pages: int = 2, texts: list[str] | None = None, seed: int = 0,
              name: str = "scan.tiff", size: tuple[int, int] = PAGE_SIZE) -> Path:
    """A multi-page grayscale TIFF (deflate compressed), one frame per page.
    ``texts`` gives each page's text (its length then sets the page count).
    libmagic: image/tiff; Pillow n_frames == pages."""
    if texts is None:
        texts = [f"{DEFAULT_TEXT}\npage {n}" for n in range(1, pages + 1)]
    if not texts:
        raise ValueError("a TIFF needs at least one page")
    frames = [render_page(t, size=size, seed=seed + i) for i, t in enumerate(texts)]
    path = _target(folder, name)
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:],
                   compression="tiff_deflate")
    return path


# --------------------------------------------------------------------------- refused

def make_lying_extension(folder: Path, *, text: str = DEFAULT_TEXT, seed: int = 0,
                         name: str = "contract.pdf") -> Path:
    """PNG bytes saved under a .pdf name. libmagic: image/png (the archive
    refuses: extension_mismatch)."""
    path = _target(folder, name)
    path.write_bytes(_png_bytes(render_page(text, size=(400, 300), seed=seed)))
    return path


def make_executable(folder: Path, *, name: str = "tool.pdf", source: str = "/bin/true") -> Path:
    """A real ELF executable (a copy of /bin/true). libmagic:
    application/x-pie-executable on Debian (x-executable / x-sharedlib on
    other builds)."""
    path = _target(folder, name)
    shutil.copyfile(source, path)
    return path


def _pe_bytes() -> bytes:
    """A minimal PE32 (i386, console) image: DOS header + stub, PE signature,
    COFF header, PE32 optional header, one .text section with a `ret`."""
    e_lfanew = 0x80
    dos = bytearray(e_lfanew)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHHHHHHH", dos, 2, 0x90, 3, 0, 4, 0, 0xFFFF, 0, 0xB8, 0, 0)
    struct.pack_into("<H", dos, 0x18, 0x40)        # e_lfarlc: new-style executable
    struct.pack_into("<I", dos, 0x3C, e_lfanew)    # e_lfanew: where "PE\0\0" lives
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21" \
           b"This program cannot be run in DOS mode.\r\r\n$"
    dos[0x40:0x40 + len(stub)] = stub

    section_align, file_align = 0x1000, 0x200
    coff = struct.pack("<HHIIIHH", 0x014C, 1, 0, 0, 0, 0xE0, 0x0102)
    optional = struct.pack(
        "<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
        0x010B, 14, 0,                 # magic PE32, linker version
        file_align, 0, 0,              # size of code / initialised / uninitialised data
        0x1000, 0x1000, 0x1000,        # entry point, base of code, base of data
        0x400000, section_align, file_align,
        6, 0, 0, 0, 6, 0,              # OS / image / subsystem versions
        0,                             # Win32VersionValue
        0x2000, 0x200,                 # size of image, size of headers
        0,                             # checksum
        3, 0x8540,                     # subsystem console, DLL characteristics
        0x100000, 0x1000, 0x100000, 0x1000,
        0, 16,                         # loader flags, number of data directories
    ) + bytes(16 * 8)
    section = struct.pack("<8sIIIIIIHHI", b".text", 1, 0x1000, file_align, 0x200,
                          0, 0, 0, 0, 0x60000020)
    headers = bytes(dos) + b"PE\0\0" + coff + optional + section
    headers = headers.ljust(0x200, b"\0")
    text = b"\xc3".ljust(file_align, b"\0")       # ret
    return headers + text


def make_windows_executable(folder: Path, *, name: str = "setup.pdf") -> Path:
    """A minimal (1 KB) PE32 Windows executable. libmagic:
    application/vnd.microsoft.portable-executable ("PE32 executable (console)
    Intel 80386, for MS Windows")."""
    path = _target(folder, name)
    path.write_bytes(_pe_bytes())
    return path


def make_zip(folder: Path, *, name: str = "scans.zip", text: str = DEFAULT_TEXT, seed: int = 0,
             inner_name: str = "contract.pdf") -> Path:
    """A zip archive holding one text PDF. libmagic: application/zip, whatever
    ``name`` says (e.g. "scans.pdf")."""
    path = _target(folder, name)
    info = zipfile.ZipInfo(inner_name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, _pdf_bytes(text, seed=seed))
    return path


def make_encrypted_pdf(folder: Path, *, name: str = "encrypted.pdf", text: str = DEFAULT_TEXT,
                       seed: int = 0, user_password: str = "secret",
                       owner_password: str = "owner") -> Path:
    """A reportlab PDF encrypted by pypdf with AES-128 (RC4-128 if no AES
    backend is installed). libmagic: application/pdf; pypdf:
    ``PdfReader(path).is_encrypted`` is True. AES IVs are random, so the bytes
    (not the content) differ between calls."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(text, seed=seed))))
    try:
        writer.encrypt(user_password=user_password, owner_password=owner_password,
                       algorithm="AES-128")
    except Exception:  # pypdf raises DependencyError without cryptography/pycryptodome
        writer.encrypt(user_password=user_password, owner_password=owner_password,
                       algorithm="RC4-128")
    path = _target(folder, name)
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_corrupt_pdf(folder: Path, *, name: str = "corrupt.pdf", seed: int = 0,
                     size: int = 4096) -> Path:
    """A "%PDF-1.7" header followed by random bytes: no objects, no xref, no
    trailer, no %%EOF. libmagic: application/pdf ("PDF document, version 1.7").
    pypdf: ``PdfReader(path, strict=False)`` itself raises
    ``PdfStreamError("Stream has ended unexpectedly")`` (a PdfReadError, hence
    a PyPdfError) after logging "EOF marker not found"; ``len(reader.pages)``
    and ``get_contents()`` are never reached."""
    rng = random.Random(seed)
    body = bytes(rng.getrandbits(8) for _ in range(size))
    # keep the random body free of anything pypdf could mistake for structure
    body = body.replace(b"obj", b"o_j").replace(b"trailer", b"t_ailer") \
               .replace(b"xref", b"x_ef").replace(b"%%EOF", b"%%E_F")
    path = _target(folder, name)
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body)
    return path


def make_truncated_pdf(folder: Path, *, name: str = "truncated.pdf", text: str = DEFAULT_TEXT,
                       pages: int = 3, seed: int = 0, keep: float = 0.4) -> Path:
    """A real reportlab PDF cut to its first 40 % of bytes (no xref, trailer or
    %%EOF left). libmagic: application/pdf ("PDF document, version 1.3").
    pypdf: ``PdfReader(path, strict=False)`` itself raises
    ``PdfStreamError("Stream has ended unexpectedly")`` (a PdfReadError, hence
    a PyPdfError) after logging "EOF marker not found"; ``len(reader.pages)``
    and ``get_contents()`` are never reached. The same holds for 1 or 3 pages
    and for a cut at 90 %."""
    data = _pdf_bytes(text, pages=pages, seed=seed)
    path = _target(folder, name)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_empty(folder: Path, *, name: str = "empty.pdf") -> Path:
    """A 0-byte file. libmagic: inode/x-empty (the archive refuses it before
    sniffing: empty_file)."""
    path = _target(folder, name)
    path.write_bytes(b"")
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_image_bomb(folder: Path, *, name: str = "bomb.png", width: int = 25000,
                    height: int = 25000, bit_depth: int = 1) -> Path:
    """A valid, all-white PNG that declares ``width`` x ``height`` pixels
    (625 megapixels by default) in ~76 KB, written chunk by chunk without ever
    holding the image in memory.

    It is a palette PNG whose only colour, index 0, is white, so every raw
    byte (filter byte and pixels) is 0 and deflate reaches its ~1032:1 limit.
    Even so, a 1-bit image must stay under ~100 MB of raw rows to fit in
    100 KB: 30000 x 30000 1-bit would be ~110 KB, 8-bit ~870 KB.

    libmagic: image/png ("PNG image data, 25000 x 25000, 1-bit colormap").
    Pillow: ``Image.open`` raises ``DecompressionBombError`` (over
    2 x MAX_IMAGE_PIXELS = 178,956,970 pixels); with
    ``Image.MAX_IMAGE_PIXELS = None`` it opens, mode "P", and ``.size`` is
    ``(width, height)``.
    """
    if bit_depth not in (1, 8):
        raise ValueError("bit_depth must be 1 or 8")
    row_bytes = (width * bit_depth + 7) // 8
    row = bytes(1 + row_bytes)                  # filter None, every pixel index 0 (white)
    rows_per_chunk = max(1, MIB // len(row))
    chunk = row * rows_per_chunk
    full_chunks, rest_rows = divmod(height, rows_per_chunk)

    # Raw deflate, full-flushed after one chunk: the flushed segment does not
    # refer to earlier data, so repeating it N times is a valid stream of N chunks.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    segment = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    # after a full flush the compressor keeps no history, so it can go on with the tail
    tail = compressor.compress(row * rest_rows) + compressor.flush(zlib.Z_FINISH)
    compressed = segment * full_chunks + tail
    adler = 1
    for _ in range(full_chunks):
        adler = zlib.adler32(chunk, adler)
    adler = zlib.adler32(row * rest_rows, adler)
    idat = b"\x78\xda" + compressed + struct.pack(">I", adler)

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 3, 0, 0, 0)  # colour type 3
    path = _target(folder, name)
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_png_chunk(b"IHDR", ihdr))
        out.write(_png_chunk(b"PLTE", b"\xff\xff\xff"))
        out.write(_png_chunk(b"IDAT", idat))
        out.write(_png_chunk(b"IEND", b""))
    return path


def make_corrupt_jpeg(folder: Path, *, name: str = "broken.jpg", text: str = DEFAULT_TEXT,
                      seed: int = 0) -> Path:
    """A real JPEG cut to half its bytes. libmagic: image/jpeg. Pillow:
    ``Image.open`` succeeds (headers intact), ``load()`` raises
    ``OSError("image file is truncated ...")``."""
    data = _jpeg_bytes(render_page(text, seed=seed))
    path = _target(folder, name)
    path.write_bytes(data[: len(data) // 2])
    return path


def make_big_file(folder: Path, *, size_bytes: int, name: str = "big.pdf", seed: int = 0) -> Path:
    """A valid one-page PDF of exactly ``size_bytes`` bytes (when that is over
    its ~610-byte skeleton), written by hand in 1 MiB chunks, never held in
    memory (200 MiB take ~0.5 s).

    The bulk is whitespace lines between the last object and the xref table,
    which PDF syntax allows and readers never parse (they seek via the xref).
    It is deliberately not a padded content stream: pypdf refuses any stream
    whose /Length exceeds ``Configuration.maximum_declared_stream_length``
    (75,000,000) with ``LimitReachedError``, so a 200 MiB stream would be a
    "damaged PDF". libmagic: application/pdf; pypdf (strict or not): 1 page,
    ``get_contents()`` is the small text stream, no warnings."""
    content = f"BT /F1 24 Tf 72 720 Td (Dangan big file {size_bytes} seed {seed}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    count = len(objects) + 1

    def tail(padding: int) -> bytes:
        xref = b"xref\n0 %d\n0000000000 65535 f \n" % count
        xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        return xref + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            count, len(body) + padding)

    padding = 0
    for _ in range(3):  # the padding length changes the digit count of startxref
        padding = max(0, size_bytes - len(body) - len(tail(padding)))

    path = _target(folder, name)
    block = (b" " * 1023 + b"\n") * 1024  # 1 MiB of whitespace lines
    with path.open("wb") as out:
        out.write(body)
        full, remainder = divmod(padding, MIB)
        for _ in range(full):
            out.write(block)
        out.write(block[len(block) - remainder:])
        out.write(tail(padding))
    return path
