"""OCR of scanned pages behind one small interface, with two engines.

- ``tesseract``: the Tesseract command-line program, run as its own process
  (it is GPL: we call the binary, we never link it). Debian packages:
  ``tesseract-ocr tesseract-ocr-chi-sim``.
- ``rapidocr``: PP-OCR models on onnxruntime through the ``rapidocr-onnxruntime``
  wheel (Apache-2.0); the ONNX models ship inside the wheel, nothing is
  downloaded at run time.

Both engines run single-threaded; throughput comes from OCR-ing pages in
parallel processes (:func:`recognise_pages`)::

    from services.ingest.ocr import engine, recognise_pages
    text = engine("rapidocr").recognise(PIL.Image.open("page.png"))
    texts = recognise_pages("tesseract", [Path("p1.png"), png_bytes], workers=None)

Try it on a file: ``.venv/bin/python -m services.ingest.ocr rapidocr page.png``.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Union

from PIL import Image

from shared.domain.errors import DanganError, InvalidInput

PageInput = Union[bytes, str, Path]

# Han ideographs, CJK punctuation and full-width forms (，：（）etc.)
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


class OcrUnavailable(DanganError):
    """An OCR engine (or its language data) is not installed on this machine."""

    code = "ocr_unavailable"


class OcrFailed(DanganError):
    """The engine ran but could not read the page."""

    code = "ocr_failed"


class OcrEngine(Protocol):
    name: str

    def recognise(self, image: Image.Image) -> str:
        """Plain text of one page, lines separated by newlines."""
        ...


def join_cjk(text: str) -> str:
    """Remove the spaces Tesseract puts between two CJK characters."""
    return _SPACE_BETWEEN_CJK.sub("", text)


# --------------------------------------------------------------------------- Tesseract

@lru_cache(maxsize=4)
def _tesseract_languages(binary: str) -> frozenset[str]:
    done = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                          timeout=30, check=False)
    lines = (done.stdout + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line and not line.startswith("List of"))


class TesseractEngine:
    """The ``tesseract`` CLI: PNG on stdin, text on stdout, one thread.

    ``--psm 6`` (one uniform block of text) measured a lower CER than the
    default ``--psm 3`` on bench/ocr.py's pages (5.9 % vs 8.4 % on Chinese with
    chi_sim+eng; 1.5 % vs 4.7 % with chi_sim alone). It reads a multi-column
    page line by line across the columns."""

    name = "tesseract"

    def __init__(self, *, languages: str = "chi_sim+eng", psm: int = 6,
                 binary: str = "tesseract", timeout: float = 300.0) -> None:
        path = shutil.which(binary)
        if path is None:
            raise OcrUnavailable(
                f"the {binary!r} program is not installed: "
                "apt-get install tesseract-ocr tesseract-ocr-chi-sim")
        have = _tesseract_languages(path)
        for language in languages.split("+"):
            if language not in have:
                package = "tesseract-ocr-" + language.replace("_", "-")
                raise OcrUnavailable(
                    f"Tesseract has no {language!r} traineddata: apt-get install {package}",
                    detail={"installed": sorted(have)})
        self.command = [path, "stdin", "stdout", "-l", languages, "--psm", str(psm)]
        self.env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        self.timeout = timeout

    def recognise(self, image: Image.Image) -> str:
        buffer = io.BytesIO()
        image.save(buffer, "PNG", dpi=image.info.get("dpi", (300, 300)), compress_level=0)
        return self._run(self.command, buffer.getvalue())

    def recognise_file(self, path: Path) -> str:
        """A page already on disk goes to tesseract as it is: no decode and re-encode."""
        return self._run([self.command[0], str(path), *self.command[2:]], None)

    def _run(self, command: list[str], stdin: bytes | None) -> str:
        try:
            done = subprocess.run(command, input=stdin, capture_output=True,
                                  env=self.env, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OcrFailed(f"tesseract took over {self.timeout:.0f} s") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise OcrFailed(f"tesseract failed ({done.returncode}): {message[-500:]}")
        text = done.stdout.decode("utf-8", "replace").replace("\f", "")
        lines = (join_cjk(line).strip() for line in text.splitlines())
        return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- RapidOCR

_rapid: tuple[int, Any] | None = None  # (pid, RapidOCR): one per process, rebuilt after fork


def _rapidocr() -> Any:
    global _rapid
    if _rapid is None or _rapid[0] != os.getpid():
        try:
            import cv2
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(
                "RapidOCR is not installed: pip install rapidocr-onnxruntime") from exc
        cv2.setNumThreads(1)
        _rapid = (os.getpid(), RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1))
    return _rapid[1]


def _lines_from_boxes(boxes: list[tuple[list[list[float]], str]]) -> list[str]:
    """Group boxes into lines by vertical centre, each line left to right."""
    items = []
    for points, text in boxes:
        ys = [p[1] for p in points]
        items.append((sum(ys) / 4, max(ys) - min(ys), min(p[0] for p in points), text))
    items.sort()
    lines: list[list[tuple[float, float, float, str]]] = []
    for item in items:
        if lines:
            line = lines[-1]
            centre = sum(i[0] for i in line) / len(line)
            height = sum(i[1] for i in line) / len(line)
            if abs(item[0] - centre) < 0.5 * min(height, item[1]):
                line.append(item)
                continue
        lines.append([item])
    return [" ".join(i[3] for i in sorted(line, key=lambda i: i[2])) for line in lines]


class RapidOcrEngine:
    """PP-OCRv4 (Chinese + English) on onnxruntime, one thread."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import rapidocr_onnxruntime  # noqa: F401  (fail early, load models lazily)
        except ImportError as exc:
            raise OcrUnavailable(
                "RapidOCR is not installed: pip install rapidocr-onnxruntime") from exc

    def recognise(self, image: Image.Image) -> str:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        result, _ = _rapidocr()(image)
        boxes = [(points, text) for points, text, _score in result or []]
        return "\n".join(_lines_from_boxes(boxes))


