"""The page's names for the archive's values (roles, record types, terms,
statuses, …), in English here and translated like every other text. The
words are the glossary's (../GLOSSARY.md)."""
from __future__ import annotations

from services.api.web.i18n import N_, Translator

LABELS: dict[str, dict[str, str]] = {
    "role": {
        "clerk": N_("Clerk"), "staff": N_("Staff"), "archivist": N_("Archivist"),
        "department_manager": N_("Department manager"), "division_leader": N_("Division leader"),
        "general_manager": N_("General manager"), "auditor": N_("Auditor"),
        "admin": N_("Administrator"),
    },
    "type": {
        "contract": N_("Contract"), "business_licence": N_("Business licence"),
        "id_copy": N_("ID copy"), "credit_report": N_("Credit report"),
        "correspondence": N_("Correspondence"), "other": N_("Other"),
    },
    "term": {"permanent": N_("Permanent"), "long": N_("Long"), "short": N_("Short")},
    "status": {"archived": N_("Archived"), "due": N_("Due for appraisal"),
               "destroyed": N_("Destroyed")},
    "extraction": {"pending": N_("Text being extracted"), "done": N_("Searchable"),
                   "failed": N_("Extraction failed")},
    "secrecy": {"1": N_("Level 1 (most sensitive)"), "2": N_("Level 2"), "3": N_("Level 3 (ordinary)")},
    "kind": {"company": N_("Company"), "individual": N_("Individual"),
             "government": N_("Government body"), "partner": N_("Partner")},
    "grade": {"A": N_("A (important)"), "B": N_("B (ordinary)"), "C": N_("C (occasional)")},
    "customer_status": {"active": N_("Active"), "closed": N_("Closed")},
    "classification": {"core": N_("Core customer"), "ordinary": N_("Ordinary customer")},
    # a record's description, as its corrections name what changed
    "document_field": {
        "title": N_("Title"), "document_date": N_("Document date"), "type": N_("Record type"),
        "tags": N_("Tags"), "location": N_("Location (box/shelf)"),
        "custom_fields": N_("Other fields"), "secrecy": N_("Secrecy level"),
        "valid_until": N_("Valid until"), "archive_number": N_("Archive number"),
        "retain_until": N_("Retain until"),
    },
    # a customer's profile, as its history names what changed
    "profile_field": {
        "name": N_("Customer name"), "kind": N_("Customer kind"), "grade": N_("Customer grade"),
        "classification": N_("Classification"), "credit_code": N_("Unified social credit code"),
        "id_number": N_("Resident ID number"), "industry": N_("Industry"), "address": N_("Address"),
        "department": N_("Department"), "credit_limit": N_("Credit limit"),
        "credit_valid_from": N_("Credit valid from"), "credit_valid_until": N_("Credit valid until"),
        "contacts": N_("Contacts"), "custom_fields": N_("Other fields"), "status": N_("Status"),
        "closed_at": N_("Closed on"),
    },
    "handover_status": {"open": N_("Not yet submitted"), "submitted": N_("Waiting to be received"),
                        "accepted": N_("Handover complete"), "returned": N_("Returned")},
    "trigger": {"document_date": N_("from the document date"), "ingested": N_("from archiving"),
                "customer_closed": N_("from the customer's closure")},
}


def label(tr: Translator, group: str, value: object) -> str:
    """The name of ``value`` in ``group`` in the page's language; an unknown
    value (one configured beyond the defaults) is shown as it is."""
    text = LABELS.get(group, {}).get(str(value))
    return tr.gettext(text) if text else str(value)


def options(tr: Translator, group: str) -> list[tuple[str, str]]:
    """(value, name) pairs for a select."""
    return [(value, tr.gettext(text)) for value, text in LABELS[group].items()]
