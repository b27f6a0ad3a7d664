"""The composition root: the whole archive wired once from settings — database,
object store, search index, OCR and the job handlers. ``dangan serve``,
``dangan worker``, every other command and the tests build it here and
nowhere else; the parts are then handed to what uses them.

"Who runs this job?" is answered by :meth:`Archive.handlers`: one table of
job kinds, the same in-process (embedded) and in worker processes (scale)."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, time
from typing import Any

from shared import audit, audit_anchor, retention
from shared.audit import Anchor
from shared.bootstrap import Container, build
from shared.completeness import expiry_gauges
from shared.config import Settings
from shared.jobs import EXTRACT, INDEX
from shared.jobs.runner import Crew, Handler, Worker
from shared.jobs.schedule import run_daily, run_every
from shared.protection import PROTECT, ProtectHandler
from shared.storage import BlobStore
from services.ingest.extract import ExtractHandler, ExtractionLimits
from services.ingest.ocr import OcrPool
from services.ingest.sandbox import close_sandboxes
from services.search import IndexHandler, SearchIndex, build_index

KINDS = (EXTRACT, INDEX, PROTECT)
LIGHT = (INDEX, PROTECT)  # quick jobs with a lane of their own: never behind an OCR backlog


class Archive:
    """One deployment's parts. ``core`` holds what the use cases of ``shared``
    need (settings, database, object store, schedule, clock); ``index`` is the
    search engine (given, or opened from the settings on first use); OCR pools
    are made per extracting worker."""

    def __init__(self, core: Container, index: SearchIndex | None = None) -> None:
        self.core = core
        self._index = index
        self._closed = False

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def index(self) -> SearchIndex:
        """Opened on first use: most commands never search."""
        if self._index is None:
            self._index = build_index(self.settings)
        return self._index

    def ocr_pool(self) -> OcrPool:
        settings = self.settings
        return OcrPool(settings.ocr_engine, settings.ocr_workers,
                       page_seconds=settings.ocr_page_seconds)

    def handlers(self, *, kinds: tuple[str, ...] = KINDS, ocr: OcrPool | None = None
                 ) -> dict[str, Handler]:
        """The job handlers of this deployment, by kind: the one table of who runs what."""
        database, store = self.core.database, self.core.store
        available: dict[str, Handler] = {}
        if PROTECT in kinds:
            available[PROTECT] = ProtectHandler(database=database, store=store)
        if EXTRACT in kinds:
            available[EXTRACT] = ExtractHandler(
                ocr or self.ocr_pool(), database=database, store=store,
                limits=ExtractionLimits.from_settings(self.settings))
        if INDEX in kinds:
            available[INDEX] = IndexHandler(self.index, database=database)
        return available

    def worker(self, *, kinds: tuple[str, ...] = KINDS, ocr: OcrPool | None = None) -> Worker:
        """One worker over ``kinds`` (for a drain, or a test)."""
        return Worker(self.core.database, self.handlers(kinds=kinds, ocr=ocr),
                      lease_seconds=self.settings.job_lease_seconds)

    def start_workers(self, *, extractors: int, kinds: tuple[str, ...] = KINDS) -> Crew:
        """Two lanes: ``extractors`` threads for extraction, each with its OCR
        pool, and one thread for the light kinds. None at all when ``extractors``
        is 0 (an API replica whose jobs run in `dangan worker` processes). Its
        shutdown stops this process's reading processes for good: call it when
        the process is ending."""
        crew = Crew(grace_seconds=self.settings.shutdown_seconds, closers=(close_sandboxes,))
        lease = self.settings.job_lease_seconds
        if extractors == 0:
            return crew
        if EXTRACT in kinds:
            for n in range(extractors):
                pool = self.ocr_pool()
                crew.add(Worker(self.core.database, self.handlers(kinds=(EXTRACT,), ocr=pool),
                                lease_seconds=lease), name=f"extract-{n}", close=pool.close)
        light = tuple(kind for kind in LIGHT if kind in kinds)
        if light:
            crew.add(Worker(self.core.database, self.handlers(kinds=light), lease_seconds=lease,
                            poll_seconds=0.5), name="light")
        crew.start()
        return crew

    def start_daily_sweep(self, stop: threading.Event) -> threading.Thread:
        """The daily work (:meth:`daily`) at DANGAN_SWEEP_AT, as of the clock's today."""
        hour, minute = map(int, self.settings.sweep_at.split(":"))
        return run_daily(time(hour, minute), self.daily, stop, today=self.core.today)

    def daily(self, today: date) -> dict[str, Any]:
        """The retention sweep, then the expiry reminder (到期提醒): what expires
        within 30/60/90 days or has expired, and the customers to re-investigate,
        counted into the audit trail and the log (the lists: GET /api/v1/expiring)."""
        core = self.core
        with core.transaction() as session:
            flagged = retention.sweep(session, as_of=today, today=today, actor="scheduler")
        logging.getLogger("dangan.sweep").info("daily sweep flagged %s documents", flagged)
        with core.transaction() as session:
            windows, reinvestigate = expiry_gauges(session, checklist=core.checklist, today=today)
            audit.record(session, actor="scheduler", action="expiry.remind",
                         details={"as_of": today.isoformat(), "expiring": windows,
                                  "reinvestigate": reinvestigate})
        logging.getLogger("dangan.expiry").info(
            "expiry reminder: %s expired, %s within 30 days, %s customers to re-investigate",
            windows["expired"], windows["30"], reinvestigate)
        return {"flagged": flagged, "expiring": windows, "reinvestigate": reinvestigate}

    def start_audit_anchoring(self, stop: threading.Event) -> threading.Thread | None:
        """The audit trail's head anchored outside the database every
        DANGAN_AUDIT_ANCHOR_SECONDS, when it has moved since (0: never)."""
        core, seconds = self.core, self.settings.audit_anchor_seconds
        if seconds == 0:
            return None
        log = audit_anchor.anchor_log(core.settings, core.store)
        last: list[Anchor] = []  # one process's last anchor: an unmoved head is not anchored again

        def task() -> None:
            with core.uow() as uow:
                written = audit_anchor.anchor(uow.session, log, unless_at=last[-1] if last else None)
            if written is not None:
                last[:] = [written]
                logging.getLogger("dangan.audit").info("audit trail anchored at event %s",
                                                       written.event_id)

        return run_every(seconds, task, stop)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._index is not None:
                self._index.close()
            self.core.close()


def build_archive(settings: Settings, *, run_migrations: bool = True, store: BlobStore | None = None,
                  index: SearchIndex | None = None, clock: Callable[[], date] | None = None
                  ) -> Archive:
    """The archive these settings describe: embedded parts when nothing is
    configured, PostgreSQL, S3 and OpenSearch as configured. Tests pass their
    own store, index or clock; nothing else is ever built twice."""
    core = build(settings, run_migrations=run_migrations, store=store)
    if clock is not None:
        core.clock = clock
    return Archive(core, index)
