"""What a file really is, judged from its bytes (SPEC §5). Anything that is
not a sound PDF, JPEG, PNG or TIFF is refused with a reason of its own."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import magic
from PIL import Image, ImageSequence

from shared.domain.errors import Refused, UnsupportedMedia
from services.ingest.pdf import inspect_pdf
from services.ingest.sandbox import DecodeFailed, inspection_sandbox

INSPECT_SECONDS = 30.0  # the longest an upload's check may take

ACCEPTED = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe"},
    "image/png": {".png"},
    "image/tiff": {".tif", ".tiff"},
}
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


@dataclass(frozen=True)
class Inspection:
    mime_type: str
    page_count: int


def inspect_file(path: Path, *, filename: str, max_pixels: int, max_pages: int) -> Inspection:
    """What the file is, from its bytes; bounded work (the worker does the heavy decoding)."""
    if path.stat().st_size == 0:
        raise Refused(f"{filename} is empty", code="empty_file")
    mime = _sniff(path)
    _refuse_unaccepted(mime, filename)
    _refuse_lying_extension(mime, filename)
    try:
        pages = inspection_sandbox().call(_pages, path, mime, filename=filename,
                                          max_pixels=max_pixels, max_pages=max_pages,
                                          timeout=INSPECT_SECONDS)
    except DecodeFailed as exc:
        raise Refused(f"{filename} cannot be checked: {exc.message}", code=exc.code) from None
    return Inspection(mime_type=mime, page_count=pages)


def _pages(path: Path, mime: str, *, filename: str, max_pixels: int, max_pages: int) -> int:
    """The page count of a PDF or image that opens (run in a decoding process)."""
    if mime == "application/pdf":
        return inspect_pdf(path, filename=filename, max_pages=max_pages).pages
    return _check_image(path, filename, max_pixels, max_pages)


def _sniff(path: Path) -> str:
    """libmagic's type; a PDF with junk before ``%PDF-`` (mail gateways and old
    scanners add some) is still a PDF: readers look for the header in the first
    1024 bytes, and so do we."""
    mime = magic.from_file(str(path), mime=True)
    if mime not in ACCEPTED and mime not in EXECUTABLES and mime not in ARCHIVES:
        with path.open("rb") as handle:
            if b"%PDF-" in handle.read(1024):
                return "application/pdf"
    return mime


def _refuse_unaccepted(mime: str, filename: str) -> None:
    detail = {"sniffed_type": mime, "accepted": sorted(ACCEPTED)}
    if mime in EXECUTABLES:
        raise UnsupportedMedia(f"{filename} is an executable ({mime})", code="executable_refused",
                               detail=detail)
    if mime in ARCHIVES:
        raise UnsupportedMedia(f"{filename} is an archive ({mime}); upload the scans inside it "
                               "one by one", code="archive_refused", detail=detail)
    if mime not in ACCEPTED:
        raise UnsupportedMedia(f"{filename} is {mime}; only PDF, JPEG, PNG and TIFF are archived",
                               code="unsupported_type", detail=detail)


def _refuse_lying_extension(mime: str, filename: str) -> None:
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in ACCEPTED[mime]:
        raise UnsupportedMedia(
            f"{filename} is named {suffix} but its content is {mime}",
            code="extension_mismatch",
            detail={"extension": suffix, "sniffed_type": mime},
        )


def _check_image(path: Path, filename: str, max_pixels: int, max_pages: int) -> int:
    """Every frame's declared size (headers only: a 500-page TIFF is not decoded
    here) and a decode of the first frame; the worker decodes the rest."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_image(path, max_pixels=max_pixels) as image:
                pages = 0
                for frame in ImageSequence.Iterator(image):
                    pages += 1
                    _refuse_bomb(frame.size, max_pixels, filename)
                    if pages > max_pages:
                        raise Refused(f"{filename} has more than {max_pages} pages; split it",
                                      code="too_many_pages", detail={"max_pages": max_pages})
                    if pages == 1:
                        _decode(frame)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(f"{filename} declares more pixels than an image may have (image bomb)",
                      code="image_bomb") from None
    except Exception as exc:  # any decoder failure means the file is damaged
        reason = str(exc).replace(str(path), filename)  # Pillow names our spool file
        raise Refused(f"{filename} is a damaged image: {reason}", code="corrupt_image") from None
    return pages


def open_image(path: Path, *, max_pixels: int) -> Image.Image:
    """Image.open with Pillow's own bomb limit set to the configured one (it is
    process-wide; it would otherwise refuse anything above 89 megapixels)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    return Image.open(path)


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
