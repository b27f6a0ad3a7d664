"""Accounts through the HTTP API and `dangan users`: login throttling, the
password-check pool, logout, and disabling, enabling, re-passwording and
removing users. Embedded defaults, with the throttle's delays made short."""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from sqlalchemy import func, select, update

from shared import accounts
from shared.bootstrap import Container
from shared.config import Settings
from shared.db.models import AuditEvent, User
from services.cli.main import cli
from services.composition import build_archive
from tests.conftest import PASSWORD, LiveServer, make_user
from tests.e2e.test_cli import env_for

FAST = {"login_account_failures": 3, "login_address_failures": 50,
        "login_first_delay_seconds": 1, "login_longest_delay_seconds": 4,
        "login_refusal_pause_seconds": 0}


@contextmanager
def serving(tmp_path: Path, **settings: Any) -> Iterator[tuple[Container, httpx.Client]]:
    """A live server on the embedded defaults, with ``settings`` over FAST, and
    a client of it that holds no token."""
    archive = build_archive(Settings(home=tmp_path / "home", _env_file=None, **{**FAST, **settings}))
    try:
        with LiveServer(archive) as url, httpx.Client(base_url=url, timeout=60) as client:
            yield archive.core, client
    finally:
        archive.close()


def token_request(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def token_of(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    response = token_request(client, username, password)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def fail(client: httpx.Client, username: str, times: int) -> None:
    for _ in range(times):
        assert token_request(client, username, "wrong password").status_code == 401


@dataclass(frozen=True)
class Event:
    actor: str
    target: str | None
    details: dict[str, Any]


def events(ctx: Container, action: str) -> list[Event]:
    with ctx.uow() as uow:
        return [Event(e.actor, e.target, e.details) for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def audit_rows(ctx: Container) -> int:
    with ctx.uow() as uow:
        return uow.session.scalar(select(func.count(AuditEvent.id))) or 0


def assert_throttled(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert "try again" in response.json()["error"]["message"]
    return int(response.headers["retry-after"])


# --------------------------------------------------------------------------- throttling


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(tmp_path: Path) -> None:
    with serving(tmp_path, login_first_delay_seconds=60) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        fail(client, "staff1", 3)
        for _ in range(27):  # 30 wrong passwords in all …
            assert_throttled(token_request(client, "staff1", "wrong password"))
        waited = assert_throttled(token_request(client, "staff1"))  # … then the right one
        assert 1 <= waited <= 60


def test_after_the_delay_the_right_password_works_and_resets_the_count(tmp_path: Path) -> None:
    with serving(tmp_path) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        fail(client, "staff1", 3)
        time.sleep(assert_throttled(token_request(client, "staff1")))
        assert token_request(client, "staff1").status_code == 200
        fail(client, "staff1", 2)  # counted from zero again: two more are not yet three
        assert token_request(client, "staff1").status_code == 200


def test_each_further_failure_doubles_the_delay(tmp_path: Path) -> None:
    with serving(tmp_path) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        fail(client, "staff1", 3)
        assert assert_throttled(token_request(client, "staff1")) == 1
        time.sleep(1.05)
        fail(client, "staff1", 1)
        assert assert_throttled(token_request(client, "staff1")) == 2


def test_one_address_failing_for_many_usernames_is_throttled(tmp_path: Path) -> None:
    with serving(tmp_path, login_address_failures=5) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        for n in range(5):
            fail(client, f"guess{n}", 1)
        assert_throttled(token_request(client, "staff1"))  # a username never tried, from that address


def test_throttled_attempts_hash_nothing_and_are_recorded_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(tmp_path, login_first_delay_seconds=60) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        fail(client, "staff1", 3)
        before = audit_rows(ctx)
        hashed: list[str] = []
        real = accounts.password_matches

        def counted(password_hash: str, password: str) -> bool:
            hashed.append(password)
            return real(password_hash, password)

        monkeypatch.setattr(accounts, "password_matches", counted)
        for _ in range(20):
            assert_throttled(token_request(client, "staff1", "wrong password"))
        assert hashed == []
        assert audit_rows(ctx) == before
        [lockout] = events(ctx, "auth.login_throttled")
        assert lockout.target == "user:staff1" and lockout.details["failures"] == 3
        assert len(events(ctx, "auth.login_failed")) == 3


def test_a_refused_attempt_is_held_back_before_its_answer(tmp_path: Path) -> None:
    with serving(tmp_path, login_first_delay_seconds=60, login_refusal_pause_seconds=1) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        fail(client, "staff1", 3)
        started = time.monotonic()
        assert_throttled(token_request(client, "staff1"))
        assert time.monotonic() - started >= 0.5  # the pause, with its jitter, is 0.5–1.5 s


def test_too_many_logins_at_once_are_refused_not_queued(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    held, release = threading.Event(), threading.Event()
    real = accounts.password_matches

    def slow(*args: str) -> bool:
        held.set()
        release.wait(30)
        return real(*args)

    with serving(tmp_path, login_hash_workers=1, login_queue=0) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        token = token_of(client, "staff1")
        monkeypatch.setattr(accounts, "password_matches", slow)
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(token_request, client, "staff1")
            assert held.wait(30)
            second = token_request(client, "staff1")
            assert me(client, token).status_code == 200  # other requests go on meanwhile
            release.set()
            assert first.result().status_code == 200
    assert second.status_code == 429 and second.json()["error"]["code"] == "logins_busy"
    assert int(second.headers["retry-after"]) >= 1


def _burn(started: Any, stop: Any) -> None:
    started.release()
    while not stop.is_set():
        pass


def test_a_login_completes_while_every_core_is_kept_busy(tmp_path: Path) -> None:
    """The password check yields the CPU to requests but is never starved: with
    a busy loop on every core, a login at the archive's own argon2 cost (not the
    suite's cheap one) still answers."""
    with serving(tmp_path) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        with ctx.transaction() as session:
            session.execute(update(User).where(User.username == "staff1")
                            .values(password_hash=PasswordHasher(parallelism=1).hash(PASSWORD)))
        fork = multiprocessing.get_context("fork")  # a busy loop needs nothing re-imported
        started, stop = fork.Semaphore(0), fork.Event()
        burners = [fork.Process(target=_burn, args=(started, stop), daemon=True)
                   for _ in range(os.cpu_count() or 1)]
        for burner in burners:
            burner.start()
        try:
            for _ in burners:
                assert started.acquire(timeout=30)
            # a generous bound: a fair share of one core finishes the check in seconds,
            # where a thread that only runs on an idle core would wait for the burners
            response = client.post("/api/v1/auth/token", timeout=30,
                                   data={"username": "staff1", "password": PASSWORD})
        finally:
            stop.set()
            for burner in burners:
                burner.join(10)
    assert response.status_code == 200, response.text


# --------------------------------------------------------------------------- logout


def test_logout_revokes_the_calling_token_only(tmp_path: Path) -> None:
    with serving(tmp_path) as (ctx, client):
        make_user(ctx, "staff1", role="staff")
        kept, revoked = token_of(client, "staff1"), token_of(client, "staff1")
        out = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {revoked}"})
        assert out.status_code == 204
        assert me(client, revoked).status_code == 401
        assert client.get("/api/v1/documents",
                       headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
        assert me(client, kept).status_code == 200
        assert [e.actor for e in events(ctx, "auth.logout")] == ["staff1"]


def test_logout_without_a_valid_token_is_401(tmp_path: Path) -> None:
    with serving(tmp_path) as (_ctx, client):
        assert client.post("/api/v1/auth/logout").status_code == 401
        assert client.post("/api/v1/auth/logout",
                        headers={"Authorization": "Bearer forged"}).status_code == 401


# --------------------------------------------------------------------------- dangan users


def users(ctx: Container, *args: str, actor: str | None = "root", stdin: str = "") -> Result:
    env: dict[str, str | None] = {k: v for k, v in env_for(ctx.settings).items()
                                  if k.startswith("DANGAN_")}
    env.update({k: None for k in os.environ if k.startswith("DANGAN_") and k not in env})
    acting = ["--as", actor] if actor else []
    return CliRunner().invoke(cli, ["users", *args, *acting], env=env, input=stdin)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Container, httpx.Client]]:
    """A server with an administrator "root" and a staff member "staff1"."""
    with serving(tmp_path) as (ctx, client):
        make_user(ctx, "root", role="admin")
        make_user(ctx, "staff1", role="staff")
        yield ctx, client


def test_a_disabled_user_is_refused_as_a_wrong_password_and_their_tokens_stop(
        live: tuple[Container, httpx.Client]) -> None:
    ctx, client = live
    token = token_of(client, "staff1")
    done = users(ctx, "disable", "staff1")
    assert done.exit_code == 0, done.output
    assert me(client, token).status_code == 401
    refused, wrong = token_request(client, "staff1"), token_request(client, "staff1", "wrong password")
    assert (refused.status_code, refused.json()) == (wrong.status_code, wrong.json())
    [event] = events(ctx, "user.disable")
    assert (event.actor, event.target) == ("root", "user:staff1")


def test_enable_lets_a_disabled_user_log_in_again(live: tuple[Container, httpx.Client]) -> None:
    ctx, client = live
    assert users(ctx, "disable", "staff1").exit_code == 0
    assert users(ctx, "enable", "staff1").exit_code == 0
    assert me(client, token_of(client, "staff1")).status_code == 200
    assert [e.actor for e in events(ctx, "user.enable")] == ["root"]


def test_passwd_revokes_every_token_and_the_old_password(live: tuple[Container, httpx.Client]) -> None:
    ctx, client = live
    token = token_of(client, "staff1")
    done = users(ctx, "passwd", "staff1", "--password-stdin", stdin="a brand new password\n")
    assert done.exit_code == 0, done.output
    assert me(client, token).status_code == 401
    assert token_request(client, "staff1").status_code == 401
    assert me(client, token_of(client, "staff1", "a brand new password")).status_code == 200
    assert [(e.actor, e.target) for e in events(ctx, "user.passwd")] == [("root", "user:staff1")]


def test_passwd_asks_twice_at_a_hidden_prompt(live: tuple[Container, httpx.Client]) -> None:
    ctx, client = live
    done = users(ctx, "passwd", "staff1", stdin="a brand new password\na brand new password\n")
    assert done.exit_code == 0, done.output
    assert "a brand new password" not in done.output
    assert token_request(client, "staff1", "a brand new password").status_code == 200


def test_remove_keeps_the_name_for_the_record(live: tuple[Container, httpx.Client]) -> None:
    ctx, client = live
    token = token_of(client, "staff1")
    assert users(ctx, "remove", "staff1").exit_code == 0
    assert me(client, token).status_code == 401
    assert token_request(client, "staff1").status_code == 401
    assert "staff1" not in users(ctx, "list", actor=None).output
    assert "removed" in users(ctx, "list", "--removed", actor=None).output
    again = users(ctx, "add", "staff1", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    assert [e.actor for e in events(ctx, "auth.login")][0] == "staff1"  # the trail still names them
    assert [(e.actor, e.target) for e in events(ctx, "user.remove")] == [("root", "user:staff1")]


def test_remove_says_it_is_a_soft_delete_in_its_help(live: tuple[Container, httpx.Client]) -> None:
    ctx, _client = live
    text = " ".join(users(ctx, "remove", "--help").output.split())
    assert "soft delete" in text and "username stays taken" in text


@pytest.mark.parametrize("command", [["disable", "staff1"], ["enable", "staff1"],
                                     ["remove", "staff1"], ["passwd", "staff1", "--password-stdin"]])
def test_only_an_administrator_manages_users(live: tuple[Container, httpx.Client],
                                             command: list[str]) -> None:
    ctx, client = live
    make_user(ctx, "arch", role="archivist")
    before = audit_rows(ctx)
    done = users(ctx, *command, actor="arch", stdin="a brand new password\n")
    assert done.exit_code == 1 and "(forbidden)" in done.output
    assert audit_rows(ctx) == before
    assert token_request(client, "staff1").status_code == 200


@pytest.mark.parametrize("command", [["disable"], ["enable"], ["remove"], ["passwd", "--password-stdin"]])
def test_an_unknown_user_is_a_clear_error_that_changes_nothing(
        live: tuple[Container, httpx.Client], command: list[str]) -> None:
    ctx, _client = live
    before = audit_rows(ctx)
    done = users(ctx, command[0], "nobody", *command[1:], stdin="a brand new password\n")
    assert done.exit_code == 1
    assert "user nobody not found (user_not_found)" in done.output
    assert audit_rows(ctx) == before
