"""``storefront screenshots`` writes real PNGs of every theme at both widths."""

from __future__ import annotations

import struct
import subprocess
import sys

from storefront.site.theme_chain import available
from tests.support import REPO


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshots_of_every_theme_at_desktop_and_phone_width(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "storefront", "screenshots", "buhcentr", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    themes = sorted(available(None))
    expected = {
        f"buhcentr-{t}-{p}-{d}.png"
        for t in themes
        for p in ("landing", "tariffs", "registration")
        for d in ("desktop", "phone")
    }
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert png_size(tmp_path / "buhcentr-corporate-tariffs-desktop.png") == (1280, 800)
    assert png_size(tmp_path / "buhcentr-minimal-registration-phone.png") == (375, 812)
    sizes = {(tmp_path / f"buhcentr-{t}-landing-desktop.png").stat().st_size for t in themes}
    assert len(sizes) == len(themes), "each theme looks different"
