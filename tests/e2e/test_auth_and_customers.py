"""Authentication and the customer register through the HTTP API."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from tests.conftest import PASSWORD, make_user

PROTECTED = [
    ("GET", "/api/v1/documents"),
    ("POST", "/api/v1/documents"),
    ("GET", "/api/v1/documents/some-id"),
    ("GET", "/api/v1/documents/some-id/content"),
    ("POST", "/api/v1/documents/some-id/versions"),
    ("GET", "/api/v1/customers"),
    ("POST", "/api/v1/customers"),
    ("GET", "/api/v1/customers/C001"),
    ("POST", "/api/v1/customers/C001/close"),
    ("POST", "/api/v1/customers/C001/reopen"),
    ("GET", "/api/v1/auth/me"),
]


@pytest.mark.parametrize("method, path", PROTECTED)
def test_every_route_needs_a_token(base_url: str, method: str, path: str) -> None:
    response = httpx.request(method, base_url + path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_made_up_token_is_401(base_url: str) -> None:
    response = httpx.get(base_url + "/api/v1/documents", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


def test_login_gives_a_bearer_token_that_works(container: Container, base_url: str) -> None:
    make_user(container, "staff1", role="staff", clearance=2)
    response = httpx.post(base_url + "/api/v1/auth/token",
                          data={"username": "staff1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) > 30
    me = httpx.get(base_url + "/api/v1/auth/me",
                   headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"username": "staff1", "role": "staff", "clearance": 2}


@pytest.mark.parametrize("username, password", [("staff1", "wrong password"), ("ghost", PASSWORD)])
def test_wrong_credentials_are_401(container: Container, base_url: str, username: str,
                                   password: str) -> None:
    make_user(container, "staff1", role="staff")
    response = httpx.post(base_url + "/api/v1/auth/token",
                          data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_customer_lifecycle(archivist: httpx.Client) -> None:
    created = archivist.post("/api/v1/customers", json={"code": "C100", "name": "同安建材",
                                                    "kind": "company", "grade": "B"})
    assert created.status_code == 201
    assert created.json()["status"] == "active"
    closed = archivist.post("/api/v1/customers/C100/close", json={"closed_at": "2024-06-30"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] == "2024-06-30"
    again = archivist.post("/api/v1/customers/C100/close", json={"closed_at": "2024-07-01"})
    assert again.status_code == 409
    reopened = archivist.post("/api/v1/customers/C100/reopen")
    assert reopened.json()["status"] == "active" and reopened.json()["closed_at"] is None
    assert archivist.get("/api/v1/customers/C100").json()["name"] == "同安建材"


def test_customer_list_filters_and_pages(archivist: httpx.Client) -> None:
    for n in range(5):
        archivist.post("/api/v1/customers", json={"code": f"K{n}", "name": f"客户{n}", "kind": "individual"})
    archivist.post("/api/v1/customers/K3/close", json={"closed_at": "2024-01-01"})
    page = archivist.get("/api/v1/customers", params={"size": 2, "page": 2}).json()
    assert page["total"] == 5 and [c["code"] for c in page["items"]] == ["K2", "K3"]
    closed = archivist.get("/api/v1/customers", params={"status": "closed"}).json()
    assert [c["code"] for c in closed["items"]] == ["K3"]


@pytest.mark.parametrize("body, code", [
    ({"code": "C1", "name": "x", "kind": "alien"}, "invalid_kind"),
    ({"code": "C1", "name": "x", "kind": "company", "grade": "Z"}, "invalid_grade"),
    ({"code": "C 1", "name": "x", "kind": "company"}, "invalid_customer_code"),
    ({"code": "C1", "kind": "company"}, "invalid_request"),
])
def test_bad_customers_are_refused_by_name(archivist: httpx.Client, body: dict, code: str) -> None:
    response = archivist.post("/api/v1/customers", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert archivist.get("/api/v1/customers").json()["total"] == 0


def test_a_duplicate_customer_code_is_409(archivist: httpx.Client) -> None:
    body = {"code": "C1", "name": "x", "kind": "company"}
    assert archivist.post("/api/v1/customers", json=body).status_code == 201
    response = archivist.post("/api/v1/customers", json=body)
    assert response.status_code == 409 and response.json()["error"]["code"] == "customer_exists"


def test_unknown_customer_is_404(archivist: httpx.Client) -> None:
    response = archivist.get("/api/v1/customers/NOPE")
    assert response.status_code == 404 and response.json()["error"]["code"] == "customer_not_found"


def test_closing_in_the_future_is_refused(archivist: httpx.Client) -> None:
    archivist.post("/api/v1/customers", json={"code": "C1", "name": "x", "kind": "company"})
    response = archivist.post("/api/v1/customers/C1/close", json={"closed_at": "2999-01-01"})
    assert response.status_code == 422


def test_closing_and_reopening_moves_closure_based_retention(archivist: httpx.Client,
                                                             tmp_path: Path) -> None:
    from tests import samples

    archivist.post("/api/v1/customers", json={"code": "C9", "name": "x", "kind": "individual"})
    path = samples.make_png(tmp_path)
    with path.open("rb") as handle:
        document = archivist.post("/api/v1/documents", files={"file": (path.name, handle)},
                              data={"type": "id_copy", "title": "身份证", "customer": "C9"}).json()
    assert document["retain_until"] is None  # pending: the customer is still active
    archivist.post("/api/v1/customers/C9/close", json={"closed_at": "2024-02-29"})
    after_close = archivist.get(f"/api/v1/documents/{document['id']}").json()
    assert after_close["retain_until"] == "2027-02-28"  # 3 years, 29 Feb -> 28 Feb
    archivist.post("/api/v1/customers/C9/reopen")
    assert archivist.get(f"/api/v1/documents/{document['id']}").json()["retain_until"] is None
