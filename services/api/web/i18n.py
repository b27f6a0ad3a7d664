"""The page's two languages (SPEC §8): Chinese, the default, and English.

Texts are written in English in templates and code (``_("Sign in")``) and
translated from the PO catalogs in ``messages/zh/`` (one per area of the page,
read with Babel at first use — nothing to compile). Dates and numbers are
formatted for the language by Babel's CLDR data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

MESSAGES = Path(__file__).parent / "messages"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
# the CLDR locale of each language: British English, as the glossary spells it
LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}
COOKIE = "dangan_lang"


def N_(message: str) -> str:
    """Marks a text for translation where it is written; translated where shown."""
    return message


@lru_cache
def catalog(language: str) -> dict[str, str | tuple[str, ...]]:
    """Every translated text of ``language``, from all its PO files. English is
    the texts themselves."""
    texts: dict[str, str | tuple[str, ...]] = {}
    folder = MESSAGES / language
    if language == "en" or not folder.is_dir():
        return texts
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=LOCALES[language]):
                if not message.id or not message.string:
                    continue
                key = message.id[0] if isinstance(message.id, tuple | list) else message.id
                if key in texts and texts[key] != message.string:
                    raise ValueError(f"{path.name}: {key!r} is translated twice, differently")
                texts[key] = tuple(message.string) if isinstance(message.string, tuple | list) \
                    else message.string
    return texts


def pick(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT


@dataclass(frozen=True)
class Translator:
    """What a page in one language needs: its texts, dates and numbers."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LOCALES[self.language])

    def gettext(self, message: str) -> str:
        text = catalog(self.language).get(message, message)
        return text if isinstance(text, str) else text[0]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = catalog(self.language).get(singular)
        if isinstance(text, tuple):
            return text[0] if len(text) == 1 else text[self.locale.plural_form(n) == "other"]
        if isinstance(text, str):
            return text
        return singular if n == 1 else plural

    def date(self, value: date | datetime | None, form: str = "medium") -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            return format_datetime(value, form, locale=self.locale)
        return format_date(value, form, locale=self.locale)

    def number(self, value: float | int | None) -> str:
        return "—" if value is None else format_decimal(value, locale=self.locale)

    def percent(self, value: float | None) -> str:
        return "—" if value is None else format_percent(value, "#,##0.#%", locale=self.locale)


def translator(language: str | None) -> Translator:
    return Translator(pick(language))


def texts_in_source() -> dict[str, list[str]]:
    """Every text marked for translation in the page's templates and code
    (``_()``, ``gettext``, ``ngettext``, ``N_``, ``{% trans %}``), with where."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).parent
    found: dict[str, list[str]] = {}
    method_map = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                     "lstrip_blocks": "true"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            root, method_map, options_map=options, keywords={"_": None, "gettext": None, "N_": None,
                                                              "ngettext": (1, 2)}):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def untranslated(language: str) -> dict[str, list[str]]:
    """The texts of the source with no translation in ``language``: the page
    would show them in English (``python -m services.api.web.i18n`` lists them)."""
    texts = catalog(language)
    return {text: where for text, where in texts_in_source().items() if text not in texts}


if __name__ == "__main__":
    for text, where in sorted(untranslated("zh").items(), key=lambda item: item[1][0]):
        print(f"{where[0]}: {text!r}")
