"""``registration-api screenshots`` photographs every page of a partner's cabinet, filled with
invented clients, at a desktop's and a phone's width, without touching the real database."""

from __future__ import annotations

import os
import subprocess
import sys

from registration_api.screenshots import PAGES
from tests.e2e.test_screenshots import png_size
from tests.support import REPO


def test_every_cabinet_page_at_both_widths_on_a_database_of_its_own(tmp_path):
    real_database = tmp_path / "real.sqlite3"
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "screenshots", "oblako-plus", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{real_database}", "VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    expected = {f"cabinet-{label}-{device}.png" for label, _ in PAGES for device in ("desktop", "phone")}
    assert {p.name for p in out.iterdir()} == expected
    assert png_size(out / "cabinet-overview-desktop.png") == (1280, 900)
    assert png_size(out / "cabinet-subscribers-phone.png") == (360, 780)
    sizes = {(out / f"cabinet-{label}-desktop.png").stat().st_size for label, _ in PAGES}
    assert len(sizes) == len(PAGES), "each page looks different"
    assert not real_database.exists(), "the invented clients never reach DATABASE_URL"


def test_an_unknown_site_is_named_in_the_refusal(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "screenshots", "nobody", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 1
    assert "nobody" in result.stderr and "Traceback" not in result.stderr


def test_every_kind_of_e_mail_at_a_phones_and_a_mail_clients_width(tmp_path):
    out = tmp_path / "mail"
    result = subprocess.run(
        [sys.executable, "-m", "registration_api", "screenshots", "oblako-plus", "--mail", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    kinds = (
        "partner-notice",
        "welcome",
        "invitation",
        "reminder",
        "digest",
        "sign-in",
        "news-confirm",
        "newsletter",
        "newsletter-written",
        "letter",
    )
    assert {p.name for p in out.iterdir()} == {f"mail-{k}-{w}.png" for k in kinds for w in (360, 600)}
    for kind in kinds:
        narrow, wide = png_size(out / f"mail-{kind}-360.png"), png_size(out / f"mail-{kind}-600.png")
        assert (narrow[0], wide[0]) == (360, 600), "nothing wider than its window"
        assert narrow[1] > wide[1], "the narrow one wraps into more lines"
