"""What the generator's hostile-input tests share: the CLI run as a partner runs it, in a child
process with a generous timeout (a regression that hangs fails instead of stalling the suite),
and what ended up published."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120


def storefront(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``storefront <args>`` in a child process, with its own compiled-template cache."""
    env = {**os.environ, "XDG_CACHE_HOME": str((cwd or Path.cwd()) / ".test-cache")}
    return subprocess.run([sys.executable, "-m", "storefront", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def assert_refused(result: subprocess.CompletedProcess, pattern: str, *, unpublished: Path | None = None) -> None:
    """Exit 1 with a message matching ``pattern`` and no traceback; ``unpublished`` (a site's
    output folder) was not written."""
    printed = output(result)
    assert result.returncode == 1, printed
    assert re.search(pattern, printed), printed
    assert "Traceback" not in printed and "RecursionError" not in printed, printed
    assert unpublished is None or not unpublished.exists()


def published(root: Path) -> str:
    """Everything under ``root/public/``, as one text."""
    public = root / "public"
    files = [p for p in public.rglob("*") if p.is_file()] if public.is_dir() else []
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in files)
