"""The web page in a real headless browser: Playwright driving Debian's
Chromium (/usr/bin/chromium, installed by `make test`) against a live server
on the embedded defaults.

Without Chromium the browser suite is skipped, the reason on the summary
line; under CI it fails instead."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from shared.bootstrap import Container
from shared.config import Settings
from services.composition import Archive, build_archive
from tests.conftest import PASSWORD, LiveServer, make_user

CHROMIUM = os.environ.get("DANGAN_TEST_CHROMIUM", "/usr/bin/chromium")
# as the machine's closed network wants: no background connections, no sandbox as root
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"BROWSER suite skipped: no Chromium at {CHROMIUM} (Debian package chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Site:
    """A live server, its archive, and what its pages did wrong: requests to
    other origins (the page must work offline) and console errors (a CSP
    violation is one)."""

    url: str
    archive: Archive
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def core(self) -> Container:
        return self.archive.core

    def user(self, username: str, role: str, clearance: int = 1) -> str:
        return make_user(self.core, username, role=role, clearance=clearance)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    archive = build_archive(Settings(home=tmp_path / "home", _env_file=None,
                                     login_refusal_pause_seconds=0))
    try:
        with LiveServer(archive) as url:
            yield Site(url=url, archive=archive)
    finally:
        archive.close()


def open_page(browser: Any, site: Site, *, viewport: dict[str, int] | None = None,
              language: str | None = None) -> Any:
    """A new browser context and page on ``site``: any request leaving the
    server is refused and recorded, and console errors are recorded."""
    context = browser.new_context(viewport=viewport or DESKTOP, base_url=site.url,
                                  accept_downloads=True)
    if language:
        context.add_cookies([{"name": "dangan_lang", "value": language, "url": site.url}])

    def guard(route: Any) -> None:
        if route.request.url.startswith(site.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            site.outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("console", lambda msg: site.console_errors.append(msg.text) if msg.type == "error" else None)
    return page


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A desktop page (1280×800) in the default language."""
    opened = open_page(browser, site)
    yield opened
    opened.context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD, *, next: str = "/") -> None:
    """Through the login form, as a person would."""
    page.goto(f"/login?next={quote(next, safe='/')}")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    page.wait_for_load_state()


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


# words that are the same in both languages, or names, not texts of the page
NEUTRAL = {"PDF", "JPEG", "PNG", "TIFF", "CSV", "XLSX", "SVG", "OCR", "API", "ID", "English", "SHA",
           "Dangan"}


def english_words(page: Any, *, data: set[str] = frozenset()) -> set[str]:
    """Latin words of three letters or more on the visible page, beyond the
    neutral ones and ``data`` (usernames, codes, titles the test put there):
    on a Chinese page, untranslated text."""
    text = page.inner_text("body")
    allowed = NEUTRAL | set(data)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text))
    return {w for w in words if w not in allowed and not any(w in d for d in allowed)}
