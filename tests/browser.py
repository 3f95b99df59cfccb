"""Debian's chromium, driven by Playwright: the one place browser tests get it from.

One chromium per test process (per xdist worker), launched when the first browser test
needs it; each test opens its own contexts (cookies, storage, pages), closed after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium (no downloaded browser: `playwright install` cannot run here)."""
    # Imported here so that a test run without browser tests does not load Playwright.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The worker's chromium; the contexts the test opened are closed after it."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            context.close()
