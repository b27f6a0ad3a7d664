"""Real PDFs from public test suites (tests/fixtures/realworld, origins and
licences in SOURCES.md): each is accepted or refused as a reader would, and a
word of each readable one is found with a highlight — legacy CJK encodings,
Korean, Kangxi radicals, empty user passwords, broken cross-reference tables,
JBIG2 scans and text layers that pypdf alone reads as mojibake."""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.composition import build_archive
from tests.conftest import LiveServer, drain, login, make_user
from tests.residue import holdings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
READABLE = [e for e in EXPECTED if e["readable"]]


@pytest.fixture(scope="module")
def realworld(tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """One embedded archive holding every readable fixture, extracted and indexed."""
    from shared.config import Settings

    built = build_archive(Settings(home=tmp_path_factory.mktemp("realworld"), _env_file=None))
    ctx, index = built.core, built.index
    make_user(ctx, "clerk1", role="clerk", clearance=1)
    with LiveServer(built) as url:
        client = login(url, "clerk1")
        ids = {}
        for entry in READABLE:
            response = upload(client, FIXTURES / entry["file"])
            assert response.status_code == 201, (entry["file"], response.text)
            ids[entry["file"]] = response.json()["id"]
        drain(ctx, index)
        yield client, ids
        client.close()
    built.close()


def upload(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", files={"file": (path.name, handle)},
                           data={"type": "other", "title": "real-world sample"})


@pytest.mark.parametrize("entry", READABLE, ids=[e["file"] for e in READABLE])
def test_a_readable_real_world_pdf_is_archived_and_its_word_found(
        entry: dict, realworld: tuple[httpx.Client, dict[str, str]]) -> None:
    client, ids = realworld
    document = client.get(f"/api/v1/documents/{ids[entry['file']]}").json()
    assert document["extraction_state"] == "done", document["versions"][0]["extraction_error"]
    found = client.get("/api/v1/search", params={"q": entry["word"], "size": 50}).json()
    hit = next((h for h in found["hits"] if h["id"] == ids[entry["file"]]), None)
    assert hit is not None, f"{entry['word']!r} not found in {entry['file']}"
    assert any("<em>" in h for h in hit["highlights"]), hit


@pytest.mark.parametrize("entry", [e for e in EXPECTED if not e["readable"]],
                         ids=[e["file"] for e in EXPECTED if not e["readable"]])
def test_a_pdf_no_reader_opens_is_refused_and_leaves_nothing(
        entry: dict, clerk: httpx.Client, container: Container, tmp_path: Path) -> None:
    copy = tmp_path / entry["file"]
    shutil.copy(FIXTURES / entry["file"], copy)
    before = holdings(container)
    response = upload(clerk, copy)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "corrupt_pdf"
    assert holdings(container) == before


def test_the_fixture_set_is_small_and_every_file_has_its_origin() -> None:
    files = sorted(p.name for p in FIXTURES.glob("*.pdf"))
    assert sum((FIXTURES / f).stat().st_size for f in files) < 20 * 1024 * 1024
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    assert files == sorted(e["file"] for e in EXPECTED)
    assert all(name in sources for name in files)
