"""The page's safety, over HTTP: a session cookie apart from bearer tokens,
CSRF on every form, and the headers every answer carries."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.routing import APIRoute

from shared.bootstrap import Container
from shared.config import Settings
from services.api.web.render import WebRoute
from services.composition import build_archive
from tests.conftest import PASSWORD, LiveServer, login, make_user


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Container, str, list[APIRoute]]]:
    archive = build_archive(Settings(home=tmp_path / "home", _env_file=None))
    try:
        with LiveServer(archive) as url:
            from services.api.app import create_app

            yield archive.core, url, list(_routes(create_app(archive.settings, archive=archive).routes))
    finally:
        archive.close()


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every route of the application, through the routers it includes (the
    page's routers have no prefix of their own)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def signed_in(url: str, username: str, *, forwarded_https: bool = False) -> httpx.Client:
    """A browser-like client, signed in through the login form."""
    headers = {"Accept": "text/html", **({"X-Forwarded-Proto": "https"} if forwarded_https else {})}
    client = httpx.Client(base_url=url, timeout=60, headers=headers)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    assert csrf, form.text
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": csrf.group(1), "next": "/"})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of_page(client: httpx.Client, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_the_session_cookie_is_http_only_same_site_and_secure_behind_tls(live: tuple) -> None:
    ctx, url, _ = live
    make_user(ctx, "staff1", role="staff")
    plain = signed_in(url, "staff1")
    cookie = plain.cookies.jar
    session = next(c for c in cookie if c.name == "dangan_session")
    assert session.has_nonstandard_attr("HttpOnly") and not session.secure
    assert session.get_nonstandard_attr("SameSite", "").lower() == "lax"
    behind_tls = httpx.Client(base_url=url, headers={"X-Forwarded-Proto": "https"})
    form = behind_tls.get("/login")
    assert "secure" in form.headers["set-cookie"].lower()


def test_a_session_is_not_a_bearer_token_and_a_bearer_token_is_not_a_session(live: tuple) -> None:
    ctx, url, _ = live
    make_user(ctx, "staff1", role="staff")
    browser = signed_in(url, "staff1")
    session = browser.cookies["dangan_session"]
    as_bearer = httpx.get(f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {session}"})
    assert as_bearer.status_code == 401
    api = login(url, "staff1")
    bearer = api.headers["Authorization"].split()[1]
    as_cookie = httpx.get(f"{url}/", cookies={"dangan_session": bearer}, follow_redirects=False)
    assert as_cookie.status_code == 303 and as_cookie.headers["location"].startswith("/login")
    assert browser.get("/", follow_redirects=False).status_code == 200


def test_sign_out_revokes_the_session_on_the_server(live: tuple) -> None:
    ctx, url, _ = live
    make_user(ctx, "staff1", role="staff")
    browser = signed_in(url, "staff1")
    session = browser.cookies["dangan_session"]
    out = browser.post("/logout", data={"csrf": csrf_of_page(browser)})
    assert out.status_code == 303
    replay = httpx.get(f"{url}/", cookies={"dangan_session": session}, follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_every_form_of_the_page_refuses_a_post_without_its_csrf_token(live: tuple) -> None:
    ctx, url, routes = live
    make_user(ctx, "admin1", role="admin")
    make_user(ctx, "archivist1", role="archivist")
    posts = [r for r in routes if isinstance(r, WebRoute) and "POST" in r.methods
             and r.path != "/login"]
    assert {"/logout"} <= {r.path for r in posts}
    for username in ("archivist1", "admin1"):
        browser = signed_in(url, username)
        for route in posts:
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for token in (None, "0" * 64):
                data = {"csrf": token} if token else {}
                answer = browser.post(path, data=data, follow_redirects=False)
                assert answer.status_code == 403, (route.path, token, answer.status_code)
        assert browser.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_the_login_form_needs_its_own_csrf_token(live: tuple) -> None:
    ctx, url, _ = live
    make_user(ctx, "staff1", role="staff")
    forged = httpx.post(f"{url}/login", data={"username": "staff1", "password": PASSWORD,
                                              "csrf": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403 and "dangan_session" not in forged.cookies


def test_after_sign_in_the_page_goes_back_only_inside_the_site(live: tuple) -> None:
    ctx, url, _ = live
    make_user(ctx, "staff1", role="staff")
    client = httpx.Client(base_url=url)
    for target, expected in [("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/\\evil.example", "/"), ("/search?q=合同", "/search?q=合同")]:
        client.cookies.clear()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/login").text)
        assert csrf
        answer = client.post("/login", data={"username": "staff1", "password": PASSWORD,
                                             "csrf": csrf.group(1), "next": target})
        assert answer.status_code == 303 and unquote(answer.headers["location"]) == expected


def test_every_answer_carries_the_safety_headers(live: tuple) -> None:
    ctx, url, _ = live
    for path in ("/login", "/static/app.css", "/api/v1/search?q=x", "/docs", "/no-such-page"):
        answer = httpx.get(f"{url}{path}", headers={"Accept": "text/html"})
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy.split("style-src")[0], path  # never for scripts
        if path != "/docs":
            assert "unsafe-inline" not in policy, path
        if not path.startswith("/static/"):
            assert answer.headers["cache-control"] == "no-store", path


def test_an_unknown_page_is_answered_by_a_page_in_the_user_language(live: tuple) -> None:
    _, url, _ = live
    answer = httpx.get(f"{url}/no-such-page", headers={"Accept": "text/html"})
    assert answer.status_code == 404 and "未找到，或您无权查看。" in answer.text
    english = httpx.get(f"{url}/no-such-page", headers={"Accept": "text/html"},
                        cookies={"dangan_lang": "en"})
    assert "Not found, or not visible to you." in english.text
    api = httpx.get(f"{url}/api/v1/no-such-route", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
