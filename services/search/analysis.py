"""Text analysis shared by every search engine: NFKC, then CJK bigrams and
folded Latin words.

Every text — indexed or queried — is first normalised with NFKC, so that
compatibility forms are found by the ordinary characters and back: Kangxi
radicals (⼀ → 一, ⾦ → 金), CJK compatibility ideographs, full-width Latin and
digits (ＡＢＣ１ → ABC1), enclosed forms (㈱ → (株)). ``normalise`` keeps a map
from the normalised text back to the original, so highlights mark the
original characters even where NFKC changed the length.

Chinese has no spaces, so a run of CJK characters is indexed as overlapping
bigrams (合同书 -> 合同 同书), the scheme of Lucene's CJKAnalyzer. A two-character
word is then one exact token, and a longer word is a phrase of adjacent bigrams:
characters scattered through a text never match. A lone CJK character between
non-CJK text is indexed as itself. Latin words and numbers are case-folded.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs and extensions A, compatibility
    "\u3040-\u30ff\u31f0-\u31ff"  # kana
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0002fa1f"  # extensions B–F
    "\u3007"  # 〇
)
# a word is a run of letters and digits that are not CJK: "第3条" is 第, 3, 条
_CJK_CHAR = re.compile(f"[{_CJK}]")
CJK_CLASS = _CJK
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)", re.UNICODE)
# the only planes holding characters with a decomposition (BMP, SMP, SIP, and tags)
_PLANES = (range(0x0000, 0x30000), range(0xE0000, 0xE1000))


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets into the original text, for highlights
    end: int


class Normalised:
    """The NFKC form of a text, and where each of its characters came from.

    ``pieces`` are the stretches NFKC rewrote to another length (or that it
    composed from several characters), as (start, end) in the normalised text
    and (start, end) in the original; between them the two texts align one to
    one."""

    __slots__ = ("text", "pieces", "_starts")

    def __init__(self, text: str, pieces: list[tuple[int, int, int, int]] | None = None) -> None:
        self.text = text
        self.pieces = pieces or []
        self._starts = [piece[0] for piece in self.pieces]

    def original_start(self, index: int) -> int:
        """Where the normalised character at ``index`` starts in the original."""
        k = bisect_right(self._starts, index) - 1
        if k < 0:
            return index
        _, end, original_start, original_end = self.pieces[k]
        return original_start if index < end else original_end + (index - end)

    def original_end(self, index: int) -> int:
        """Where a normalised stretch ending (exclusively) at ``index`` ends in the original."""
        if index <= 0:
            return 0
        k = bisect_right(self._starts, index - 1) - 1
        if k < 0:
            return index
        _, end, _, original_end = self.pieces[k]
        return original_end if index - 1 < end else original_end + (index - end)


def normalise(text: str) -> Normalised:
    """NFKC of ``text``, with the map back to its original offsets."""
    if unicodedata.is_normalized("NFKC", text):  # most text, at C speed
        return Normalised(text)
    tables = _tables()
    # full-width punctuation, digits and letters, radicals, compatibility
    # ideographs: one character for one, at C speed, and the offsets stay
    text = text.translate(tables.one_for_one)
    if unicodedata.is_normalized("NFKC", text):
        return Normalised(text)
    out: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    cursor = length = 0
    for start, end in _stretches(text, tables):
        out.append(text[cursor:start])
        length += start - cursor
        chunk = unicodedata.normalize("NFKC", text[start:end])
        out.append(chunk)
        if len(chunk) != 1 or end - start != 1:  # one character for one aligns by itself
            pieces.append((length, length + len(chunk), start, end))
        length += len(chunk)
        cursor = end
    out.append(text[cursor:])
    return Normalised("".join(out), pieces)


def _stretches(text: str, tables: _Tables) -> Iterator[tuple[int, int]]:
    """The stretches of ``text`` NFKC may still change: a character it expands
    (㈱ -> (株)), or a character followed by characters that combine with what
    precedes them (accents, Hangul vowels and finals). Between them the text
    is already normal."""
    combining, size = tables.combining, len(text)
    found, cursor = tables.candidates.search(text), 0
    while found:
        at = found.start()
        if text[at] in combining:
            start = at - 1 if at > cursor else at  # the mark composes with what precedes it
        elif text[at] in tables.expanded:
            start = at
        else:  # a character beyond the BMP that NFKC leaves alone
            found = tables.candidates.search(text, at + 1)
            continue
        end = at + 1
        while end < size and text[end] in combining:
            end += 1
        yield start, end
        cursor = end
        found = tables.candidates.search(text, end)


@dataclass(frozen=True)
class _Tables:
    one_for_one: dict[int, str]  # for str.translate
    expanded: frozenset[str]
    combining: frozenset[str]
    candidates: re.Pattern[str]  # either of them in the BMP, or any character beyond it


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """What NFKC rewrites, read once from the Unicode database."""
    one_for_one: dict[int, str] = {}
    expanded, combining = set(), set()
    for cp in (cp for plane in _PLANES for cp in plane if not 0xD800 <= cp < 0xE000):
        char = chr(cp)
        normal = unicodedata.normalize("NFKC", char) if unicodedata.decomposition(char) else char
        if len(normal) == 1 and normal != char:
            one_for_one[cp] = normal
        elif normal != char:
            expanded.add(char)
        if _combines_backwards(char) or (normal and _combines_backwards(normal[0])):
            combining.add(char)
    # one class of BMP ranges and one range beyond: sre then tests a bitmap
    bmp = sorted(ord(c) for c in expanded | combining if ord(c) < 0x10000)
    candidates = re.compile(f"[{_char_class(bmp)}\\U00010000-\\U0010ffff]")
    return _Tables(one_for_one, frozenset(expanded), frozenset(combining), candidates)


def _combines_backwards(char: str) -> bool:
    return bool(unicodedata.combining(char)) or unicodedata.category(char).startswith("M") or (
        "\u1160" <= char <= "\u11ff")  # Hangul medial vowels and finals compose with a syllable


def _char_class(code_points: list[int]) -> str:
    ranges: list[list[int]] = []
    for cp in code_points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Index terms of an already normalised text, with their offsets in it."""
    for match in _TOKEN.finditer(text):
        run, start = match.group(0), match.start()
        if match.lastgroup == "word":
            yield fold(run), start, match.end()
        elif len(run) == 1:
            yield run, start, start + 1
        else:
            yield from ((run[i:i + 2], start + i, start + i + 2) for i in range(len(run) - 1))


def tokens(text: str) -> list[Token]:
    """The index terms of ``text``, in order, with their offsets in the original."""
    norm = normalise(text)
    if not norm.pieces:
        return [Token(term, start, end) for term, start, end in _spans(norm.text)]
    return [Token(term, norm.original_start(start), norm.original_end(end))
            for term, start, end in _spans(norm.text)]


def terms(text: str) -> list[str]:
    return [term for term, _, _ in _spans(normalise(text).text)]


def analysed(text: str) -> str:
    """Index terms joined by spaces, for engines given a whitespace tokenizer."""
    return " ".join(terms(text))


def is_cjk(term: str) -> bool:
    return bool(_CJK_CHAR.match(term))


def fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()
