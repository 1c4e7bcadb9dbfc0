"""A real headless browser for the page tests: Debian's Chromium, driven from the command line.

``chromium --headless --dump-dom URL`` prints the DOM once the page's scripts
have run (``--virtual-time-budget`` lets their fetches finish first), and
``--screenshot`` writes a PNG. That is all the page tests need, so no extra
Python package (Selenium, Playwright) is involved. Each call gets its own
throw-away profile folder, and every background service of the browser that
could reach the network is switched off: the pages must work offline.

The browser is ``/usr/bin/chromium`` (``scripts/install-browser``, run by
``make test``, installs it), or the executable named by ``SIRA_KG_CHROMIUM``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("SIRA_KG_CHROMIUM", "/usr/bin/chromium")

FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--hide-scrollbars",
    "--mute-audio",
)


class BrowserMissing(RuntimeError):
    """No Chromium to drive; the message says how to install one."""


def chromium() -> str:
    """The browser's path, or :class:`BrowserMissing` with the way to install it."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    raise BrowserMissing(
        f"no browser at {CHROMIUM}: the page tests drive a real headless Chromium. "
        "Install it with `make browser` (or scripts/install-browser, as root: "
        "apt-get update && apt-get install -y chromium), or set SIRA_KG_CHROMIUM"
    )


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="sira-chromium-") as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    if result.returncode != 0:
        raise RuntimeError(
            f"chromium exited with {result.returncode}: {' '.join(command)}\n"
            + result.stderr[-2000:]
        )
    return result


def dump_dom(url: str, *, budget_ms: int = 5000, timeout: float = 90) -> str:
    """The page's DOM as HTML after its scripts (and their fetches) have run."""
    result = _run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url], timeout)
    if "<html" not in result.stdout:
        raise RuntimeError(f"chromium printed no DOM for {url}:\n{result.stderr[-2000:]}")
    return result.stdout


def screenshot(
    url: str,
    path: Path,
    *,
    width: int = 1280,
    height: int = 1600,
    budget_ms: int = 3000,
    timeout: float = 90,
) -> Path:
    """A PNG of the page (``width`` x ``height`` pixels) written to ``path``."""
    _run(
        [
            f"--window-size={width},{height}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={path}",
            url,
        ],
        timeout,
    )
    return path
