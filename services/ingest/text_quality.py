"""How far a PDF's text layer can be trusted (SPEC §5 "real files").

A text layer is only as good as the fonts' maps to Unicode: legacy CJK CMaps
(GBK-EUC-H, EUC-JP, Shift-JIS), broken ToUnicode tables and Type 3 fonts come
out as mojibake, private-use characters or shifted letters, whose words are
never found. ``quality`` scores a text from 0 (garbage) to 1 (plausible) from
what can be seen without a dictionary:

- the share of characters in the scripts an archive of Chinese, Japanese,
  Korean and English records holds;
- private-use, control, unassigned and replacement characters (heavy penalty);
- a dense run of Latin-1 accented letters (``ºÏÍ¬`` — GBK or UTF-8 bytes read
  as Latin-1);
- Chinese text made mostly of rare characters (a wrong CMap maps codes to
  random ideographs; the 500 commonest characters cover about three quarters
  of real Chinese text);
- Latin text without plausible words: no spaces between them, or no vowels
  (letters shifted by a wrong encoding).
"""
from __future__ import annotations

import re
import unicodedata

MIN_CHARS = 10  # non-blank characters below which a page is taken as having no text layer
TRUSTED = 0.6  # the score at or above which a text layer is kept rather than OCRed

# the commonest Chinese characters (frequency order, modern usage) and those of contracts
COMMON_HAN = frozenset(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对"
    "可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同"
    "三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定"
    "女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化"
    "由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应"
    "路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许"
    "八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带"
    "花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻"
    "程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形"
    "委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切"
    "甲乙丙方约款租赁协签订限违责付额币贷担押抵证照营执注册号码址址户账银行息费率按应须并及其"
    "月日年第条项乙甲丁购销售货价税票据盖章印签字效终止履约续期届满通知书面送达争议仲裁诉讼法院")

_LATIN_WORD = re.compile(r"[A-Za-z]+")
_VOWELS = set("aeiouyAEIOUY")


def _weight(char: str) -> float:
    """1 for a character of an expected script, 0.5 for a plausible symbol, 0 otherwise."""
    cp = ord(char)
    if (0x21 <= cp <= 0x7E or 0xC0 <= cp <= 0x17F or 0x2000 <= cp <= 0x206F
            or 0x3000 <= cp <= 0x30FF or 0x3130 <= cp <= 0x318F or 0x3400 <= cp <= 0x4DBF
            or 0x4E00 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0xFF00 <= cp <= 0xFFEF
            or 0x2F00 <= cp <= 0x2FDF or 0xF900 <= cp <= 0xFAFF or 0x3200 <= cp <= 0x33FF):
        return 1.0
    if 0xA0 <= cp <= 0xBF or 0x2100 <= cp <= 0x23FF or 0x2460 <= cp <= 0x27BF or 0x370 <= cp <= 0x4FF:
        return 0.5
    return 0.0


def _is_garbage(char: str) -> bool:
    return char == "\ufffd" or unicodedata.category(char) in ("Co", "Cn", "Cs", "Cc", "Cf")


def quality(text: str, *, min_chars: int = MIN_CHARS) -> float:
    chars = [c for c in text if not c.isspace()]
    if len(chars) < max(1, min_chars):
        return 0.0
    n = len(chars)
    garbage = sum(_is_garbage(c) for c in chars)
    score = sum(_weight(c) for c in chars) / n - 3 * garbage / n
    accented = sum(0xC0 <= ord(c) <= 0xFF or 0x2C6 <= ord(c) <= 0x2DC for c in chars) / n
    if accented > 0.15:
        score -= accented
    score -= _rare_han_penalty(chars)
    score -= _implausible_latin_penalty(text)
    return max(0.0, min(1.0, score))


def _rare_han_penalty(chars: list[str]) -> float:
    han = [c for c in chars if 0x4E00 <= ord(c) <= 0x9FFF or 0x3400 <= ord(c) <= 0x4DBF]
    if len(han) < 20 or len(han) < len(chars) / 3:
        return 0.0
    common = sum(c in COMMON_HAN for c in han) / len(han)
    # real text: about 0.5-0.8 of its characters are among these; random ideographs: under 0.05
    return max(0.0, (0.25 - common) * 3)


def _implausible_latin_penalty(text: str) -> float:
    words = _LATIN_WORD.findall(text)
    letters = sum(len(w) for w in words)
    if letters < 40:
        return 0.0
    penalty = 0.0
    run_on = sum(len(w) for w in words if len(w) > 25) / letters
    penalty += run_on  # words glued together: no spaces came out of the layer
    vowels = sum(c in _VOWELS for w in words for c in w) / letters
    if not 0.2 <= vowels <= 0.65:
        penalty += 0.5  # shifted letters: far from any European language's vowel share
    return penalty


def better(candidates: list[str], *, min_chars: int = MIN_CHARS) -> tuple[str, float]:
    """The best-scoring text of the candidates (the first on a tie) and its score."""
    best, best_score = "", -1.0
    for text in candidates:
        score = quality(text, min_chars=min_chars)
        if score > best_score + 0.02:
            best, best_score = text, score
    return best, max(best_score, 0.0)
