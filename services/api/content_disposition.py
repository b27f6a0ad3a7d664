"""Header parameters of multipart uploads, read as browsers and tools send them.

Browsers, curl and Python's requests put a file name in any script into
``filename="…"`` as raw UTF-8 bytes (WHATWG HTML §4.10.21.8, RFC 7578 §4.2);
some clients add or send only the RFC 5987 form ``filename*=UTF-8''%E7%A7%9F…``.
Both are understood here, on bytes, before anything is decoded as Latin-1."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

# Chinese Windows clients of old sent the system code page; tried after UTF-8
_FALLBACK_CHARSETS = ("utf-8", "gb18030")


def split_parameters(value: bytes) -> tuple[bytes, dict[str, bytes]]:
    """``form-data; name="a"; filename*=…`` -> (b"form-data", {"name": b"a", …}).
    Quoted values keep their bytes; ``\\"`` and ``\\\\`` are unescaped."""
    head, _, rest = value.partition(b";")
    params: dict[str, bytes] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i:i + 1] in (b" ", b"\t", b";"):
            i += 1
        key_end = rest.find(b"=", i)
        if key_end < 0:
            break
        key = rest[i:key_end].strip().decode("latin-1").lower()
        i = key_end + 1
        if rest[i:i + 1] == b'"':
            value_bytes, i = _quoted(rest, i + 1)
        else:
            end = rest.find(b";", i)
            end = n if end < 0 else end
            value_bytes, i = rest[i:end].strip(), end
        params.setdefault(key, value_bytes)
    return head.strip().lower(), params


def _quoted(data: bytes, i: int) -> tuple[bytes, int]:
    out = bytearray()
    while i < len(data):
        char = data[i:i + 1]
        if char == b"\\" and i + 1 < len(data):
            out += data[i + 1:i + 2]
            i += 2
            continue
        if char == b'"':
            return bytes(out), i + 1
        out += char
        i += 1
    return bytes(out), i  # an unterminated quote: take what is there


def decode_text(raw: bytes) -> str:
    for charset in _FALLBACK_CHARSETS:
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def decode_extended(raw: bytes) -> str | None:
    """RFC 5987 ``charset'language'percent-encoded``; None when it is not that."""
    parts = raw.split(b"'", 2)
    if len(parts) != 3:
        return None
    charset = parts[0].decode("latin-1").strip().lower() or "utf-8"
    try:
        return unquote_to_bytes(parts[2]).decode(charset)
    except (LookupError, ValueError):  # an unknown or unusable charset: use filename=
        return None


def form_data_names(header: bytes) -> tuple[str | None, str | None]:
    """(field name, file name) of a part's Content-Disposition; the file name is
    None for an ordinary field. ``filename*`` wins over ``filename``."""
    kind, params = split_parameters(header)
    if kind != b"form-data" or "name" not in params:
        return None, None
    name = decode_text(params["name"])
    filename: str | None = None
    if "filename*" in params:
        filename = decode_extended(params["filename*"])
    if filename is None and "filename" in params:
        filename = decode_text(params["filename"])
        if "%" in filename and filename.isascii():
            # some clients percent-encode the whole name (WHATWG encodes only " and newlines)
            try:
                decoded = unquote_to_bytes(filename).decode("utf-8")
            except UnicodeDecodeError:
                decoded = filename
            filename = decoded if not decoded.isascii() else filename
    return name, filename


def content_type_boundary(header: str) -> bytes | None:
    kind, params = split_parameters(header.encode("latin-1", "replace"))
    boundary = params.get("boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        return None
    return boundary
