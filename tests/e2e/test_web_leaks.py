"""Nothing beyond the caller's clearance reaches the page (SPEC §4, §8).

The archive of tests/e2e/test_leaks.py — documents at every level with marker
words in titles, file names, tags and text, holds, a destruction list executed
and one drafted, a parked job, access requests, handover lists — is walked through every page
of the web page, as every role at clearance 3 and 2, signed in with a session
cookie: no page, download or error may hold a marker, an id or an archive
number of a document the caller may not see. Every page route is walked (the
routes are read from the application, so a new page is walked too), with each
path parameter filled by every value of its kind in that archive."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from shared.config import Settings
from shared.db.models import AccessRequest, DestructionList, Handover, Hold, Job
from shared.domain.permissions import Action, allows
from services.api.web.render import WebRoute
from services.composition import Archive, build_archive
from tests.conftest import LiveServer, make_user
from tests.e2e.test_leaks import (
    DOCUMENTS,
    MISSING_ID,
    TODAY,
    WALKERS,
    World,
    forbidden,
    leaks,
    seed,
)
from tests.e2e.test_web_security import _routes, signed_in


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Archive]:
    built = build_archive(Settings(home=tmp_path / "home", _env_file=None))
    built.core.clock = lambda: TODAY
    yield built
    built.close()


def values(archive: Archive, world: World) -> dict[str, list[str]]:
    """Every value a path parameter of each kind can take in the seeded archive."""
    with archive.core.uow() as uow:
        session = uow.session
        lists = [str(n) for n in session.scalars(select(DestructionList.id))]
        holds = [str(n) for n in session.scalars(select(Hold.id))]
        requests = [str(n) for n in session.scalars(select(AccessRequest.id))]
        jobs = [str(n) for n in session.scalars(select(Job.id))]
        handovers = [str(n) for n in session.scalars(select(Handover.id))]
    documents = list(world.ids.values())
    return {"document": documents, "list": lists, "hold": holds, "request": requests,
            "job": jobs, "handover": handovers, "code": ["C001", "C002"], "customer": ["C001", "C002"],
            "certificate": lists, "user": ["arch1", "staff1"], "username": ["arch1", "staff1"],
            "language": ["zh", "en"]}


def pdf_leaks(answer: httpx.Response, banned: dict[str, str]) -> list[tuple[str, str]]:
    """What a PDF's text (a handover list's, compressed in the file) holds of ``banned``."""
    if not answer.content.startswith(b"%PDF"):
        return []
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    return [(word, key) for word, key in banned.items() if word in text]


def filled(path: str, kinds: dict[str, list[str]]) -> list[str]:
    """The path with its one parameter filled by each value of its kind."""
    names = re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path)
    if not names:
        return [path]
    assert len(names) == 1, f"{path}: walk pages of one parameter, or teach this test more"
    name = names[0]
    kind = next((k for k in kinds if k in name), None)
    assert kind, f"{path}: no values known for {{{name}}}"
    return [re.sub(r"\{[^}]+\}", value, path) for value in kinds[kind]]


def queries() -> list[str]:
    words = ["合同", "公共词", *[m for s in DOCUMENTS for m in s.markers]]
    pages = [f"/search?q={w}" for w in words]
    pages += [f"/search?q=合同&{flt}" for flt in ("customer=C001", "customer=C002", "type=id_copy",
                                                   "status=due", "status=destroyed", "year=2000")]
    return pages


def test_no_page_shows_any_role_a_document_beyond_its_clearance(
        deployment: Archive, tmp_path: Path) -> None:
    with LiveServer(deployment) as url:
        world = seed(deployment, url, tmp_path)
        from services.api.app import create_app

        app = create_app(deployment.settings, archive=deployment)
        pages = sorted({r.path for r in _routes(app.routes)
                        if isinstance(r, WebRoute) and "GET" in r.methods})
        kinds = values(deployment, world)
        walked = [one for path in pages for one in filled(path, kinds)] + queries()
        problems: list[str] = []
        for name, (role, clearance) in WALKERS.items():
            make_user(deployment.core, name, role=role, clearance=clearance)
            client = signed_in(url, name)
            banned = forbidden(world, role, clearance)
            for target in walked:
                answer = client.get(target)
                assert answer.status_code < 500, (name, target, answer.text[:500])
                named = [w for w in banned if w in target]
                if not named:  # nothing of a hidden document asked for: none may show
                    if found := leaks(answer, banned) or pdf_leaks(answer, banned):
                        problems.append(f"{role} at clearance {clearance}: GET {target} shows {found}")
                    continue
                # the caller named a hidden document (its id, a marker word): the page must
                # be the one a missing id or a word found nowhere gets, their own words aside
                word = named[0]
                stand_in = MISSING_ID if word in world.ids.values() else "absentword"
                asked = answer.status_code, answer.text.replace(word, "<named>")
                missing = client.get(target.replace(word, stand_in))
                if asked != (missing.status_code, missing.text.replace(stand_in, "<named>")):
                    problems.append(f"{role} at clearance {clearance}: GET {target} differs from "
                                    f"the page for a missing {stand_in}")
            problems += _sees_its_own(client, role, clearance)
            client.close()
        assert not problems, "\n".join(problems[:40])


def _sees_its_own(client: httpx.Client, role: str, clearance: int) -> list[str]:
    """The walk could fail: a document the caller may see is found on the search page."""
    if not allows(role, Action.DOCUMENT_READ):
        return []
    answer = client.get("/search", params={"q": "openthreetitle"})
    if answer.status_code == 200 and "openthreetitle" not in answer.text:
        return [f"{role} at clearance {clearance}: the search page lacks a document it may see"]
    return []
