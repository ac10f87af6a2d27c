"""Headers and cookies (issue 14, point 3): a Content-Security-Policy the pages satisfy, and HTTPS
settings that make `check --deploy` clean when the operator says the site is served over HTTPS."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xiaodian.core.browser import csp_violations, phone

PACKAGE = Path(__file__).resolve().parent.parent


def test_every_page_and_api_answer_carries_the_policy(client, db):
    for path in ("/", "/login/", "/api/v1/health"):
        policy = client.get(path).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert "unsafe" not in policy, path


# What the policy blocks, found in a template before any browser meets it: an inline <script> (a
# JSON data block is not run, so it may stay), a <style> block, a style="" or on…="" attribute.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


# Documents written to a file, never served (so no policy applies): `xiaodian simulate`'s report
# carries the site's stylesheet inside it to open anywhere.
STANDALONE = {"distribution/templates/distribution/simulation_report.html"}


def test_no_template_holds_what_the_policy_would_block():
    found = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        if str(template.relative_to(PACKAGE)) in STANDALONE:
            continue
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE):
            found += [f"{template.relative_to(PACKAGE)}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert found == []


def test_the_template_scan_sees_each_kind_of_inline_code():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    for bad in ("<style>p{}</style>", '<p style="margin:0">', '<input onclick="x()">'):
        assert INLINE_STYLE.search(bad), bad


def _deploy_check(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "XIAODIAN_HTTPS"}
    environ.update(XIAODIAN_DEBUG="0", XIAODIAN_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "xiaodian", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_when_served_over_https(tmp_path):
    result = _deploy_check(tmp_path, XIAODIAN_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_each_https_setting_without_it(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout, warning


@pytest.mark.browser
def test_the_browser_tests_catch_what_the_policy_blocks(browser, live_server):
    """The policy is on in the browser tests and its reports reach csp_violations(): an inline
    script and an inline style added to a real page are both blocked and reported."""
    page = phone(browser)
    page.goto(f"{live_server.url}/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.append(s); }"
        )
    assert page.evaluate("() => window.ran") is None  # blocked, not run
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    reports = csp_violations(browser)
    assert any("script" in r for r in reports) and any("style" in r for r in reports), reports
    reports.clear()  # seen and expected: not this test's failure


def test_the_standalone_documents_are_never_served():
    """What the scan leaves out must stay a file: no view renders it."""
    for name in STANDALONE:
        template = name.split("/templates/", 1)[1]
        users = [
            path
            for path in PACKAGE.rglob("*.py")
            if "tests" not in path.parts and template in path.read_text(encoding="utf-8")
        ]
        assert [p.name for p in users] == ["report.py"], users
