"""Nothing beyond the caller's clearance surfaces anywhere (SPEC §4).

Documents at every level carry unique marker words in their titles, file
names, tags and text. A clearance-1 archivist runs them through the whole life
of an archive — search, holds, an override, a destruction list executed and
one drafted, a parked job, access requests — and then every role, at
clearance 3 and at clearance 2, walks every route. No answer — JSON, CSV,
XLSX, certificate, error — may hold a marker, an id or an archive number of a
document the caller may not see; and where the caller names such a document
themselves, the answer is the one a missing id gets. Once on the embedded
archive, once on PostgreSQL + S3 + OpenSearch."""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from shared.db.models import Job
from shared.domain.access import masks_personal
from shared.domain.identifiers import id_number_check_character
from shared.domain.model import Role
from shared.jobs.queue import EXTRACT, JobState
from services.composition import Archive, build_archive
from tests import samples
from tests.conftest import Backend, LiveServer, drain, login, make_user, opensearch_url, production_backend

TODAY = date(2026, 6, 1)
UNTIL = "2026-09-01"
MISSING_ID = "00000000-0000-4000-8000-000000000000"
WALKERS = {f"{role.value}_{c}": (role.value, c) for c in (3, 2) for role in Role}
# the individual C002's profile: personal information, masked for clearance 3 (PIPL)
PERSON_ID = "33010619850412" + "301" + id_number_check_character("33010619850412301")
PERSONAL = {"id_number": PERSON_ID, "address": "杭州市西湖区文一路一号",
            "contacts": [{"name": "张三", "phone": "13912345678", "email": "zhangsan@leak.example"}]}
PERSONAL_MARKERS = (PERSON_ID, PERSON_ID[6:14], "文一路", "文三路", "13912345678", "zhangsan@")


@dataclass(frozen=True)
class Seeded:
    key: str  # its marker words are key + title/file/tag/text
    secrecy: int
    type: str = "contract"
    customer: str = "C001"
    document_date: str = "2024-03-01"
    restricted: bool = False  # an ID copy of the closed customer C002 (PIPL)

    @property
    def markers(self) -> list[str]:
        return [f"{self.key}{part}" for part in ("title", "file", "tag", "text")]


DOCUMENTS = [
    Seeded("leakone", 1), Seeded("leaktwo", 2), Seeded("openthree", 3),
    Seeded("leakpipl", 3, type="id_copy", customer="C002", restricted=True),
    Seeded("leakdue", 1, type="correspondence", document_date="2000-01-01"),
    Seeded("opendue", 3, type="correspondence", document_date="2000-01-01"),
    Seeded("leakdraft", 1, type="correspondence", document_date="2000-01-01"),
]


def sees(role: str, clearance: int, seeded: Seeded) -> bool:
    """The rule under test, written out plainly: clearance, and PIPL for non-archivists."""
    return seeded.secrecy >= clearance and (not seeded.restricted or role == Role.ARCHIVIST)


