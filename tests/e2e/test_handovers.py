"""Handover through the HTTP API (移交 → 交接) on both backends: a clerk hands
uploaded records over, an archivist other than the sender accepts or returns
the list, and what lies beyond a reader's clearance shows nowhere on it."""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import team

PEOPLE = {"clerk": ("clerk", 1), "arch": ("archivist", 1), "arch3": ("archivist", 3)}


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    with team(container, index, PEOPLE, customer_kind="company") as clients:
        yield clients


def upload(client: httpx.Client, path: Path, title: str, secrecy: str) -> str:
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data={
            "type": "contract", "title": title, "customer": "C001", "document_date": "2024-06-30",
            "secrecy": secrecy})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submitted(people: dict, tmp_path: Path) -> int:
    clerk = people["clerk"]
    ids = [upload(clerk, samples.make_pdf(tmp_path, seed=1, name="a.pdf"), "采购合同", "3"),
           upload(clerk, samples.make_pdf(tmp_path, seed=2, name="b.pdf"), "机密担保合同", "1")]
    created = clerk.post("/api/v1/handovers", json={"description": "销售部移交", "department": "销售部"})
    assert created.status_code == 201, created.text
    handover = created.json()["id"]
    assert clerk.post(f"/api/v1/handovers/{handover}/items", json={"documents": ids}).status_code == 200
    assert clerk.post(f"/api/v1/handovers/{handover}/submit").status_code == 200
    return handover


def test_an_archivist_accepts_a_submitted_handover(people: dict, tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    accepted = people["arch"].post(f"/api/v1/handovers/{handover}/accept")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["received_by"]) == ("accepted", "arch")


def test_the_sender_cannot_accept(people: dict, tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    refused = people["clerk"].post(f"/api/v1/handovers/{handover}/accept")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "handover_needs_archivist"


def test_returning_needs_a_reason(people: dict, tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    refused = people["arch"].post(f"/api/v1/handovers/{handover}/return", json={"reason": " "})
    assert refused.json()["error"]["code"] == "return_reason_required"
    assert people["arch"].get(f"/api/v1/handovers/{handover}").json()["status"] == "submitted"


def test_a_clearance_3_reader_sees_no_secrecy_1_item(people: dict, tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    shown = people["arch3"].get(f"/api/v1/handovers/{handover}").json()
    assert [i["title"] for i in shown["items"]] == ["采购合同"]
    inbox = people["arch3"].get("/api/v1/handovers").json()["handovers"]
    assert [h["items"] for h in inbox] == [1]
    pdf = people["arch3"].get(f"/api/v1/handovers/{handover}/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "采购合同" in text and "机密担保合同" not in text
    assert "移交清单" in text


def test_a_clearance_3_archivist_cannot_accept_what_they_cannot_see(people: dict,
                                                                    tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    refused = people["arch3"].post(f"/api/v1/handovers/{handover}/accept")
    assert refused.json()["error"]["code"] == "insufficient_clearance"


def test_the_audit_trail_of_a_handover_names_no_record_beyond_the_reader(
        people: dict, tmp_path: Path) -> None:
    handover = submitted(people, tmp_path)
    listed = people["arch"].get(f"/api/v1/handovers/{handover}").json()["items"]
    hidden = next(i["document"] for i in listed if i["title"] == "机密担保合同")
    full = people["arch"].get("/api/v1/audit", params={"target": f"handover:{handover}"})
    assert hidden in full.text  # the walk could fail: the event names it
    shown = people["arch3"].get("/api/v1/audit", params={"target": f"handover:{handover}"})
    assert shown.status_code == 200, shown.text
    assert hidden not in shown.text
