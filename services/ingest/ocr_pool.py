"""A pool of OCR processes that lives as long as its worker: each process
builds its engine (and loads its models) once, then serves page after page."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from services.ingest import ocr


class OcrPool:
    def __init__(self, engine_name: str, workers: int = 0) -> None:
        ocr.engine(engine_name)  # an unknown or uninstalled engine fails at start, by name
        self.engine_name = engine_name
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def recognise(self, pages: list[Path]) -> list[str]:
        if not pages:
            return []
        if self._pool is None:
            # forkserver: children start clean even when the parent runs threads
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"),
                initializer=ocr._init_worker, initargs=(self.engine_name,))
        return list(self._pool.map(ocr._recognise_one, pages))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