@pytest.fixture(params=["embedded", "production"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    if request.param == "embedded":
        from shared.config import Settings

        backend = Backend("embedded", Settings(home=tmp_path / "home", _env_file=None))
    else:
        url = opensearch_url()
        backend = production_backend(request, tmp_path)
        backend.settings.opensearch_url = url
        backend.settings.opensearch_index = f"leak-{uuid.uuid4().hex[:12]}"
    built = build_archive(backend.settings)
    built.core.clock = lambda: TODAY
    yield built
    built.close()


@dataclass
class World:
    url: str
    ids: dict[str, str]  # key -> document id
    numbers: dict[str, str]  # key -> archive number
    executed_list: int
    draft_list: int
    document_hold: int
    probe: bytes  # a file never archived, offered as a new version
    handovers: tuple[int, ...]  # submitted handover lists


def upload(client: httpx.Client, folder: Path, seed: int, seeded: Seeded) -> dict[str, Any]:
    path = samples.make_pdf(folder, seed=seed, text=f"{seeded.key}text 借款合同 公共词",
                            name=f"{seeded.key}file-合同.pdf")
    data = {"type": seeded.type, "title": f"{seeded.key}title 合同", "customer": seeded.customer,
            "secrecy": str(seeded.secrecy), "document_date": seeded.document_date,
            "tags": f"{seeded.key}tag"}
    with path.open("rb") as handle:
        answer = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert answer.status_code == 201, answer.text
    return answer.json()


def ok(answer: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    return answer.json()


def seed(archive: Archive, url: str, folder: Path) -> World:
    """A clearance-1 archivist's whole year, as HTTP requests."""
    core = archive.core
    for name, role in (("arch1", "archivist"), ("gm1", "general_manager"), ("staff1", "staff"),
                       ("sup1", "staff"), ("borrower3", "staff")):
        make_user(core, name, role=role, clearance=3 if name == "borrower3" else 1)
    arch, gm, staff = login(url, "arch1"), login(url, "gm1"), login(url, "staff1")
    ok(arch.post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易", "kind": "company",
                                            "grade": "A"}), 201)
    ok(arch.post("/api/v1/customers", json={"code": "C002", "name": "张三", "kind": "individual",
                                            **PERSONAL}), 201)
    ok(arch.patch("/api/v1/customers/C002", json={"reason": "地址变更",
                                                  "address": "杭州市西湖区文三路二号"}))
    made = {s.key: upload(arch, folder, n, s) for n, s in enumerate(DOCUMENTS)}
    ids = {key: d["id"] for key, d in made.items()}
    drain(core, archive.index)
    ok(arch.post("/api/v1/customers/C002/close", json={"closed_at": "2026-05-01"}))
    ok(arch.post("/api/v1/retention/sweep", json={}))
    executed = ok(arch.post("/api/v1/destruction-lists",
                            json={"documents": [ids["leakdue"], ids["opendue"]]}), 201)["id"]
    ok(arch.post(f"/api/v1/destruction-lists/{executed}/appraise", json={"items": [
        {"document": ids[k], "decision": "destroy"} for k in ("leakdue", "opendue")]}))
    ok(gm.post(f"/api/v1/destruction-lists/{executed}/approve"))
    ok(arch.post(f"/api/v1/destruction-lists/{executed}/execute", json={"supervisor": "sup1"}))
    draft = ok(arch.post("/api/v1/destruction-lists", json={"documents": [ids["leakdraft"]]}),
               201)["id"]
    hold = ok(arch.post("/api/v1/holds", json={"reason": "诉讼", "documents": [ids["leakone"]]}),
              201)["id"]
    ok(arch.post("/api/v1/holds", json={"reason": "审计", "customer": "C001"}), 201)
    ok(arch.post(f"/api/v1/documents/{ids['leakone']}/retention",
                 json={"term": "long", "years": 40, "reason": "重要合同"}))
    for word in ("leakonetext", "leaktwotitle", "openthreetext"):
        ok(staff.get("/api/v1/search", params={"q": word}))
    assert staff.get(f"/api/v1/documents/{ids['leakone']}/content").status_code == 200
    ok(staff.post("/api/v1/access-requests", json={"customer": "C001", "purpose": "尽调",
                                                   "until": UNTIL}), 201)
    borrower = login(url, "borrower3")
    ok(borrower.post("/api/v1/access-requests", json={"documents": [ids["leakone"]],
                                                      "purpose": "核对", "until": UNTIL}), 201)
    with core.transaction() as session:  # an extraction that failed, naming its file
        session.add(Job(kind=EXTRACT, payload={"document_id": ids["leakone"]},
                        state=JobState.PARKED, attempts=5, max_attempts=5,
                        last_error="cannot read leakonefile-合同.pdf"))
    drain(core, archive.index)
    for client in (arch, gm, staff, borrower):
        client.close()
    probe = samples.make_pdf(folder, seed=99, name="probe.pdf").read_bytes()
    return World(url, ids, {k: d["archive_number"] for k, d in made.items()}, executed, draft, hold,
                 probe, hand_over(url, ids))


def hand_over(url: str, ids: dict[str, str]) -> tuple[int, ...]:
    """Two handover lists by arch1, submitted: one of a level-1 and a level-3
    record, one of a level-2 record alone (hidden whole below clearance 2)."""
    arch = login(url, "arch1")
    made = []
    for keys in (("leakone", "openthree"), ("leaktwo",)):
        created = ok(arch.post("/api/v1/handovers", json={"description": "移交", "department": "销售部"}),
                     201)["id"]
        ok(arch.post(f"/api/v1/handovers/{created}/items", json={"documents": [ids[k] for k in keys]}))
        ok(arch.post(f"/api/v1/handovers/{created}/submit"))
        made.append(created)
    arch.close()
    return tuple(made)


def text_of(answer: httpx.Response) -> str:
    """Everything a person could read in the answer, spreadsheets unpacked."""
    if answer.content.startswith(b"%PDF"):  # a handover list: its text is compressed in the file
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    if answer.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return answer.content.decode("utf-8", "replace") + json.dumps(dict(answer.headers))


def forbidden(world: World, role: str, clearance: int) -> dict[str, str]:
    """Every string that must not reach this caller, with what it belongs to."""
    found: dict[str, str] = dict.fromkeys(PERSONAL_MARKERS, "C002's personal information") \
        if masks_personal(clearance) else {}
    for seeded in DOCUMENTS:
        if not sees(role, clearance, seeded):
            for word in [*seeded.markers, world.ids[seeded.key], world.numbers[seeded.key]]:
                found[word] = seeded.key
    return found


def reads(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route that shows something, with the parameters that reach the seeded data."""
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/auth/me", {}), ("GET", "/api/v1/retention/schedule", {}),
        ("GET", "/api/v1/customers", {}), ("GET", "/api/v1/customers/C001", {}),
        ("GET", "/api/v1/customers/C002", {}), ("GET", "/api/v1/retention/due", {}),
        ("GET", "/api/v1/customers/C001/history", {}), ("GET", "/api/v1/customers/C002/history", {}),
        ("GET", "/api/v1/holds", {"active": "true"}), ("GET", "/api/v1/holds", {"active": "false"}),
        ("GET", f"/api/v1/destruction-lists/{world.executed_list}", {}),
        ("GET", f"/api/v1/destruction-lists/{world.executed_list}/certificate", {}),
        ("GET", "/api/v1/access-requests", {}), ("GET", "/api/v1/jobs", {}),
        ("POST", "/api/v1/retention/sweep", {"json": {"dry_run": True, "as_of": "2060-01-01"}}),
        ("GET", "/metrics", {}),
        ("GET", "/api/v1/handovers", {}), ("GET", "/api/v1/handovers", {"status": "submitted"}),
    ]
    calls += [("GET", f"/api/v1/handovers/{h}{tail}", {}) for h in world.handovers
              for tail in ("", "/pdf")]
    calls += [("GET", "/api/v1/stats", {"format": f}) for f in ("json", "csv", "xlsx")]
    calls += [("GET", "/api/v1/completeness", {"format": f}) for f in ("json", "csv", "xlsx")]
    calls += [("GET", "/api/v1/customers/C001/completeness", {}),
              ("GET", "/api/v1/customers/C002/completeness", {})]
    calls += [("GET", "/api/v1/expiring", {"within": w}) for w in ("30", "90")]
    for flt in ({}, {"customer": "C001"}, {"customer": "C002"}, {"type": "id_copy"},
                {"status": "due"}, {"status": "destroyed"}, {"year": "2000"}):
        calls.append(("GET", "/api/v1/documents", {"size": "500", **flt}))
    for word in ["合同", "公共词", *[m for s in DOCUMENTS for m in s.markers]]:
        calls.append(("GET", "/api/v1/search", {"q": word, "size": "100"}))
    return calls


def named(world: World, key: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Routes where the caller names one document: asked with its id and with a missing one."""
    document_id = world.ids[key]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/documents/{document_id}{suffix}", {})
        for suffix in ("", "/content", "/content?download=true", "/preview", "/download-url",
                       "/history")]
    calls += [
        ("PATCH", f"/api/v1/documents/{document_id}", {"json": {"reason": "试探", "title": "试探"}}),
        ("POST", f"/api/v1/documents/{document_id}/confirm", {}),
        ("GET", "/api/v1/audit", {"document": document_id}),
        ("POST", f"/api/v1/documents/{document_id}/retention",
         {"json": {"term": "long", "years": 30, "reason": "试探"}}),
        ("POST", "/api/v1/holds", {"json": {"reason": "试探", "documents": [document_id]}}),
        ("POST", "/api/v1/destruction-lists", {"json": {"documents": [document_id]}}),
        ("POST", "/api/v1/access-requests",
         {"json": {"documents": [document_id], "purpose": "试探", "until": UNTIL}}),
        ("POST", f"/api/v1/documents/{document_id}/versions",
         {"files": {"file": ("重扫.pdf", world.probe)}}),
    ]
    return calls


def listed_objects(world: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Routes on a list or hold that holds only hidden documents: method, the
    path with {n} for its number, and the arguments."""
    items = {"items": [{"document": world.ids["leakdraft"], "decision": "destroy"}]}
    return [
        ("GET", "/api/v1/destruction-lists/{n}", "list", {}),
        ("GET", "/api/v1/destruction-lists/{n}/certificate", "list", {}),
        ("POST", "/api/v1/destruction-lists/{n}/appraise", "list", {"json": items}),
        ("POST", "/api/v1/destruction-lists/{n}/approve", "list", {}),
        ("POST", "/api/v1/destruction-lists/{n}/execute", "list", {"json": {"supervisor": "sup1"}}),
        ("POST", "/api/v1/holds/{n}/release", "hold", {"json": {"reason": "试探"}}),
    ]


VOLATILE = {"id", "created_at", "at", "hash", "request_id", "date", "x-request-id", "content-length"}


def shape(answer: httpx.Response, *replace: str) -> tuple[int, Any]:
    """Status and body, the caller's own words and the fields that differ per call set aside."""
    body = answer.text
    for word in replace:
        body = body.replace(word, "<named>")
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return answer.status_code, body

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return answer.status_code, strip(parsed)


def leaks(answer: httpx.Response, banned: dict[str, str]) -> list[tuple[str, str]]:
    seen = text_of(answer)
    return [(word, owner) for word, owner in banned.items() if word in seen]


def test_no_route_shows_any_role_a_document_beyond_its_clearance(
        deployment: Archive, tmp_path: Path) -> None:
    with LiveServer(deployment) as url:
        world = seed(deployment, url, tmp_path)
        for name, (role, clearance) in WALKERS.items():
            make_user(deployment.core, name, role=role, clearance=clearance)
        problems: list[str] = []
        clients = {name: login(url, name) for name in WALKERS}
        for name, (role, clearance) in WALKERS.items():
            problems += walk(world, clients[name], role, clearance)
        for name, (role, clearance) in WALKERS.items():  # the trail of all that, last
            problems += walk_the_trail(world, clients[name], role, clearance)
            clients[name].close()
        assert not problems, "\n".join(problems[:40])


def walk(world: World, client: httpx.Client, role: str, clearance: int) -> list[str]:
    banned = forbidden(world, role, clearance)
    who = f"{role} at clearance {clearance}"
    problems = [f"{who}: {method} {path} {kw} shows {found}"
                for method, path, kw in reads(world)
                if (found := leaks(client.request(method, path, **_args(kw)), banned))]
    for seeded in DOCUMENTS:
        if sees(role, clearance, seeded):
            continue
        hidden_id = world.ids[seeded.key]
        for method, path, kw in named(world, seeded.key):
            asked = shape(client.request(method, path, **_args(kw)), hidden_id)
            missing = shape(client.request(method, path.replace(hidden_id, MISSING_ID),
                                           **_args(kw, hidden_id)), MISSING_ID)
            if asked != missing:
                problems.append(f"{who}: {method} {path} answers {asked} for {seeded.key}, "
                                f"{missing} for a missing id")
    if not sees(role, clearance, DOCUMENTS[-1]):  # the draft list and the hold hold hidden ones only
        for method, path, what, kw in listed_objects(world):
            number = world.draft_list if what == "list" else world.document_hold
            answers = [shape(client.request(method, path.format(n=n), **_args(kw)), f"{what} {n}")
                       for n in (number, 999999)]
            if answers[0] != answers[1]:
                problems.append(f"{who}: {method} {path} answers {answers[0]} for {what} {number}, "
                                f"{answers[1]} for a missing one")
    problems += _sees_its_own(world, client, role, clearance, who)
    return problems


def walk_the_trail(world: World, client: httpx.Client, role: str, clearance: int) -> list[str]:
    """The audit trail after every walker probed: their own search words are
    theirs, not the archive's, and are set aside; all else is scanned."""
    banned = forbidden(world, role, clearance)
    calls = [("GET", "/api/v1/audit", {"size": "500"}), ("GET", "/api/v1/audit/verify", {}),
             ("GET", "/api/v1/audit", {"actor": "staff1"}), ("GET", "/api/v1/audit", {"action": "search"}),
             *[("GET", "/api/v1/audit", {"target": f"document:{i}"}) for i in world.ids.values()]]
    problems = []
    for method, path, kw in calls:
        answer = client.request(method, path, **_args(kw))
        body = answer.json()
        if isinstance(body.get("items"), list):
            body["items"] = [e for e in body["items"]
                             if not (e.get("action") == "search" and e.get("actor") in WALKERS)]
        seen = json.dumps(body, ensure_ascii=False)
        if found := [(w, owner) for w, owner in banned.items() if w in seen]:
            problems.append(f"{role} at clearance {clearance}: {method} {path} {kw} shows {found}")
    return problems


def _args(kw: dict[str, Any], hidden_id: str | None = None) -> dict[str, Any]:
    """httpx arguments; query parameters under "params", the hidden id replaced in a body."""
    args = {k: v for k, v in kw.items() if k in ("json", "files")}
    if hidden_id and "json" in args:
        args["json"] = json.loads(json.dumps(args["json"]).replace(hidden_id, MISSING_ID))
    params = {k: v for k, v in kw.items() if k not in ("json", "files")}
    if hidden_id:
        params = {k: str(v).replace(hidden_id, MISSING_ID) for k, v in params.items()}
    return {**args, "params": params} if params else args


def _sees_its_own(world: World, client: httpx.Client, role: str, clearance: int,
                  who: str) -> list[str]:
    """The walk could fail: what the caller may see is there, and the figures count it."""
    visible = [s for s in DOCUMENTS if sees(role, clearance, s)]
    problems: list[str] = []
    listing = client.get("/api/v1/documents", params={"size": "500"})
    if listing.status_code == 200 and "openthreetitle" not in listing.text:
        problems.append(f"{who}: the documents list lacks a document it may see")
    stats = client.get("/api/v1/stats")
    if stats.status_code == 200:
        counted = sum(stats.json()["holdings"]["status"].values())
        if counted != len(visible):
            problems.append(f"{who}: statistics count {counted} documents, it may see {len(visible)}")
    return problems
