"""Users, passwords (argon2id), bearer tokens and login throttling (SPEC §1, §4).

A login comes in three steps so that the slow part runs where the caller
chooses (the API: a small pool of its own): ``check_throttle`` refuses a
locked account or address before anything is hashed, ``password_matches``
is the hash, ``conclude_login`` counts a failure or issues the token."""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shared import audit
from shared.config import Settings
from shared.db.models import ApiToken, LoginFailures, User
from shared.db.session import rowcount
from shared.domain.errors import (
    AlreadyExists,
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)
from shared.domain.model import SECRECY_LEVELS, Role
from shared.domain.throttle import Failures, LoginThrottle, ThrottleRule, retry_after

# argon2id, 64 MiB and 3 passes as argon2-cffi's defaults, in one lane: a hash
# then takes one core, so the login lane's threads (DANGAN_LOGIN_HASH_WORKERS)
# bound what hashing can take of the machine; hashes made with other lanes still verify
_hasher = PasswordHasher(parallelism=1)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login for an unknown user the
    same; made at first use, not at import (it costs a hash: ~0.3 s a process)."""
    return _hasher.hash("not a password of anyone")

MIN_PASSWORD = 8


def add_user(session: Session, *, username: str, role: str, clearance: int, password: str,
             actor: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise InvalidInput("a username is 1–64 characters without spaces", code="invalid_username")
    role = _checked_role(role, clearance)
    _check_strength(password)
    # a removed user's name stays taken: the audit trail and requests still name them
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExists(f"user {username} already exists", code="user_exists")
    user = User(username=username, role=role, clearance=clearance,
                password_hash=_hasher.hash(password), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.add", target=f"user:{username}",
                 details={"role": role, "clearance": clearance})
    return user


def _checked_role(role: str, clearance: int) -> str:
    """The role's stored name, if it is a role and the clearance a level."""
    try:
        checked = Role(role).value
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}", code="unknown_role",
                           detail={"roles": [r.value for r in Role]}) from None
    if clearance not in SECRECY_LEVELS:
        raise InvalidInput("clearance is 1, 2 or 3", code="invalid_clearance")
    return checked


def count_users(session: Session) -> int:
    return len(session.scalars(select(User.id).limit(1)).all())


def list_users(session: Session, *, removed: bool = False) -> list[User]:
    """Users by name; removed ones only when asked for."""
    query = select(User).order_by(User.username)
    if not removed:
        query = query.where(User.removed_at.is_(None))
    return list(session.scalars(query))


# --------------------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginAttempt:
    """Who a login claims to be, and where it comes from."""

    username: str
    address: str

    @property
    def account(self) -> str:
        return f"user:{self.username[:100]}"

    @property
    def origin(self) -> str:
        return f"address:{self.address[:100]}"


def login_throttle(settings: Settings) -> LoginThrottle:
    """The throttle rule as this deployment configures it (DANGAN_LOGIN_*)."""
    return LoginThrottle.of(account_failures=settings.login_account_failures,
                            address_failures=settings.login_address_failures,
                            first_delay_seconds=settings.login_first_delay_seconds,
                            longest_delay_seconds=settings.login_longest_delay_seconds)


def check_throttle(session: Session, *, attempt: LoginAttempt, throttle: LoginThrottle,
                   now: datetime) -> None:
    """Refuse an attempt whose account or address is locked. It only reads:
    a flood of refused attempts hashes nothing and writes nothing."""
    wait = max(throttle.account.wait(_failures(session, attempt.account), now),
               throttle.address.wait(_failures(session, attempt.origin), now))
    if wait:
        raise TooManyAttempts("too many failed logins; try again later",
                              detail={"retry_after": retry_after(wait)})


def stored_hash(session: Session, username: str) -> str:
    """The hash a login is checked against; a stand-in one for an unknown user."""
    user = session.scalar(select(User).where(User.username == username))
    return user.password_hash if user else _dummy_hash()


