"""`xiaodian screenshots`: the main pages of every demo role at a 390-px phone and a 1366-px desktop,
as PNGs under var/screenshots/<width>/ with an index.html that shows them side by side, so anyone
can look at the whole product at once (issue 17).

The folder is var/screenshots (the data folder, `XIAODIAN_DATA_DIR`) unless `--out` says otherwise.

It seeds the demo data if it is not there yet (as `xiaodian demo --no-serve` does), serves the site
with `xiaodian serve` on a free port (or photographs a site already running, `--url`), signs in as
each demo account in Chromium (Playwright, /usr/bin/chromium) and saves each page whole."""

import html
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from xiaodian.core.browser import CHROMIUM, CHROMIUM_ARGS, LOCALE
from xiaodian.web.demo import PASSWORD
from xiaodian.web.tour import Shot, tour

WIDTHS = (390, 1366)
HEIGHTS = {390: 844, 1366: 768}
READY_WITHIN = 30.0  # seconds for the server to answer /api/v1/health


class Command(BaseCommand):
    help = "Screenshots of the main pages of every demo role at 390 px and 1366 px, into var/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None, help="the folder (default var/screenshots)")
        parser.add_argument("--url", default="", help="photograph a site already running there")
        parser.add_argument("--only", default="", help="page names, comma-separated (default all)")
        parser.add_argument(
            "--widths", default=",".join(map(str, WIDTHS)), help="viewport widths in px, comma-separated"
        )

    def handle(self, *args, out, url, only, widths, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as missing:
            raise CommandError("screenshots need Playwright: pip install -e '.[test]'") from missing
        if not Path(CHROMIUM).exists():
            raise CommandError(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
        try:
            sizes = [int(w) for w in widths.split(",") if w.strip()]
        except ValueError as bad:
            raise CommandError(f"--widths takes numbers, e.g. 390,1366: {widths}") from bad
        if not sizes or any(not 240 <= w <= 3840 for w in sizes):
            raise CommandError("each width must be between 240 and 3840 px")
        out = out or Path(settings.DATA_DIR) / "screenshots"
        if not url:
            call_command("demo", no_serve=True, stdout=self.stdout)
        shots = tour()
        wanted = {name.strip() for name in only.split(",") if name.strip()}
        unknown = wanted - {shot.name for shot in shots}
        if unknown:
            raise CommandError(f"unknown pages: {', '.join(sorted(unknown))}")
        shots = [shot for shot in shots if not wanted or shot.name in wanted]
        server = None
        if not url:
            server, url = _serve()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    saved = self._photograph(browser, url.rstrip("/"), shots, sizes, out)
                finally:
                    browser.close()
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
        _index(out, saved, sizes)
        self.stdout.write(f"{len(saved)} screenshots in {out} (open {out / 'index.html'})")

    def _photograph(self, browser, url: str, shots: list[Shot], sizes: list[int], out: Path) -> list[Path]:
        saved = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
        ) as progress:
            task = progress.add_task("screenshots", total=len(shots) * len(sizes))
            for width in sizes:
                (out / str(width)).mkdir(parents=True, exist_ok=True)
                pages: dict[str, object] = {}  # one signed-in page per account
                for shot in shots:
                    page = pages.get(shot.account) or pages.setdefault(
                        shot.account, _page(browser, url, shot.account, width)
                    )
                    page.goto(url + shot.path, wait_until="networkidle")
                    target = out / str(width) / f"{shot.account or 'guest'}-{shot.name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                    progress.advance(task)
                for page in pages.values():
                    page.context.close()
        return saved


def _page(browser, url: str, account: str, width: int):
    context = browser.new_context(locale=LOCALE, viewport={"width": width, "height": HEIGHTS.get(width, 900)})
    page = context.new_page()
    page.set_default_timeout(15_000)
    if account:
        page.goto(f"{url}/login/")
        page.fill("#id_username", account)
        page.fill("#id_password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(lambda moved: "/login/" not in moved)
    return page


def _serve() -> tuple[subprocess.Popen, str]:
    """`xiaodian serve` on a free port, once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "xiaodian", "serve", "--port", str(port)], stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2):
                return server, url
        except OSError:
            if server.poll() is not None:
                raise CommandError("xiaodian serve stopped before answering") from None
            time.sleep(0.2)
    server.terminate()
    raise CommandError(f"xiaodian serve did not answer within {READY_WITHIN:.0f} s")


def _index(out: Path, saved: list[Path], sizes: list[int]) -> None:
    """index.html: each page's shots side by side, one row per page."""
    names = list(dict.fromkeys(path.name for path in saved))  # each page once, in tour order
    rows = []
    for name in names:
        cells = "".join(
            f'<td><img src="{width}/{html.escape(name)}" width="{min(width, 683)}" '
            f'alt="{html.escape(name)} {width}px"></td>'
            for width in sizes
            if (out / str(width) / name).exists()
        )
        rows.append(f"<tr><th>{html.escape(name.removesuffix('.png'))}</th>{cells}</tr>")
    head = "".join(f"<th>{width} px</th>" for width in sizes)
    (out / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>xiaodian screenshots</title>'
        "<style>td,th{vertical-align:top;padding:8px;font:14px sans-serif}img{border:1px solid #ccc}</style>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>\n",
        encoding="utf-8",
    )
