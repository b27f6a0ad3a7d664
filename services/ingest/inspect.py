"""What a file really is, judged from its bytes (SPEC §5). Anything that is
not a sound PDF, JPEG, PNG or TIFF is refused with a reason of its own."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import magic
from PIL import Image, ImageSequence
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from shared.domain.errors import Refused

ACCEPTED = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe"},
    "image/png": {".png"},
    "image/tiff": {".tif", ".tiff"},
}
ALL_EXTENSIONS = {ext: mime for mime, exts in ACCEPTED.items() for ext in exts}
EXECUTABLES = {
    "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
    "application/x-dosexec", "application/x-mach-binary", "application/x-elf",
    "application/vnd.microsoft.portable-executable", "application/x-msdownload",
    "text/x-shellscript", "application/x-bytecode.python", "application/java-vm",
}
ARCHIVES = {
    "application/zip", "application/x-tar", "application/gzip", "application/x-gzip",
    "application/x-7z-compressed", "application/x-rar", "application/vnd.rar",
    "application/x-rar-compressed", "application/x-bzip2", "application/x-xz",
    "application/zstd", "application/x-zstd", "application/java-archive", "application/x-lzma",
    "application/x-compress", "application/x-archive", "application/x-cpio",
    "application/vnd.ms-cab-compressed",
}
MAX_TIFF_PAGES = 5000


@dataclass(frozen=True)
class Inspection:
    mime_type: str
    page_count: int


def inspect_file(path: Path, *, filename: str, max_pixels: int) -> Inspection:
    if path.stat().st_size == 0:
        raise Refused(f"{filename} is empty", code="empty_file")
    mime = magic.from_file(str(path), mime=True)
    _refuse_unaccepted(mime, filename)
    _refuse_lying_extension(mime, filename)
    if mime == "application/pdf":
        pages = _check_pdf(path, filename)
    else:
        pages = _check_image(path, filename, max_pixels)
    return Inspection(mime_type=mime, page_count=pages)


def _refuse_unaccepted(mime: str, filename: str) -> None:
    detail = {"sniffed_type": mime, "accepted": sorted(ACCEPTED)}
    if mime in EXECUTABLES:
        raise Refused(f"{filename} is an executable ({mime})", code="executable_refused", detail=detail)
    if mime in ARCHIVES:
        raise Refused(f"{filename} is an archive ({mime}); upload the scans inside it one by one",
                      code="archive_refused", detail=detail)
    if mime not in ACCEPTED:
        raise Refused(f"{filename} is {mime}; only PDF, JPEG, PNG and TIFF are archived",
                      code="unsupported_type", detail=detail)


def _refuse_lying_extension(mime: str, filename: str) -> None:
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in ACCEPTED[mime]:
        raise Refused(
            f"{filename} is named {suffix} but its content is {mime}",
            code="extension_mismatch",
            detail={"extension": suffix, "sniffed_type": mime},
        )


def _check_pdf(path: Path, filename: str) -> int:
    try:
        # from an open file, not a path: pypdf then reads what it needs instead
        # of loading the whole file into memory
        with warnings.catch_warnings(), path.open("rb") as handle:
            warnings.simplefilter("ignore")
            reader = PdfReader(handle, strict=False)
            if reader.is_encrypted:
                raise Refused(f"{filename} is an encrypted PDF; archive it without a password",
                              code="encrypted_pdf")
            pages = len(reader.pages)
            for page in reader.pages:
                _ = page.mediabox, page.get_contents()
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        raise Refused(f"{filename} is a damaged PDF: {exc}", code="corrupt_pdf") from None
    if pages == 0:
        raise Refused(f"{filename} is a PDF without pages", code="corrupt_pdf")
    return pages


def _check_image(path: Path, filename: str, max_pixels: int) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                pages = 0
                for frame in ImageSequence.Iterator(image):
                    pages += 1
                    _refuse_bomb(frame.size, max_pixels, filename)
                    if pages > MAX_TIFF_PAGES:
                        raise Refused(f"{filename} has more than {MAX_TIFF_PAGES} pages",
                                      code="too_many_pages")
                    _decode(frame)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(f"{filename} declares more pixels than an image may have (image bomb)",
                      code="image_bomb") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise Refused(f"{filename} is a damaged image: {exc}", code="corrupt_image") from None
    return pages


def _refuse_bomb(size: tuple[int, int], max_pixels: int, filename: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise Refused(
            f"{filename} declares {width}×{height} pixels, over the limit of {max_pixels} (image bomb)",
            code="image_bomb",
            detail={"width": width, "height": height, "max_pixels": max_pixels},
        )


def _decode(frame: Image.Image) -> None:
    """Decode the frame to find truncation; JPEGs decode at 1/8 scale for speed."""
    if frame.format == "JPEG":
        frame.draft(frame.mode, (max(1, frame.width // 8), max(1, frame.height // 8)))
    frame.load()
