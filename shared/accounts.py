"""Users, passwords (argon2id) and bearer tokens (SPEC §1, §4)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared import audit
from shared.db.models import ApiToken, User
from shared.domain.errors import AlreadyExists, AuthenticationFailed, InvalidInput
from shared.domain.model import SECRECY_LEVELS, Role

_hasher = PasswordHasher()
# verifying against this keeps the time of a login for an unknown user the same
_DUMMY_HASH = _hasher.hash("not a password of anyone")
MIN_PASSWORD = 8


def add_user(session: Session, *, username: str, role: str, clearance: int, password: str,
             actor: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise InvalidInput("a username is 1–64 characters without spaces", code="invalid_username")
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}", code="unknown_role",
                           detail={"roles": [r.value for r in Role]}) from None
    if clearance not in SECRECY_LEVELS:
        raise InvalidInput("clearance is 1, 2 or 3", code="invalid_clearance")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", code="weak_password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExists(f"user {username} already exists", code="user_exists")
    user = User(username=username, role=role, clearance=clearance,
                password_hash=_hasher.hash(password), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.add", target=f"user:{username}",
                 details={"role": role, "clearance": clearance})
    return user


def count_users(session: Session) -> int:
    return len(session.scalars(select(User.id).limit(1)).all())


def login(session: Session, *, username: str, password: str, hours: int) -> tuple[str, User]:
    """Check the password and issue a bearer token; failures are audited too."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    if user is None or not valid:
        audit.record(session, actor=username[:64] or "-", action="auth.login_failed",
                     target=f"user:{username[:58]}")
        raise AuthenticationFailed("wrong username or password", code="invalid_credentials")
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id,
                         expires_at=now + timedelta(hours=hours)))
    audit.record(session, actor=user.username, action="auth.login", target=f"user:{user.username}")
    return token, user


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or _aware(row.expires_at) < datetime.now(UTC) or not row.user.active:
        raise AuthenticationFailed("the token is missing, unknown or expired")
    return row.user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
