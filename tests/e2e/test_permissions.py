"""The role × action table walked through the HTTP API: every role tries every
action; what the table forbids answers 403, what it allows does not."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from shared.domain.model import Role
from shared.domain.permissions import Action, allows
from tests.conftest import login, make_user

# one request per action; an allowed request may still fail for its own reasons
# (404, 409, 422) — only 403 means the table said no
REQUESTS: dict[Action, list[tuple[str, str, dict]]] = {
    Action.DOCUMENT_UPLOAD: [("POST", "/api/v1/documents", {"files": {"file": ("a.pdf", b"")}}),
                             ("POST", "/api/v1/documents/x/versions", {"files": {"file": ("a.pdf", b"")}})],
    Action.DOCUMENT_READ: [("GET", "/api/v1/documents", {}), ("GET", "/api/v1/documents/x", {}),
                           ("GET", "/api/v1/documents/x/content", {}), ("GET", "/api/v1/search", {})],
    Action.CUSTOMER_READ: [("GET", "/api/v1/customers", {}), ("GET", "/api/v1/customers/C9", {})],
    Action.CUSTOMER_MANAGE: [("POST", "/api/v1/customers", {"json": {}}),
                             ("POST", "/api/v1/customers/C9/close", {"json": {}})],
    Action.RETENTION_READ: [("GET", "/api/v1/retention/schedule", {}), ("GET", "/api/v1/retention/due", {}),
                            ("GET", "/api/v1/holds", {}), ("GET", "/api/v1/destruction-lists/9", {})],
    Action.RETENTION_MANAGE: [("POST", "/api/v1/retention/sweep", {"json": {"as_of": "1900-01-01"}}),
                              ("POST", "/api/v1/holds", {"json": {}}),
                              ("POST", "/api/v1/destruction-lists", {"json": {}})],
    Action.DESTRUCTION_APPROVE: [("POST", "/api/v1/destruction-lists/9/approve", {})],
    Action.AUDIT_READ: [("GET", "/api/v1/audit", {}), ("GET", "/api/v1/audit/verify", {})],
    Action.AUDIT_ANCHOR: [("POST", "/api/v1/audit/anchor", {})],
    Action.JOBS_MANAGE: [("GET", "/api/v1/jobs", {})],
    Action.REPORTS_READ: [("GET", "/api/v1/stats", {})],
    Action.ACCESS_REQUEST: [("POST", "/api/v1/access-requests", {"json": {}}),
                            ("GET", "/api/v1/access-requests", {})],
    Action.ACCESS_APPROVE: [("POST", "/api/v1/access-requests/9/approve", {}),
                            ("POST", "/api/v1/access-requests/9/refuse", {"json": {"reason": "x"}})],
}


@pytest.fixture
def everyone(container: Container, base_url: str) -> Iterator[dict[str, httpx.Client]]:
    clients = {}
    for role in Role:
        make_user(container, f"u-{role.value}", role=role.value, clearance=1)
        clients[role.value] = login(base_url, f"u-{role.value}")
    yield clients
    for client in clients.values():
        client.close()


def test_every_action_has_a_request_here() -> None:
    assert set(REQUESTS) == set(Action) - {Action.USERS_MANAGE}  # users are managed by the CLI


@pytest.mark.parametrize("action", sorted(REQUESTS, key=str))
def test_the_table_decides_every_role_and_action(everyone: dict, action: Action) -> None:
    for role, client in everyone.items():
        for method, path, kwargs in REQUESTS[action]:
            response = client.request(method, path, **kwargs)
            if allows(role, action):
                assert response.status_code != 403, (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
                assert response.json()["error"]["code"] == "forbidden"


def test_clearance_hides_metadata_and_refuses_content(container: Container, base_url: str,
                                                      tmp_path: Path) -> None:
    from tests import samples

    make_user(container, "secret-clerk", role="clerk", clearance=1)
    make_user(container, "plain-staff", role="staff", clearance=3)
    clerk, staff = login(base_url, "secret-clerk"), login(base_url, "plain-staff")
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        secret = clerk.post("/api/v1/documents", files={"file": (path.name, handle)},
                            data={"type": "contract", "title": "绝密合同", "secrecy": "1"}).json()
    assert clerk.get(f"/api/v1/documents/{secret['id']}").status_code == 200
    assert staff.get(f"/api/v1/documents/{secret['id']}").status_code == 404
    assert staff.get(f"/api/v1/documents/{secret['id']}/content").status_code == 404
    assert staff.get("/api/v1/documents").json()["total"] == 0
    assert clerk.get("/api/v1/documents").json()["total"] == 1
    clerk.close()
    staff.close()


def test_a_new_version_needs_the_document_in_clearance(container: Container, base_url: str,
                                                       tmp_path: Path) -> None:
    from tests import samples

    make_user(container, "top-clerk", role="clerk", clearance=1)
    make_user(container, "low-clerk", role="clerk", clearance=3)
    top, low = login(base_url, "top-clerk"), login(base_url, "low-clerk")
    first, second = samples.make_pdf(tmp_path, seed=1), samples.make_png(tmp_path, seed=2)
    with first.open("rb") as handle:
        secret = top.post("/api/v1/documents", files={"file": (first.name, handle)},
                          data={"type": "contract", "title": "绝密", "secrecy": "1"}).json()
    with second.open("rb") as handle:
        refused = low.post(f"/api/v1/documents/{secret['id']}/versions",
                           files={"file": (second.name, handle)})
    assert refused.status_code == 404
    assert len(top.get(f"/api/v1/documents/{secret['id']}").json()["versions"]) == 1
    top.close()
    low.close()
