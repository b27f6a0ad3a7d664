"""Text analysis shared by every search engine: CJK bigrams and folded Latin words.

Chinese has no spaces, so a run of CJK characters is indexed as overlapping
bigrams (合同书 -> 合同 同书), the scheme of Lucene's CJKAnalyzer. A two-character
word is then one exact token, and a longer word is a phrase of adjacent bigrams:
characters scattered through a text never match. A lone CJK character between
non-CJK text is indexed as itself. Latin words and numbers are case-folded.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets into the original text, for highlights
    end: int


def tokens(text: str) -> list[Token]:
    """The index terms of ``text``, in order, with their offsets."""
    found: list[Token] = []
    for match in _TOKEN.finditer(text):
        run, start = match.group(0), match.start()
        if match.lastgroup == "word":
            found.append(Token(fold(run), start, match.end()))
        elif len(run) == 1:
            found.append(Token(run, start, start + 1))
        else:
            found.extend(Token(run[i:i + 2], start + i, start + i + 2) for i in range(len(run) - 1))
    return found


def terms(text: str) -> list[str]:
    return [t.text for t in tokens(text)]


def analysed(text: str) -> str:
    """Index terms joined by spaces, for engines given a whitespace tokenizer."""
    return " ".join(terms(text))


def is_cjk(term: str) -> bool:
    return bool(_CJK_CHAR.match(term))


def fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()
