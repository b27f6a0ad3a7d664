"""The OCR pool's time bound and its stopping: a page that runs too long is
abandoned with its processes, and a pool closed mid-page stops at once.

Needs the tesseract-ocr and tesseract-ocr-chi-sim Debian packages."""
from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from PIL import Image

from services.ingest.ocr import OcrFailed, OcrPool, OcrStopped
from tests.processes import alive, descendants, describe, wait_for, wait_gone
from tests.samples import make_png

TEXT = "合同 甲方 乙方 Lease contract"


def pages(folder: Path, count: int) -> list[Path]:
    return [make_png(folder, text=f"{TEXT}\n第{n}页 page {n}", seed=n, name=f"page-{n:05d}.png")
            for n in range(1, count + 1)]


def slow_page(folder: Path) -> Path:
    """Black-and-white noise: tens of seconds of tesseract for one page."""
    path = folder / "page-00001.png"
    rng = random.Random(1)
    size = (1000, 1400)
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    noise.point(lambda v: 0 if v < 128 else 255).save(path)
    return path


def ocr_under_us(*, besides: frozenset[int] = frozenset()) -> list[psutil.Process]:
    """Pool processes and the tesseract programs they run (not the forkserver
    or resource tracker, which are this process's own children and stay, nor
    the processes in ``besides``: decoding processes other tests started)."""
    return [p for p in descendants(os.getpid())
            if p.ppid() != os.getpid() and p.pid not in besides]


def already_running() -> frozenset[int]:
    return frozenset(p.pid for p in ocr_under_us())


def tesseract_running() -> bool:
    return any(p.name() == "tesseract" for p in alive(ocr_under_us()))


def in_background(call: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except Exception as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_page_over_its_time_is_abandoned_named_with_its_processes(tmp_path: Path) -> None:
    scans = [slow_page(tmp_path), *pages(tmp_path / "more", 1)]
    before = already_running()
    pool = OcrPool("tesseract", 1)
    try:
        pool.recognise(scans[1:])  # processes started: the clock is the page's alone
        thread, outcome = in_background(lambda: pool.recognise(scans, timeout=1.5))
        wait_for(tesseract_running, 30, "tesseract never started")
        running = ocr_under_us(besides=before)
        thread.join(30)

        error = outcome.get("error")
        assert isinstance(error, OcrFailed), outcome
        assert "page 1 of 2 (page-00001.png)" in error.message and error.detail["page"] == 1
        assert wait_gone(running, 5) == [], describe(alive(running))
    finally:
        pool.close()


def test_after_an_abandoned_page_the_pool_reads_pages_again_in_order(tmp_path: Path) -> None:
    scans = pages(tmp_path, 3)
    pool = OcrPool("tesseract", 2, page_seconds=120)
    try:
        with pytest.raises(OcrFailed):
            pool.recognise(scans[:1], timeout=0.01)

        texts = pool.recognise(scans)

        assert ["第1页" in texts[0], "第2页" in texts[1], "第3页" in texts[2]] == [True] * 3
    finally:
        pool.close()


def test_a_pool_closed_mid_page_stops_at_once(tmp_path: Path) -> None:
    before = already_running()
    pool = OcrPool("tesseract", 2)
    thread, outcome = in_background(lambda: pool.recognise(pages(tmp_path, 6)))
    wait_for(tesseract_running, 30, "tesseract never started")
    running = ocr_under_us(besides=before)

    pool.close(patience=0)

    thread.join(5)
    assert not thread.is_alive()
    # not OcrFailed: the pages are not at fault, and their job is given back
    assert isinstance(outcome.get("error"), OcrStopped), outcome
    assert wait_gone(running, 5) == [], describe(alive(running))
    with pytest.raises(OcrStopped):
        pool.recognise(pages(tmp_path, 1))


def test_a_page_that_cannot_be_read_fails_the_call_and_the_pool_goes_on(tmp_path: Path) -> None:
    scans = pages(tmp_path, 2)
    pool = OcrPool("tesseract", 2, page_seconds=120)
    try:
        with pytest.raises(Exception) as failed:
            pool.recognise([b"not an image at all", *scans])
        assert not isinstance(failed.value, OcrStopped)

        assert "第2页" in pool.recognise(scans)[1]
    finally:
        pool.close()
