"""OCR of scanned pages behind one small interface, with two engines.

- ``tesseract``: the Tesseract command-line program, run as its own process
  (it is GPL: we call the binary, we never link it). Debian packages:
  ``tesseract-ocr tesseract-ocr-chi-sim``.
- ``rapidocr``: PP-OCR models on onnxruntime through the ``rapidocr-onnxruntime``
  wheel (Apache-2.0); the ONNX models ship inside the wheel, nothing is
  downloaded at run time.

Both engines run single-threaded; throughput comes from OCR-ing pages in
parallel processes (:class:`OcrPool`, :func:`recognise_pages`). Those
processes, and the ``tesseract`` programs they start, die with their owner
even when it is killed outright (Linux: ``PR_SET_PDEATHSIG``, and a thread
watching the owner); a page that runs past its time is abandoned::

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
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from shared.domain.errors import DanganError, InvalidInput
from services.ingest.process_lifetime import child_dies_with_us, die_with_parent, stop_pool, watch_owner

PageInput = bytes | str | Path

# Han ideographs, CJK punctuation and full-width forms (，：（）etc.)
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


class OcrUnavailable(DanganError):
    """An OCR engine (or its language data) is not installed on this machine."""

    code = "ocr_unavailable"


class OcrFailed(DanganError):
    """The engine ran but could not read the page."""

    code = "ocr_failed"


class OcrStopped(DanganError):
    """The pool was closed while its pages were being read (the worker is
    stopping). Not a failure of the pages: their job is given back, not failed."""

    code = "ocr_stopped"


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
            done = subprocess.run(command, input=stdin, capture_output=True, env=self.env,
                                  timeout=self.timeout, check=False,
                                  preexec_fn=child_dies_with_us())
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


def _init_worker(name: str, owner: int) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the owner decides when OCR stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    watch_owner(owner)
    _worker = engine(name)


def _recognise_one(page: PageInput) -> str:
    assert _worker is not None, "worker not initialised"
    if isinstance(page, Path) and hasattr(_worker, "recognise_file"):
        return _worker.recognise_file(page)
    return _worker.recognise(_open(page))


class OcrPool:
    """OCR processes that live as long as their owner (a worker): each builds
    its engine — and loads its models — once, then serves page after page.
    One caller at a time; :meth:`close` may come from another thread."""

    def __init__(self, engine_name: str, workers: int = 0, *,
                 page_seconds: float | None = None) -> None:
        engine(engine_name)  # an unknown or uninstalled engine fails here, by name
        self.engine_name = engine_name
        self.workers = workers or os.cpu_count() or 1
        self.page_seconds = page_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def recognise(self, pages: list[PageInput], *, timeout: float | None = None) -> list[str]:
        """Texts of ``pages`` (PNG/JPEG/TIFF bytes or file paths), in order.

        A page still being read ``timeout`` seconds after it started (default
        ``page_seconds``; None: no bound) is abandoned — the processes are
        stopped and the next call starts new ones — and :class:`OcrFailed`
        names it. After a page's own error the others are let go first, so
        each call starts on idle processes."""
        if not pages:
            return []
        limit = self.page_seconds if timeout is None else timeout
        pool = self._executor()
        futures = [pool.submit(_recognise_one, page) for page in pages]
        try:
            late = _first_late(futures, workers=self.workers, timeout=limit)
            if late is None:
                return [future.result() for future in futures]
        except BrokenProcessPool as exc:
            self._abandon(pool)
            if self._closed:
                raise OcrStopped("the OCR pool was closed: the worker is stopping") from exc
            raise OcrFailed("an OCR process ended before its page was read") from exc
        except BaseException:
            if not _settled(futures, timeout=limit):
                self._abandon(pool)
            raise
        self._abandon(pool)
        raise OcrFailed(f"OCR of page {late + 1} of {len(pages)} ({_describe(pages[late])}) "
                        f"took over {limit:g} s and was abandoned",
                        detail={"page": late + 1, "seconds": limit})

    def close(self, *, patience: float = 5.0) -> None:
        """Stop the processes for good; a page still running after ``patience``
        seconds is abandoned (its process terminated)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool, patience=patience)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise OcrStopped("the OCR pool is closed: the worker is stopping")
            if self._pool is None:
                # forkserver: children start clean even when the parent runs threads
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_init_worker, initargs=(self.engine_name, os.getpid()))
            return self._pool

    def _abandon(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        stop_pool(pool, patience=0.0)


def _first_late(futures: list[Future], *, workers: int, timeout: float | None) -> int | None:
    """Wait for every page; the index of the first one still running
    ``timeout`` seconds after it started, or None. The executor hands pages
    out in order, so page ``i`` starts when page ``i - workers`` ends (the
    ``(i - workers + 1)``-th completion)."""
    if timeout is None:
        wait(futures)
        return None
    now = time.monotonic()
    started = {i: now for i in range(min(workers, len(futures)))}
    ended = 0
    pending: set[Future] = set(futures)
    while pending:
        running = [i for i in started if not futures[i].done()]
        oldest = min(running, key=started.__getitem__)
        left = started[oldest] + timeout - time.monotonic()
        if left <= 0:
            return oldest
        done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
        now = time.monotonic()
        for future in done:
            future.result()  # a page that failed fails the call now
            if ended + workers < len(futures):
                started[ended + workers] = now
            ended += 1
    return None


def _settled(futures: list[Future], *, timeout: float | None) -> bool:
    """Drop the pages not started and wait for those running; False if they
    did not end in time (or the pool broke), and the pool must be rebuilt."""
    for future in futures:
        future.cancel()
    running = [future for future in futures if not future.cancelled()]
    _, late = wait(running, timeout=timeout)
    broken = any(isinstance(f.exception(), BrokenProcessPool) for f in running if f.done())
    return not late and not broken


def _describe(page: PageInput) -> str:
    if isinstance(page, bytes):
        return f"{len(page)} bytes"
    return Path(page).name


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
