"""Domain errors. Adapters translate vendor errors into these; the API maps
them to HTTP statuses in one place (services/api/errors.py)."""
from __future__ import annotations

from typing import Any


class DanganError(Exception):
    """Base class. ``code`` is a stable machine-readable reason."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        # keep code and detail across processes (a file is checked in a child process)
        return (_rebuild, (type(self), self.message, self.code, self.detail))


def _rebuild(kind: type[DanganError], message: str, code: str, detail: Any) -> DanganError:
    return kind(message, code=code, detail=detail)


class NotFound(DanganError):
    code = "not_found"


class AlreadyExists(DanganError):
    code = "already_exists"


class Conflict(DanganError):
    code = "conflict"


class InvalidInput(DanganError):
    code = "invalid_input"


class Refused(InvalidInput):
    """An upload refused for what it is (type, size, encryption, damage)."""

    code = "refused"


class UnsupportedMedia(Refused):
    """Refused for what a file *is* (an executable, an archive, a type not
    archived, an extension that lies), not for its state."""

    code = "unsupported_type"


class TooLarge(Refused):
    code = "file_too_large"


class AuthenticationFailed(DanganError):
    code = "not_authenticated"


class PermissionDenied(DanganError):
    code = "forbidden"


class TooManyAttempts(DanganError):
    """Refused for now (failed logins, or too many logins at once); try again
    after ``retry_after`` seconds, which ``detail`` carries."""

    code = "too_many_attempts"

    @property
    def retry_after(self) -> int:
        return int((self.detail or {}).get("retry_after", 1))


class StorageUnavailable(DanganError):
    code = "storage_unavailable"


class DatabaseUnavailable(DanganError):
    code = "database_unavailable"


class SearchUnavailable(DanganError):
    code = "search_unavailable"


class Unsupported(DanganError):
    """This deployment's parts cannot do it (e.g. a local directory gives no
    download URLs)."""

    code = "unsupported"


class Duplicate(Conflict):
    """The same bytes are already archived for the same customer (SPEC §5)."""

    code = "duplicate"


class Locked(Conflict):
    """The object store refuses: Object Lock retention or a legal hold applies."""

    code = "object_locked"


class Gone(DanganError):
    """The document was destroyed; its certificate remains."""

    code = "destroyed"


class PermanentFailure(DanganError):
    """A job error that no retry can fix (a file no reader opens): the job is
    parked at once instead of being tried again."""

    code = "permanent_failure"
