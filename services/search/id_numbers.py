"""Resident ID numbers (居民身份证号码) as people write them, and their masked
form for readers of clearance 3 (SPEC §4, PIPL): the one masking that
snippets, the masked copy in the index and the query of such a reader share.

A number is looked for in the NFKC form of the text (services.search.analysis),
so every character the index reads as a digit counts as one — full-width,
mathematical, superscript — and the masking lands on the original characters:
the text keeps its length, so offsets found in it still fit."""
from __future__ import annotations

import re

from shared.domain.identifiers import ID_HIDDEN, valid_resident_id
from services.search.analysis import Normalised, normalise

# once NFKC has folded full-width digits, spaces and hyphens: 18 characters in
# one run or split by spaces, hyphens or a line break, the check character X or x
_GAP = "[ \t\r\n\u00a0\u3000\\-\u2010\u2011\u2013\u2014\uff0d]{0,2}"
_RESIDENT_ID = re.compile(rf"(?<![0-9])[0-9](?:{_GAP}[0-9]){{16}}{_GAP}[0-9Xx](?![0-9])")
_CHARACTER = re.compile("[0-9Xx]")
HIDDEN = ID_HIDDEN  # the birth date: 8 of the 18 characters

__all__ = ["HIDDEN", "mask_resident_ids", "masked_nfkc", "masked_with_form", "valid_resident_id"]


def mask_resident_ids(text: str, *, checked: bool = True) -> str:
    """110101199003071234 -> 110101********1234 in any written form, only where
    the check digit holds — or, with ``checked=False``, wherever 18 characters
    are written like an ID number: a number typed into a query is masked
    whatever its digits, since whether its check digit holds depends on the
    very digits that are hidden."""
    return _masked(text, checked)[0]


def masked_with_form(text: str) -> tuple[str, Normalised]:
    """``text`` with its ID numbers masked, and the NFKC form of that with its
    map back to the original — one normalisation for both, as highlights need."""
    masked, plain, masked_normal = _masked(text, True)
    return masked, Normalised(masked_normal, plain.pieces)


def masked_nfkc(text: str) -> tuple[str, str]:
    """The NFKC form of ``text``, as the index reads it, and the same with every
    resident ID number masked: one normalisation for both."""
    _, plain, masked_normal = _masked(text, True)
    return plain.text, masked_normal


def _masked(text: str, checked: bool) -> tuple[str, Normalised, str]:
    """The original masked, its NFKC form, and that form masked."""
    plain = normalise(text)
    hidden = [i for where in _numbers(plain.text, checked) for i in where]
    if not hidden:
        return text, plain, plain.text
    original, normal = list(text), list(plain.text)
    for i in hidden:
        normal[i] = "*"
        for k in range(plain.original_start(i), plain.original_end(i + 1)):
            original[k] = "*"
    return "".join(original), plain, "".join(normal)


def _numbers(text: str, checked: bool) -> list[list[int]]:
    """For each ID number in ``text``, where its hidden characters are. A run
    that fails the check digit is retried one character on, so that a digit
    written just before a number does not hide the number behind it."""
    found: list[list[int]] = []
    match = _RESIDENT_ID.search(text)
    while match:
        where = [m.start() + match.start() for m in _CHARACTER.finditer(match[0])]
        number = "".join(text[i] for i in where)
        if checked and not valid_resident_id(number):
            match = _RESIDENT_ID.search(text, match.start() + 1)
            continue
        found.append(where[HIDDEN])
        match = _RESIDENT_ID.search(text, match.end())
    return found