def password_matches(password_hash: str, password: str) -> bool:
    """The slow part of a login (argon2id, about 0.15 s of CPU)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def conclude_login(session: Session, *, attempt: LoginAttempt, matched: bool,
                   throttle: LoginThrottle, now: datetime, hours: int, kind: str = "api") -> str:
    """A token of ``kind`` (a bearer token, or a web page session) for a
    matching password of an enabled user. Anything else
    — a wrong password, an unknown, disabled or removed user alike — is counted
    against the account and the address and audited, then refused the same way;
    the caller commits before passing the refusal on."""
    user = session.scalar(select(User).where(User.username == attempt.username))
    if matched and user is not None and user.active:
        # failures that ran alongside this attempt may have locked the account meanwhile
        check_throttle(session, attempt=attempt, throttle=throttle, now=now)
        session.execute(delete(LoginFailures).where(LoginFailures.subject == attempt.account))
        return _issue_token(session, user, hours=hours, now=now, kind=kind)
    # the counters are locked before the audit head, as a success locks them: no deadlock
    lockouts = []
    for subject, rule in ((attempt.account, throttle.account), (attempt.origin, throttle.address)):
        locked = _count_failure(session, subject=subject, rule=rule, now=now)
        if locked is not None:
            lockouts.append((subject, locked))
    audit.record(session, actor=attempt.username[:64] or "-", action="auth.login_failed",
                 target=f"user:{attempt.username[:58]}", details={"address": attempt.address})
    for subject, locked in lockouts:
        audit.record(session, actor="-", action="auth.login_throttled", target=subject,
                     details={"failures": locked.count, "until": locked.locked_until})
    raise AuthenticationFailed("wrong username or password", code="invalid_credentials")


def _failures(session: Session, subject: str, *, for_update: bool = False) -> Failures:
    query = select(LoginFailures).where(LoginFailures.subject == subject)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        return Failures()
    return Failures(count=row.count, last_at=row.last_at, locked_until=row.locked_until)


def _count_failure(session: Session, *, subject: str, rule: ThrottleRule,
                   now: datetime) -> Failures | None:
    """One more failure for ``subject``; the counter if it starts a lockout
    (recorded once per lockout), else None."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # the row exists, then is locked, before it is read: concurrent failures all count
    session.execute(insert(LoginFailures).values(subject=subject, count=0, last_at=now)
                    .on_conflict_do_nothing(index_elements=["subject"]))
    before = _failures(session, subject, for_update=True)
    after = rule.after_failure(before, now)
    row = session.get_one(LoginFailures, subject)
    row.count, row.last_at, row.locked_until = after.count, now, after.locked_until
    return after if rule.locks(before, now) else None


def _issue_token(session: Session, user: User, *, hours: int, now: datetime, kind: str) -> str:
    token = secrets.token_urlsafe(32)
    session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, kind=kind,
                         expires_at=now + timedelta(hours=hours)))
    audit.record(session, actor=user.username, action="auth.login", target=f"user:{user.username}",
                 details={"via": "web"} if kind == "session" else None)
    return token


# --------------------------------------------------------------------------- tokens


def user_for_token(session: Session, token: str, *, kind: str = "api") -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token),
                                                ApiToken.kind == kind))
    if row is None or _aware(row.expires_at) < datetime.now(UTC) or not row.user.active:
        raise AuthenticationFailed("the token is missing, unknown or expired")
    return row.user


def logout(session: Session, *, token: str, kind: str = "api") -> None:
    """Revoke this one token: it answers as unknown from now on."""
    user = user_for_token(session, token, kind=kind)
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))
    audit.record(session, actor=user.username, action="auth.logout", target=f"user:{user.username}")


def _revoke_all(session: Session, user: User) -> int:
    return rowcount(session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)))


# --------------------------------------------------------------------------- managing users


def disable_user(session: Session, *, username: str, actor: str) -> User:
    """The user can no longer log in, and every token of theirs stops working now."""
    user = _present(session, username)
    _not_oneself(username, actor, "disable")
    user.active = False
    revoked = _revoke_all(session, user)
    audit.record(session, actor=actor, action="user.disable", target=f"user:{username}",
                 details={"tokens_revoked": revoked})
    return user


def enable_user(session: Session, *, username: str, actor: str) -> User:
    user = _present(session, username)
    user.active = True
    audit.record(session, actor=actor, action="user.enable", target=f"user:{username}")
    return user


def change_password(session: Session, *, username: str, password: str, actor: str) -> User:
    """A new password; every token issued under the old one is revoked."""
    user = _present(session, username)
    _check_strength(password)
    user.password_hash = _hasher.hash(password)
    revoked = _revoke_all(session, user)
    audit.record(session, actor=actor, action="user.passwd", target=f"user:{username}",
                 details={"tokens_revoked": revoked})
    return user


def change_role(session: Session, *, username: str, role: str, clearance: int, actor: str) -> User:
    """A new role and clearance, in force from the user's next request (every
    request reads them afresh). An administrator cannot change their own role:
    they may be the last one who can give it back."""
    user = _present(session, username)
    role = _checked_role(role, clearance)
    if role != user.role:
        _not_oneself(username, actor, "change the role of")
    before = {"role": user.role, "clearance": user.clearance}
    user.role, user.clearance = role, clearance
    audit.record(session, actor=actor, action="user.change", target=f"user:{username}",
                 details={"before": before, "after": {"role": role, "clearance": clearance}})
    return user


def remove_user(session: Session, *, username: str, actor: str) -> User:
    """Soft delete: the user cannot log in and is no longer listed, but the row
    stays — the audit trail, requests and lists keep their name, and no new
    user can take it."""
    user = _present(session, username)
    _not_oneself(username, actor, "remove")
    user.active = False
    user.removed_at = datetime.now(UTC)
    revoked = _revoke_all(session, user)
    audit.record(session, actor=actor, action="user.remove", target=f"user:{username}",
                 details={"tokens_revoked": revoked})
    return user


def _present(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username} not found", code="user_not_found")
    if user.removed_at is not None:
        raise Conflict(f"user {username} was removed", code="user_removed")
    return user


def _not_oneself(username: str, actor: str, verb: str) -> None:
    # an administrator locking themselves out may leave no one to undo it
    if username == actor:
        raise InvalidInput(f"you cannot {verb} your own account", code="own_account")


def _check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", code="weak_password")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
