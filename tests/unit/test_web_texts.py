"""The page's texts: every one translated, every API error code with a
message of its own, and templates that the Content-Security-Policy lets run."""
from __future__ import annotations

import re
from pathlib import Path

from services.api.web import i18n
from services.api.web.messages_of_errors import ERRORS, fields_of

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "services/api/web"


def test_every_text_of_the_page_has_its_chinese() -> None:
    assert i18n.untranslated("zh") == {}


def test_a_translation_keeps_the_names_it_fills_in() -> None:
    for english, chinese in i18n.catalog("zh").items():
        for one in (chinese,) if isinstance(chinese, str) else chinese:
            assert fields_of(one) == fields_of(english), (english, one)


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in [*ROOT.joinpath("shared").rglob("*.py"), *ROOT.joinpath("services").rglob("*.py")]:
        if WEB in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'\bcode="([a-z_]+)"', text))
        codes |= set(re.findall(r'^    code = "([a-z_]+)"', text, flags=re.M))
        if 'code=f"invalid_{field}"' in text:  # a customer's kind, grade or classification
            codes |= {"invalid_kind", "invalid_grade", "invalid_classification"}
    return codes


def test_every_error_code_has_a_message_of_its_own() -> None:
    missing = sorted(_codes_in_source() - ERRORS.keys())
    assert missing == []


def test_no_template_has_inline_script_style_or_handlers() -> None:
    for path in WEB.joinpath("templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{path.name}: inline <script>"
        assert not re.search(r"<style\b", text), f"{path.name}: <style> block"
        assert not re.search(r"\sstyle=", text), f"{path.name}: style attribute"
        assert not re.search(r"\son[a-z]+=", text), f"{path.name}: event handler attribute"
        assert "|safe" not in text.replace(" ", ""), f"{path.name}: unescaped output"


def test_dates_and_numbers_follow_the_language() -> None:
    from datetime import date

    zh, en = i18n.translator("zh"), i18n.translator("en")
    assert zh.date(date(2026, 12, 2)) == "2026年12月2日"
    assert en.date(date(2026, 12, 2)) == "2 Dec 2026"
    assert en.number(1234567) == "1,234,567"
    assert i18n.translator("fr").language == "zh"  # an unknown language falls back to Chinese


def test_a_detail_that_looks_like_a_date_but_is_none_is_shown_as_given() -> None:
    from shared.domain.errors import InvalidInput
    from services.api.web.messages_of_errors import message_for

    zh = i18n.translator("zh")
    assert "2027年12月1日" in message_for(
        InvalidInput("x", code="invalid_until", detail={"latest": "2027-12-01"}), zh)
    assert "2024-13-01" in message_for(
        InvalidInput("x", code="invalid_until", detail={"latest": "2024-13-01"}), zh)
