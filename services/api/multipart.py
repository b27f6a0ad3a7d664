"""Streaming multipart/form-data: the file part goes straight into a Spool
(hashed, size-limited, on disk) as it arrives; small fields are kept in memory."""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.domain.errors import InvalidInput, TooLarge
from services.ingest import Spool, Upload

MAX_FIELD = 64 * 1024
DRAIN_AFTER_REFUSAL = 64 * 1024 * 1024


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    upload: Upload | None = None


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    value: bytearray = field(default_factory=bytearray)
    spool: Spool | None = None


class _Reader:
    def __init__(self, request: Request, *, spool_dir, limit: int, file_field: str) -> None:
        self.spool_dir = spool_dir
        self.limit = limit
        self.file_field = file_field
        self.form = Form()
        self.part = _Part()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, str] = {}
        self.spools: list[Spool] = []

    # python-multipart callbacks
    def on_part_begin(self) -> None:
        self.part = _Part()
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").lower()] = self.header_value.decode("utf-8", "replace")
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", ""))
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            self.part.filename = filename.decode("utf-8", "replace")
            if self.part.name != self.file_field:
                raise InvalidInput(f"unexpected file field {self.part.name!r}; send the file as "
                                   f"{self.file_field!r}", code="invalid_request")
            if self.form.upload is not None or self.spools:
                raise InvalidInput("send one file per request", code="invalid_request")
            self.part.spool = Spool(self.spool_dir, filename=self.part.filename, limit=self.limit)
            self.spools.append(self.part.spool)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.spool is not None:
            self.part.spool.feed(data[start:end])
            return
        self.part.value += data[start:end]
        if len(self.part.value) > MAX_FIELD:
            raise InvalidInput(f"field {self.part.name!r} is too long", code="invalid_request")

    def on_part_end(self) -> None:
        if self.part.spool is not None:
            self.form.upload = self.part.spool.finish()
        else:
            self.form.fields[self.part.name] = self.part.value.decode("utf-8", "replace")

    def abort(self) -> None:
        for spool in self.spools:
            spool.abort()


async def read_form(request: Request, *, spool_dir, limit: int, file_field: str = "file") -> Form:
    """Parse the request body; on any error, no spool file is left behind."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInput("send the upload as multipart/form-data", code="invalid_request")
    reader = _Reader(request, spool_dir=spool_dir, limit=limit, file_field=file_field)
    callbacks = {name: getattr(reader, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished", "on_part_data", "on_part_end")}
    parser = MultipartParser(boundary, callbacks)
    stream = request.stream()
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except TooLarge:
        reader.abort()
        await _drain(stream)
        raise
    except BaseException:
        reader.abort()
        raise
    if reader.part.spool is not None and reader.form.upload is None:
        reader.abort()
        raise InvalidInput("the upload ended before the file did", code="incomplete_upload")
    return reader.form


async def _drain(stream) -> None:  # type: ignore[no-untyped-def]
    """Read (and drop) the rest of a refused body, so the client sees our 413
    instead of a reset connection; give up after a bound."""
    seen = 0
    try:
        async for chunk in stream:
            seen += len(chunk)
            if seen > DRAIN_AFTER_REFUSAL:
                return
    except Exception:  # noqa: BLE001 - the refusal is what we answer with
        return
