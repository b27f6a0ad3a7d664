"""Archive numbers (档号) after DA/T 22-2015 (SPEC §2)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import InvalidInput


@dataclass(frozen=True)
class ArchiveSeries:
    """The key a gap-free sequence runs within: (fonds, year, term, type)."""

    fonds: str
    year: int
    term: str  # retention code: Y, D30, D10 …
    type_code: str

    @property
    def key(self) -> str:
        return f"{self.fonds}|{self.year}|{self.term}|{self.type_code}"


def format_archive_number(fmt: str, series: ArchiveSeries, seq: int) -> str:
    try:
        return fmt.format(
            fonds=series.fonds, year=series.year, term=series.term, type=series.type_code, seq=seq
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(f"DANGAN_ARCHIVE_NUMBER_FORMAT is not usable: {exc}") from None
