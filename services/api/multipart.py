"""Streaming multipart/form-data: the file part goes straight into a Spool
(hashed, size-limited, on disk) as it arrives; small fields are kept in memory,
within a bound on their number and total size, so no request can grow the
server by more than a few hundred KiB besides the spooled file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from shared.domain.errors import InvalidInput, TooLarge
from services.api.content_disposition import content_type_boundary, form_data_names
from services.ingest import Spool, Upload

MAX_FIELD = 64 * 1024  # one metadata field
MAX_FIELDS_TOTAL = 256 * 1024  # all metadata fields of one request together
MAX_PARTS = 32
MAX_PART_HEADERS = 16 * 1024


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


def _malformed(message: str) -> InvalidInput:
    return InvalidInput(message, code="malformed_multipart")


class _Reader:
    def __init__(self, *, spool_dir: Path, limit: int, file_field: str) -> None:
        self.spool_dir = spool_dir
        self.limit = limit
        self.file_field = file_field
        self.form = Form()
        self.part = _Part()
        self.parts = 0
        self.field_bytes = 0
        self.header_bytes = 0
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.spools: list[Spool] = []

    # python-multipart callbacks
    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise InvalidInput(f"a request has at most {MAX_PARTS} parts", code="too_many_fields",
                               detail={"limit": MAX_PARTS})
        self.part = _Part()
        self.headers = {}
        self.header_bytes = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.header_value += data[start:end]

    def _count_header(self, size: int) -> None:
        self.header_bytes += size
        if self.header_bytes > MAX_PART_HEADERS:
            raise _malformed(f"the headers of a part are over {MAX_PART_HEADERS} bytes")

    def on_header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").strip().lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        name, filename = form_data_names(self.headers.get("content-disposition", b""))
        if name is None:
            raise _malformed("a part has no Content-Disposition: form-data name")
        self.part.name, self.part.filename = name, filename
        if filename is None:
            if name in self.form.fields or name == self.file_field:
                raise InvalidInput(f"field {name!r} is given twice", code="invalid_request")
            return
        if name != self.file_field:
            raise InvalidInput(f"unexpected file field {name!r}; send the file as "
                               f"{self.file_field!r}", code="invalid_request")
        if self.form.upload is not None or self.spools:
            raise InvalidInput("send one file per request", code="invalid_request")
        self.part.spool = Spool(self.spool_dir, filename=filename, limit=self.limit)
        self.spools.append(self.part.spool)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part.spool is not None:
            self.part.spool.feed(data[start:end])
            return
        self.part.value += data[start:end]
        self.field_bytes += end - start
        if len(self.part.value) > MAX_FIELD:
            raise InvalidInput(f"field {self.part.name!r} is over {MAX_FIELD} bytes",
                               code="field_too_long", detail={"limit": MAX_FIELD})
        if self.field_bytes > MAX_FIELDS_TOTAL:
            raise InvalidInput(f"the fields of one request are over {MAX_FIELDS_TOTAL} bytes",
                               code="fields_too_long", detail={"limit": MAX_FIELDS_TOTAL})

    def on_part_end(self) -> None:
        if self.part.spool is not None:
            self.form.upload = self.part.spool.finish()
            return
        try:
            self.form.fields[self.part.name] = self.part.value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"field {self.part.name!r} is not UTF-8 text",
                               code="invalid_request") from None

    def abort(self) -> None:
        for spool in self.spools:
            spool.abort()


async def read_form(request: Request, *, spool_dir: Path, limit: int,
                    file_field: str = "file") -> Form:
    """Parse the request body; on any error, no spool file is left behind."""
    boundary = content_type_boundary(request.headers.get("content-type", ""))
    if boundary is None:
        raise InvalidInput("send the upload as multipart/form-data with a boundary",
                           code="invalid_request")
    reader = _Reader(spool_dir=spool_dir, limit=limit, file_field=file_field)
    callbacks = {name: getattr(reader, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished", "on_part_data", "on_part_end")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]  # stub: a TypedDict
    ceiling = limit + MAX_FIELDS_TOTAL + MAX_PARTS * (MAX_PART_HEADERS + 2 * len(boundary) + 8)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > ceiling:
                raise TooLarge(f"the request is over {ceiling} bytes", code="request_too_large",
                               detail={"limit": limit})
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        reader.abort()
        raise _malformed(f"the multipart body is malformed: {exc}") from None
    except BaseException:
        reader.abort()
        raise
    if reader.part.spool is not None and reader.form.upload is None:
        reader.abort()
        raise InvalidInput("the upload ended before the file did", code="incomplete_upload")
    return reader.form

