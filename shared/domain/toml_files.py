"""The archive's TOML configuration files (the retention schedule, the
completeness checklist): read once, and every error names the file and line."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from shared.domain.errors import InvalidInput


def read_toml(path: Path, *, code: str) -> tuple[str, dict[str, Any]]:
    """The file's text (for ``line_of``) and its parsed tables; a syntax error is
    refused with ``code``, naming the file and TOML's own line and column."""
    text = path.read_text(encoding="utf-8")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: {exc}", code=code) from None


def line_of(text: str, table: str, name: str, *, after: str | None = None) -> int:
    """The line of ``[table.name]``, or of the key ``name`` inside ``[table.after]``; 0 if absent."""
    inside = after is None
    for number, line in enumerate(text.splitlines(), start=1):
        bare = line.split("#", 1)[0].strip().replace(" ", "")
        header = bare in (f"[{table}.{after}]", f'[{table}."{after}"]') if after else False
        if after is None and bare in (f"[{table}.{name}]", f'[{table}."{name}"]'):
            return number
        if header:
            inside = True
        elif after is not None and inside and bare.startswith("["):
            inside = False
        elif after is not None and inside and bare.split("=", 1)[0].strip('"') == name:
            return number
    return 0