# --------------------------------------------------------------------------- factory, pool

ENGINES = {"tesseract": TesseractEngine, "rapidocr": RapidOcrEngine}


def engine(name: str) -> OcrEngine:
    try:
        factory = ENGINES[name]
    except (KeyError, TypeError):
        raise InvalidInput(f"unknown OCR engine {name!r}; choose one of: "
                           + ", ".join(sorted(ENGINES)), code="unknown_ocr_engine",
                           detail={"choices": sorted(ENGINES)}) from None
    return factory()


def _open(page: PageInput) -> Image.Image:
    image = Image.open(io.BytesIO(page) if isinstance(page, bytes) else page)
    image.load()
    return image


_worker: OcrEngine | None = None


def _init_worker(name: str) -> None:
    global _worker
    _worker = engine(name)


def _recognise_one(page: PageInput) -> str:
    assert _worker is not None, "worker not initialised"
    if isinstance(page, Path) and hasattr(_worker, "recognise_file"):
        return _worker.recognise_file(page)
    return _worker.recognise(_open(page))


class OcrPool:
    """OCR processes that live as long as their owner (a worker): each builds
    its engine — and loads its models — once, then serves page after page."""

    def __init__(self, engine_name: str, workers: int = 0) -> None:
        engine(engine_name)  # an unknown or uninstalled engine fails here, by name
        self.engine_name = engine_name
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def recognise(self, pages: list[PageInput]) -> list[str]:
        """Texts of ``pages`` (PNG/JPEG/TIFF bytes or file paths), in order."""
        if not pages:
            return []
        if self._pool is None:
            # forkserver: children start clean even when the parent runs threads
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker, initargs=(self.engine_name,))
        return list(self._pool.map(_recognise_one, pages))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def recognise_pages(engine_name: str, images: list[PageInput],
                    workers: int | None = None) -> list[str]:
    """OCR pages once, in a pool sized to the pages and the machine's cores."""
    pool = OcrPool(engine_name, max(1, min(workers or os.cpu_count() or 1, len(images) or 1)))
    try:
        return pool.recognise(images)
    finally:
        pool.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python -m services.ingest.ocr tesseract|rapidocr PAGE...")
    for text in recognise_pages(sys.argv[1], [Path(p) for p in sys.argv[2:]]):
        print(text, end="\n\f\n")
