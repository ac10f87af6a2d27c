"""The browser tests' Chromium: Debian's package, driven by Playwright (ARCHITECTURE.md,
"Facts checked"). One place for its path and flags, for launching it, and for the pages the tests
open in it.

The `browser` fixture (the repo-root conftest.py) launches Chromium with `chromium()`; a test then
opens one page per person:

- `phone(browser)`: a fresh phone-sized context (zh-CN, 390×844, 15 s timeouts) and its page;
- `sign_in(browser, live_server, username, password)`: such a page, signed in through /login/;
- `sign_in_as(browser, live_server, user)`: the same for a user whose password the test does not
  know (a fixture's): it sets a known one first.

Every page runs under the site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY). Chromium
reports each thing the policy blocks (an inline script or style, an outside image, a socket to
another host) on the page's console; `chromium()` collects those reports from every context `phone()`
opens and fails the test at the end if there is any (`csp_violations(browser)` reads them).

Playwright may be absent: it is imported only inside `chromium()` (which skips the test then)."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALE = "zh-CN"
VIEWPORT = {"width": 390, "height": 844}  # a phone
TIMEOUT_MS = 15_000
KNOWN_PASSWORD = "browser-pass-123"  # what sign_in_as gives the user
_AWAY_FROM_LOGIN = re.compile(r"^(?!.*/login/).*$")


def require_chromium() -> None:
    """Skip, saying why, where Chromium is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); the browser tests need it")


@contextmanager
def chromium() -> Iterator:
    """A launched Chromium (a Playwright Browser), closed afterwards; skips the test where Chromium
    or Playwright is missing."""
    require_chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser.csp_violations = []
        try:
            yield browser
            for context in browser.contexts:  # delivers the console messages still on their way
                context.close()
            if browser.csp_violations:
                pytest.fail("the Content-Security-Policy blocked:\n" + "\n".join(browser.csp_violations))
        finally:
            browser.close()


def csp_violations(browser) -> list[str]:
    """What the Content-Security-Policy blocked so far in this browser's pages (console reports)."""
    return browser.csp_violations


def phone(browser):
    """A page in a new phone-sized context of its own (its own cookies: one person)."""
    context = browser.new_context(locale=LOCALE, viewport=VIEWPORT)
    context.on("console", lambda message: _watch_csp(browser, message))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # Destructive actions ask first (button[data-confirm], web/static/web/site.js). The person says
    # yes unless the test sets `page.confirm_answer = False`; each question asked is kept in
    # `page.dialogs` for the test to check.
    page.confirm_answer, page.dialogs = True, []
    page.on("dialog", lambda dialog: _answer(page, dialog))
    return page


def _answer(page, dialog) -> None:
    page.dialogs.append(dialog.message)
    dialog.accept() if page.confirm_answer else dialog.dismiss()


def _watch_csp(browser, message) -> None:
    if "Content Security Policy" in message.text:
        url = message.location.get("url", "") if message.location else ""
        browser.csp_violations.append(f"{url}: {message.text}")


def sign_in(browser, live_server, username: str, password: str):
    """A phone page signed in as `username`: fills /login/ and waits to be sent elsewhere."""
    page = phone(browser)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(_AWAY_FROM_LOGIN)
    return page


def sign_in_as(browser, live_server, user, password: str = KNOWN_PASSWORD):
    """`sign_in` for a user object: sets its password to `password` first, then signs in."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return sign_in(browser, live_server, user.username, password)
