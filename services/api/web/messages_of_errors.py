"""API error codes as messages in the page's language: the page shows the
text for the error's ``code`` (filled from its ``detail``), or the text for
its HTTP status where a code has none of its own."""
from __future__ import annotations

import re
import string
from datetime import date
from typing import Any

from shared.domain.errors import DanganError
from services.api.errors import status_for
from services.api.web.i18n import N_, Translator

# code -> text; {names} are filled from the error's detail
# code -> text; {names} are filled from the error's detail. Where a code comes
# with details or without, a tuple: the first text whose names the detail has
ERRORS: dict[str, str | tuple[str, ...]] = {
    "access_request_not_found": N_("This access request does not exist."),
    "already_exists": N_("This already exists."),
    "already_listed": N_("This record is already on another destruction list."),
    # handover (移交/交接)
    "already_handed_over": N_("This record is already on another handover."),
    "empty_handover": N_("A handover needs at least one record."),
    "handover_description_required": N_("A handover needs a description."),
    "handover_description_too_long": N_("A handover's description is at most 2000 characters."),
    "handover_needs_archivist": N_("Only an archivist accepts or returns a handover."),
    "handover_not_found": N_("This handover does not exist."),
    "handover_not_open": N_("This handover has been submitted and can no longer be changed."),
    "handover_not_submitted": N_("This handover is not waiting to be received."),
    "invalid_handover_status": N_("Unknown handover status."),
    "not_your_handover": N_("Only the person who hands a batch over adds to it or submits it."),
    "not_your_upload": N_("Only records you uploaded can be on your handover."),
    "receiver_is_sender": N_("The person who handed a batch over may not receive it."),
    "return_reason_required": N_("Returning a handover needs a reason."),
    # customer profiles (动态管理)
    "customer_identifier_exists": N_("Customer {customer} already has this identifier: one "
                                     "customer, one file."),
    "id_number_not_individual": N_("A resident ID number belongs to an individual customer; an "
                                   "organisation has a unified social credit code."),
    "invalid_classification": N_("Classification is core or ordinary."),
    "invalid_contact": N_("A contact needs a name, and a phone number or e-mail address written "
                          "as one."),
    "invalid_credit_limit": N_("The credit limit is an amount of yuan, 0 or more, with at most two "
                               "decimals."),
    "invalid_credit_validity": N_("The credit limit's validity ends before it starts."),
    "invalid_custom_fields": N_("Line {line} of the other fields is not “name: value”."),
    "unknown_field": N_("This is not a field that can be changed here."),
    # corrections (著录修改)
    "already_confirmed": N_("This record's description is already confirmed."),
    "confirm_needs_archivist": N_("Only an archivist confirms a record's description."),
    "correction_shortens_held": N_("This record is under a legal hold: a correction may not shorten "
                                   "its retention."),
    "correction_shortens_listed": N_("This record is on an open destruction list: a correction may "
                                     "not shorten its retention."),
    "correction_changes_listed_secrecy": N_("This record is on an open destruction list: its "
                                            "secrecy level, which decides who approves the list, "
                                            "cannot change now."),
    "document_confirmed": N_("An archivist has confirmed this record's description: ask an "
                             "archivist to correct it."),
    "no_change": N_("Nothing changes: these are the values already recorded."),
    "not_your_document": N_("A clerk corrects only the records they uploaded."),
    "anchor_hidden": N_("The audit trail's anchor in the object store is hidden by a delete marker."),
    "anchor_unreadable": N_("The audit trail's anchor cannot be read."),
    "approver_is_author": N_("The author or appraiser of a destruction list may not approve it."),
    "approver_is_requester": N_("Nobody decides their own access request."),
    "archive_refused": N_("This is a compressed archive: upload the scans inside it one by one."),
    "as_of_in_future": N_("A sweep cannot run as of a date after today."),
    "backup_damaged": N_("The backup is damaged: a file is missing or does not match its checksum."),
    "backup_format": N_("This backup was made in a format this version cannot read."),
    "concurrent_change": N_("Another upload changed this record at the same time. Try again."),
    "conflict": N_("This conflicts with the record's current state."),
    "corrupt_image": N_("The image is damaged and cannot be read."),
    "corrupt_pdf": N_("The PDF is damaged and no reader can open it."),
    "csrf_refused": N_("This form has expired or did not come from this page. Reload the page and try "
                        "again."),
    "customer_closed": N_("This customer is already closed."),
    "customer_exists": N_("A customer with this code already exists."),
    "customer_not_closed": N_("This customer is not closed."),
    "customer_not_found": N_("No such customer."),
    "database_unavailable": N_("The metadata database is unavailable at the moment. Try again shortly."),
    "decided": N_("This access request has already been decided."),
    "deployment_not_empty": N_("A restore needs an empty archive."),
    "destroyed": N_("This record has been destroyed."),
    "destruction_item_not_found": N_("This item is not on the destruction list."),
    "destruction_list_not_found": N_("This destruction list does not exist."),
    "direct_download_unavailable": N_("This archive's storage gives no direct download links; download "
                                       "through the archive instead."),
    "document_destroyed": N_("This record has been destroyed."),
    "document_held": N_("A chosen record is under a legal hold: it cannot be destroyed while the "
                        "hold applies."),
    "document_not_due": N_("A chosen record is not due for destruction."),
    "document_not_found": N_("Not found, or not visible to you."),
    "duplicate": N_("The same file is already archived for this customer."),
    "empty_file": N_("The file is empty."),
    "empty_list": N_("A destruction list needs at least one record."),
    "encrypted_pdf": N_("The PDF is protected by a password; upload it without the password."),
    "error": N_("Something went wrong. The error has been logged."),
    "executable_refused": N_("This is a program, not a document: it is not archived."),
    "execution_in_progress": N_("This destruction list is being executed right now."),
    "extension_mismatch": N_("The file's name says one type but its content is another."),
    "field_too_long": N_("A field is too long."),
    "fields_too_long": N_("The form's fields are too long altogether."),
    "file_too_large": N_("The file is over the size limit."),
    "folder_not_empty": N_("The folder is not empty; back up into a new folder."),
    "forbidden": N_("Your role may not do this."),
    "hold_not_found": N_("This legal hold does not exist."),
    "hold_released": N_("This legal hold has already been released."),
    "image_bomb": N_("The image declares more pixels than an image may have."),
    "incomplete_upload": N_("The upload ended before the file did. Try again."),
    "insufficient_authority": N_("Approving this needs a role with a higher authority."),
    "insufficient_clearance": N_("This reaches records beyond your clearance; someone with the clearance "
                                  "for them must do it."),
    "invalid_checklist": N_("The completeness checklist is not valid."),
    "invalid_clearance": N_("Clearance is 1, 2 or 3."),
    "invalid_closed_at": N_("The closing date cannot be in the future."),
    "invalid_credentials": N_("Wrong username or password."),
    "invalid_credit_code": N_("The unified social credit code is not valid: 18 characters whose check "
                               "characters hold (GB 32100)."),
    "invalid_customer_code": N_("A customer code is 1 to 64 characters, without spaces or slashes."),
    "invalid_customer_name": N_("A customer needs a name."),
    "invalid_decision": N_("An appraisal decision is destroy or extend."),
    "invalid_document_date": N_("The document date is not a valid date."),
    "invalid_extension": N_("This extension of retention is not allowed by the term's range."),
    "invalid_filename": N_("The file name is too long."),
    "invalid_grade": N_("Grade is A, B or C."),
    "invalid_hold_scope": N_("A legal hold covers either chosen records or one customer."),
    "invalid_id_number": N_("The resident ID number is not valid: 18 characters whose check digit "
                             "holds (GB 11643)."),
    "invalid_input": N_("Some of what was entered cannot be taken. Check the form and try again."),
    "invalid_kind": N_("Unknown kind of customer."),
    "invalid_manifest": N_("The manifest cannot be read."),
    "invalid_object_key": N_("The stored object's key is not valid."),
    "invalid_request": N_("The request is not in a form the archive takes."),
    "invalid_schedule": N_("The retention schedule is not valid."),
    "invalid_scope": N_("Request either chosen records or one customer's file."),
    "invalid_secrecy": N_("Secrecy level is 1, 2 or 3."),
    "invalid_status": N_("Unknown status."),
    "invalid_term": N_("Unknown retention term."),
    "invalid_title": N_("The title is missing or too long."),
    "invalid_until": (N_("The end date is later than a grant may run: {latest} at the latest."),
                      N_("The end date has passed.")),
    "invalid_valid_until": N_("The valid-until date is not a valid date (YYYY-MM-DD)."),
    "invalid_username": N_("A username is 1 to 64 characters without spaces."),
    "invalid_window": N_("The expiry window is 30, 60 or 90 days."),
    "invalid_years": N_("The number of years is outside the term's range."),
    "list_not_approved": N_("This destruction list has not been approved."),
    "list_not_draft": N_("Only a draft destruction list can be changed."),
    "login_required": N_("Please sign in."),
    "logins_busy": N_("Too many sign-ins at this moment. Try again shortly."),
    "malformed_multipart": N_("The upload is malformed."),
    "missing_file": N_("Choose a file to upload."),
    "not_a_backup": N_("This folder holds no backup."),
    "not_appraised": N_("Every item needs an appraisal first."),
    "not_authenticated": N_("Please sign in."),
    "not_found": N_("Not found, or not visible to you."),
    "not_on_list": N_("This record is not on the destruction list."),
    "object_locked": N_("The stored file is under Object Lock and cannot be deleted yet."),
    "ocr_failed": N_("Text recognition failed."),
    "ocr_stopped": N_("Text recognition stopped because the worker is stopping."),
    "ocr_unavailable": N_("The text recognition engine is not installed."),
    "only_exclusions": N_("A query needs at least one word that is not excluded."),
    "own_account": N_("You cannot do this to your own account."),
    "passwords_differ": N_("The two passwords differ. Enter the same password twice."),
    "permanent_failure": N_("This cannot succeed however often it is tried."),
    "preview_not_ready": N_("No preview yet: text extraction has not finished."),
    "purpose_required": N_("An access request states its purpose."),
    "query_too_long": N_("The query has too many words or phrases."),
    "reason_required": N_("Give a reason."),
    "refused": N_("The file is refused."),
    "reindex_needed": N_("The search index must be rebuilt (dangan reindex) before searching."),
    "request_too_large": N_("The upload is over the size limit."),
    "search_unavailable": N_("Search is unavailable at the moment. Try again shortly."),
    "secrecy_above_clearance": N_("A record cannot be given a secrecy level above your own clearance."),
    "storage_unavailable": N_("The object store is unavailable at the moment. Try again shortly."),
    "supervisor_conflict": N_("The supervisor must be neither the executor nor the approver."),
    "too_costly_to_read": N_("The file takes more time or memory to read than a file may."),
    "too_many_attempts": N_("Too many failed sign-ins. Try again in {retry_after} seconds."),
    "too_many_fields": N_("The form has too many fields."),
    "too_many_pages": N_("The file has too many pages ({max_pages} at most); split it."),
    "unknown_document_type": N_("Unknown record type."),
    "unknown_ocr_engine": N_("Unknown text recognition engine."),
    "unknown_role": N_("Unknown role."),
    "unknown_supervisor": N_("The supervisor is not a user of the archive."),
    "unreadable_file": N_("The stored file cannot be read."),
    "unsupported": N_("This is not supported here."),
    "unsupported_type": N_("Only PDF, JPEG, PNG and TIFF files are archived."),
    "user_exists": N_("A user with this name already exists."),
    "user_not_found": N_("No such user."),
    "user_removed": N_("This user has been removed."),
    "valid_until_before_document_date": N_("A record cannot stop being valid before its date."),
    "version_not_found": N_("This version does not exist."),
    "weak_password": N_("A password has at least 8 characters."),
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


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def message_for(exc: DanganError, tr: Translator) -> str:
    detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {}
    found = ERRORS.get(exc.code) or BY_STATUS.get(status_for(exc)) or BY_STATUS[500]
    texts = (found,) if isinstance(found, str) else found
    text = next((t for t in texts if fields_of(t) <= detail.keys()), texts[-1])
    values = _Blank({k: _shown(v, tr) for k, v in detail.items()})
    return tr.gettext(text).format_map(values)


def _shown(value: Any, tr: Translator) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return tr.number(value)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return tr.date(date.fromisoformat(value))
        except ValueError:  # looks like a date, is none (2024-13-01): shown as given
            return value
    if isinstance(value, list | tuple):
        return "、".join(map(str, value)) if tr.language == "zh" else ", ".join(map(str, value))
    return str(value)
