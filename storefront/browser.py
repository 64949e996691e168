"""The browser that photographs pages (``storefront screenshots``, ``registration-api
screenshots``) and runs the browser tests: Debian's Chromium, since Playwright cannot download its
own on these machines, started headless with nothing that reaches the network by itself."""

from __future__ import annotations

import os
import shutil

#: Chromium's switches: no sandbox (it may run as root in a container), no GPU, and none of the
#: background traffic (updates, sync, first-run pages, QUIC) a photograph or a test never needs.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright cannot download its own here); CHROMIUM_PATH overrides."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
