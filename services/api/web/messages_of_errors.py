"""API error codes as messages in the page's language: the page shows the
text for the error's ``code`` (filled from its ``detail``), or the text for
its HTTP status where a code has none of its own."""
from __future__ import annotations

import string
from typing import Any

from shared.domain.errors import DanganError
from services.api.errors import status_for
from services.api.web.i18n import N_, Translator

# code -> text; {names} are filled from the error's detail
ERRORS: dict[str, str] = {
    "invalid_credentials": N_("Wrong username or password."),
    "too_many_attempts": N_("Too many failed sign-ins. Try again in {retry_after} seconds."),
    "logins_busy": N_("Too many sign-ins at this moment. Try again shortly."),
    "login_required": N_("Please sign in."),
    "csrf_refused": N_("This form has expired or did not come from this page. Reload the page and "
                       "try again."),
    "forbidden": N_("Your role may not do this."),
    "not_found": N_("Not found, or not visible to you."),
    "invalid_input": N_("Some of what was entered cannot be taken. Check the form and try again."),
}

# the text for a status, where an error's code has none of its own
BY_STATUS: dict[int, str] = {
    400: N_("The request cannot be taken."),
    401: N_("Please sign in."),
    403: N_("You may not do this."),
    404: N_("Not found, or not visible to you."),
    409: N_("This conflicts with what is already archived."),
    410: N_("This record has been destroyed."),
    413: N_("The file is too large."),
    415: N_("This kind of file is not archived."),
    422: N_("Some of what was entered cannot be taken. Check the form and try again."),
    429: N_("Too many attempts. Try again shortly."),
    501: N_("This is not supported here."),
    503: N_("A part of the archive is unavailable at the moment. Try again shortly."),
    500: N_("Something went wrong on the server. The error has been logged."),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def message_for(exc: DanganError, tr: Translator) -> str:
    text = ERRORS.get(exc.code) or BY_STATUS.get(status_for(exc)) or BY_STATUS[500]
    detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {}
    values = _Blank({k: _shown(v, tr) for k, v in detail.items()})
    return tr.gettext(text).format_map(values)


def _shown(value: Any, tr: Translator) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return tr.number(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) if tr.language == "zh" else ", ".join(map(str, value))
    return str(value)
