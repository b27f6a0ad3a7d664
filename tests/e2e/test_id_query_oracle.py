"""No resident-ID query oracle through GET /api/v1/search (SPEC §4, §6): a
clearance-3 reader, who sees ID numbers masked, gets the same answer whatever
birth date they type into a number, so guessing it tells them nothing; a
clearance-2 reader finds the exact number. The engine suite covers OpenSearch."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.composition import Archive
from services.search import SearchIndex, all_documents
from services.search.embedded import VERSION_FILE, EmbeddedIndex
from tests import samples
from tests.conftest import LiveServer, drain, login, team

PEOPLE = {"arch": ("archivist", 1), "staff3": ("staff", 3), "staff2": ("staff", 2)}
NUMBER = "11010519491231002X"  # born 1949-12-31
GUESSES = ["11010519500118002X",  # another birth date whose check digit holds
           "11010519500101002X"]  # and one whose check digit fails
MASKED = "110105********002X"


def typed(number: str) -> list[str]:
    return [number, f"{number[:6]}-{number[6:10]}-{number[10:14]}-{number[14:]}", f"担保人 {number}"]


@pytest.fixture
def people(container: Container, index: SearchIndex, tmp_path: Path) -> Iterator[dict[str, httpx.Client]]:
    with team(container, index, PEOPLE, customer_kind="individual") as clients:
        for seed, text in enumerate([f"担保人 张三 公民身份号码 {NUMBER} 借款合同",
                                     f"保证人 张三 身份证 {NUMBER[:6]}-{NUMBER[6:10]}-{NUMBER[10:14]}-"
                                     f"{NUMBER[14:]} 担保人 另"]):
            path = samples.make_pdf(tmp_path, seed=seed, text=text, name=f"f{seed}.pdf")
            with path.open("rb") as handle:
                created = clients["arch"].post(
                    "/api/v1/documents", files={"file": (path.name, handle)},
                    data={"type": "contract", "title": f"担保档案{seed}", "customer": "C001"})
            assert created.status_code == 201, created.text
        drain(container, index)
        yield clients


def search(client: httpx.Client, q: str) -> dict:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_clearance_three_reader_gets_one_answer_for_every_birth_date(people: dict) -> None:
    reader = people["staff3"]
    for true, *wrong in zip(typed(NUMBER), *map(typed, GUESSES), strict=True):
        answer = search(reader, true)
        assert answer["total"] >= 1, true
        assert all(search(reader, guess) == answer for guess in wrong), true
        shown = " ".join(h for hit in answer["hits"] for h in hit["highlights"])
        assert MASKED[:6] in shown and NUMBER[6:14] not in shown and "1949" not in shown


def test_a_clearance_three_reader_finds_no_hidden_digit(people: dict) -> None:
    for hidden in ("19491231", "1949", "1231", '"110105 1949"'):
        assert search(people["staff3"], hidden)["total"] == 0, hidden
    assert search(people["staff2"], "1949")["total"] == 1


def test_a_clearance_three_reader_still_finds_the_words(people: dict) -> None:
    assert search(people["staff3"], "担保人")["total"] == 2
    assert search(people["staff3"], "借款合同")["total"] == 1


def test_a_clearance_two_reader_finds_the_exact_number_only(people: dict) -> None:
    reader = people["staff2"]
    found = search(reader, NUMBER)
    assert found["total"] == 1 and f"<em>{NUMBER}</em>" in " ".join(found["hits"][0]["highlights"])
    assert all(search(reader, guess)["total"] == 0 for guess in GUESSES)


def test_an_index_of_an_earlier_version_is_refused_until_reindexed(
        people: dict, container: Container, index: SearchIndex) -> None:
    assert isinstance(index, EmbeddedIndex)
    generation = (index.root / "CURRENT").read_text().strip()
    (index.root / generation / VERSION_FILE).write_text("1")  # as an earlier version left it
    stale = EmbeddedIndex(index.root)  # what a process started after the upgrade opens
    with LiveServer(Archive(container, stale)) as url:
        reader = login(url, "staff2")
        refused = reader.get("/api/v1/search", params={"q": "担保人"})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "reindex_needed"
        assert "dangan reindex" in refused.json()["error"]["message"]
        assert reader.get("/readyz").status_code == 503
        stale.rebuild(all_documents(container.database))
        assert search(reader, "担保人")["total"] == 2
        reader.close()
    stale.close()
