"""Identifiers of customers (SPEC §2 "Customer files"): the unified social
credit code (统一社会信用代码, GB 32100) of an organisation and the resident ID
number (居民身份证号码, GB 11643, ISO 7064 MOD 11-2) of an individual.

Each check answers with the name of the rule that fails, or None when the
identifier is valid, so that a refusal can say which check failed."""
from __future__ import annotations

from shared.domain.errors import InvalidInput

# GB 32100: 31 characters, without I, O, Z, S, V
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714: the organisation code (组织机构代码), characters 9-17 of a credit code
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_HIDDEN = slice(6, 14)  # what a reader of clearance 3 does not see: the birth date


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a credit code from its first 17 (GB 32100)."""
    total = sum(CREDIT_CODE_CHARACTERS.index(c) * w
                for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def organisation_code_check_character(body8: str) -> str:
    """The 9th character of an organisation code from its first 8 (GB 11714):
    digits count as themselves, letters A-Z as 10-35."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORGANISATION_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_problem(code: str) -> str | None:
    """None for a valid credit code, else which check fails: ``length``,
    ``characters``, ``check character`` (GB 32100) or ``organisation code
    check character`` (GB 11714, characters 9-17)."""
    if len(code) != 18:
        return "length"
    if any(c not in CREDIT_CODE_CHARACTERS for c in code):
        return "characters"
    if credit_code_check_character(code[:17]) != code[17]:
        return "check character"
    if organisation_code_check_character(code[8:16]) != code[16]:
        return "organisation code check character"
    return None


def id_number_check_character(first17: str) -> str:
    """The 18th character of a resident ID number (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def valid_resident_id(number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number (17 digits
    assumed: the search index only hands this digits)."""
    return id_number_check_character(number[:17]) == number[17].upper()


def mask_id_number(number: str) -> str:
    """110101199003071234 -> 110101********1234 (PIPL, clearance 3)."""
    return number[:ID_HIDDEN.start] + "*" * (ID_HIDDEN.stop - ID_HIDDEN.start) + number[ID_HIDDEN.stop:]


def id_number_problem(number: str) -> str | None:
    """None for a valid resident ID number, else which check fails:
    ``length``, ``characters`` or ``check digit`` (ISO 7064 MOD 11-2)."""
    if len(number) != 18:
        return "length"
    if not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789Xx":
        return "characters"
    if not valid_resident_id(number):
        return "check digit"
    return None


def check_credit_code(code: str) -> str:
    """The credit code, or InvalidInput ``invalid_credit_code`` naming the check
    that fails."""
    problem = credit_code_problem(code)
    if problem:
        raise InvalidInput(f"The unified social credit code {code!r} fails its {problem} check "
                           "(GB 32100).", code="invalid_credit_code", detail={"check": problem})
    return code


def check_id_number(number: str) -> str:
    """The resident ID number (a final x written X), or InvalidInput
    ``invalid_id_number`` naming the check that fails."""
    problem = id_number_problem(number)
    if problem:
        raise InvalidInput(f"The resident ID number fails its {problem} check (GB 11643).",
                           code="invalid_id_number", detail={"check": problem})
    return number.upper()
