"""Archive number formatting and settings validation."""
from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.config import Settings, normalise_database_url
from shared.domain.archive_number import ArchiveSeries, format_archive_number
from shared.domain.errors import InvalidInput

SERIES = ArchiveSeries(fonds="KH01", year=2024, term="D30", type_code="HT")


def test_default_format_follows_the_spec_example() -> None:
    assert format_archive_number(Settings().archive_number_format, SERIES, 17) == "KH01-2024-D30-HT-00017"


def test_the_format_is_configurable() -> None:
    assert format_archive_number("{fonds}·{year}·{type}·{seq:04d}", SERIES, 3) == "KH01·2024·HT·0003"


def test_a_format_naming_an_unknown_part_is_refused() -> None:
    with pytest.raises(InvalidInput, match="DANGAN_ARCHIVE_NUMBER_FORMAT"):
        format_archive_number("{fonds}-{shelf}", SERIES, 1)


def test_series_key_separates_every_part() -> None:
    other = ArchiveSeries(fonds="KH01", year=2024, term="D10", type_code="HT")
    assert SERIES.key != other.key


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.sqlalchemy_url == f"sqlite:///{(tmp_path / 'dangan.sqlite3').resolve()}"
    assert not settings.uses_s3
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_upload_bytes == 200 * 1024 * 1024


def test_postgres_urls_use_the_pure_python_driver() -> None:
    assert normalise_database_url("postgresql://u:p@h/db") == "postgresql+pg8000://u:p@h/db"
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+pg8000://u:p@h/db"


def test_s3_endpoint_without_bucket_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGAN_S3_ENDPOINT", "http://127.0.0.1:9000")
    with pytest.raises(ValidationError, match="DANGAN_S3_BUCKET"):
        Settings()


def test_a_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGAN_PORT", "99999")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_the_readme_role_table_is_the_one_enforced() -> None:
    from pathlib import Path

    from shared.domain.model import Role
    from shared.domain.permissions import Action, allows

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines = readme[readme.index("| action |"):].splitlines()
    roles = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    assert roles == [r.value for r in Role]
    rows = {}
    for line in lines[2:]:
        if not line.startswith("| `"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = {role for role, mark in zip(roles, cells[1:], strict=True) if mark == "✓"}
    assert rows == {a.value: {r for r in roles if allows(r, a)} for a in Action}
