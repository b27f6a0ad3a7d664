"""Helpers shared by the CLI commands: the container, output, errors."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.config import Settings
from shared.domain.access import AccessScope
from shared.domain.errors import DanganError
from shared.domain.permissions import Action
from services.composition import Archive, build_archive
from services.ingest.recovery import Recovery


class State:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        """The archive of this environment, built once per command from the composition root."""
        if self._archive is None:
            self._archive = build_archive(load_settings())
        return self._archive

    @property
    def container(self) -> Container:
        """What the use cases in ``shared`` take: database, store, schedule, clock."""
        return self.archive.core


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"DANGAN_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise click.ClickException(f"configuration error: {problems}") from None


def emit(state: State, data: Any, human: Callable[[Any], str] | str) -> None:
    if state.as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(human(data) if callable(human) else human)


def handles_errors(func: Callable) -> Callable:
    """Domain errors become a one-line message (or JSON) and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DanganError as exc:
            state = click.get_current_context().find_object(State)
            if state is not None and state.as_json:
                click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message,
                                                 "detail": exc.detail}}, ensure_ascii=False,
                                      default=str), err=True)
            else:
                click.echo(f"error: {exc.message} ({exc.code})", err=True)
            sys.exit(1)

    return wrapper


pass_state = click.make_pass_decorator(State)


class Progress:
    """A progress line on standard error: redrawn in place on a terminal, one
    line per step elsewhere (logs, CI), nothing when turned off."""

    def __init__(self, total: int, *, label: str, enabled: bool) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.done = 0
        self.tty = sys.stderr.isatty()

    def step(self, what: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        if self.total > 0:
            filled = width * min(self.done, self.total) // self.total
            line = f"{self.label} [{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total} {what}"
        else:  # the total is not known in advance
            line = f"{self.label} {self.done} {what}"
        if self.tty:
            click.echo(f"\r\x1b[2K{line[:150]}", nl=self.done == self.total, err=True)
        else:
            click.echo(line, err=True)


def acting(session: Session, actor: str | None, action: Action) -> str:
    """Who a command acts as. A named user (--as, or DANGAN_USER) is held to the
    role × action table like the API holds them; without one the command runs as
    the local operator ("cli"), who has the database's own keys anyway."""
    from sqlalchemy import select

    from shared.db.models import User
    from shared.domain.errors import NotFound, PermissionDenied
    from shared.domain.permissions import allows

    if not actor or actor == "cli":
        return "cli"
    user = session.scalar(select(User).where(User.username == actor, User.active.is_(True)))
    if user is None:
        raise NotFound(f"user {actor} not found", code="user_not_found")
    if not allows(user.role, action):
        raise PermissionDenied(f"the {user.role} role may not {action.value}", code="forbidden")
    return user.username


def viewer_of(session: Session, username: str, today: date) -> AccessScope | None:
    """What the user a command acts as may see; None for the local operator
    ("cli"), who holds the database's keys and sees everything."""
    from sqlalchemy import select

    from shared import access
    from shared.db.models import User

    user = None if username == "cli" else session.scalar(
        select(User).where(User.username == username))
    if user is None:
        return None
    return access.scope_for(session, username=user.username, role=user.role,
                            clearance=user.clearance, today=today)


as_user = click.option("--as", "actor", envvar="DANGAN_USER", default=None, metavar="USER",
                       help="Act as USER, held to that role's permissions "
                            "(default: $DANGAN_USER, else the local operator).")


def report_recovery(found: Recovery) -> None:
    """Say what a crashed process had left and this start removed, or could not."""
    if found.removed_objects:
        click.echo(f"removed {len(found.removed_objects)} objects a crashed process wrote "
                   "without a record", err=True)
    for problem in found.problems:
        click.echo(f"warning: {problem}", err=True)
