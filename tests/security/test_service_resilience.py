"""One partner's hostile folder never stops the registration service: it starts and keeps
serving every valid partner, a broken edit keeps the last good version, /healthz names the
failed sites, and loading a hostile folder stays within bounded memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from storefront.starter import Starter
from tests.support import EXAMPLE_SITES, scaffold_text, valid_form, wait_until

BOMB = 'l0: &l0 ["ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха"]\n' + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


def _alias_bomb(folder: Path) -> str:
    (folder / "site.yaml").write_text(scaffold_text() + BOMB, encoding="utf-8")
    return r"site\.yaml:\d+:\d+: the document has more than 100,000 values"


def _self_reference(folder: Path) -> str:
    (folder / "site.yaml").write_text(scaffold_text() + "loop: &a [*a]\n", encoding="utf-8")
    return r"site\.yaml:\d+:\d+: the alias \*a is inside the value &a"


def _fifo_site_yaml(folder: Path) -> str:
    os.mkfifo(folder / "site.yaml")
    return r"site\.yaml:1:1: this is not a regular file"


def _fifo_news(folder: Path) -> str:
    Starter("demo").write(folder)
    os.mkfifo(folder / "news" / "2026-01-01-wait.md")
    return r"news/2026-01-01-wait\.md:1:1: this is not a regular file"


def _link_to_passwd(folder: Path) -> str:
    (folder / "site.yaml").symlink_to("/etc/passwd")
    return r"site\.yaml:1:1: this file points outside the site folder"


def _deep(folder: Path) -> str:
    (folder / "site.yaml").write_text("partner: " + "[" * 100_000, encoding="utf-8")
    return r"site\.yaml:1:\d+: [^\n]*nested"


HOSTILE = {
    "evil-bomb": _alias_bomb,
    "evil-loop": _self_reference,
    "evil-fifo": _fifo_site_yaml,
    "evil-news": _fifo_news,
    "evil-link": _link_to_passwd,
    "evil-deep": _deep,
}


def plant(sites_dir: Path, names=HOSTILE) -> dict[str, str]:
    """Hostile site folders beside the good ones; the message pattern expected for each."""
    expected = {}
    for name in names:
        folder = sites_dir / name
        folder.mkdir()
        expected[name] = HOSTILE[name](folder)
    return expected


def register(api, site: str) -> int:
    with api.client() as client:
        return client.post(f"/r/{site}/trial", data=valid_form(email=f"lead@{site}.example")).status_code


def health(api) -> dict:
    with api.client() as client:
        answer = client.get("/healthz")
    assert answer.status_code == 200
    return answer.json()


def assert_failed(state: dict, expected: dict[str, str]) -> None:
    """Failed sites are listed with how many problems they have; what and where is for the operator's log."""
    assert sorted(state["failed"]) == sorted(expected)
    assert all(isinstance(count, int) and count >= 1 for count in state["failed"].values()), state["failed"]
    assert "sites/" not in json.dumps(state)


def test_the_service_starts_and_serves_every_valid_partner_beside_hostile_folders(make_api, smtp, sites_dir):
    expected = plant(sites_dir)
    api = make_api(smtp.url)
    assert register(api, "oblako-plus") == 303
    assert register(api, "buhcentr") == 303
    for name in HOSTILE:
        assert register(api, name) == 404
    state = health(api)
    assert state["status"] == "ok" and state["sites"] == ["buhcentr", "oblako-plus"]
    assert_failed(state, expected)


def test_a_hostile_edit_while_serving_keeps_the_last_good_version(make_api, smtp, sites_dir):
    api = make_api(smtp.url)
    served = sites_dir / "oblako-plus" / "site.yaml"
    good = served.read_text(encoding="utf-8")
    served.write_text(good + BOMB, encoding="utf-8")
    (sites_dir / "buhcentr" / "news" / "2026-12-31-fifo.md").unlink(missing_ok=True)
    os.mkfifo(sites_dir / "buhcentr" / "news" / "2026-12-31-fifo.md")
    expected = plant(sites_dir, ["evil-loop", "evil-link"])
    expected |= {
        "oblako-plus": r"site\.yaml:\d+:\d+: the document has more than 100,000 values",
        "buhcentr": r"news/2026-12-31-fifo\.md:1:1: this is not a regular file",
    }
    wait_until(lambda: sorted(health(api)["failed"]) == sorted(expected), timeout=30, message="the reload")

    state = health(api)
    assert state["status"] == "ok" and state["sites"] == ["buhcentr", "oblako-plus"]
    assert_failed(state, expected)
    assert register(api, "oblako-plus") == 303, "the last good version still serves"
    assert register(api, "buhcentr") == 303

    served.write_text(good, encoding="utf-8")
    wait_until(lambda: "oblako-plus" not in health(api)["failed"], timeout=30, message="the fixed site to reload")
    shutil.rmtree(sites_dir / "evil-loop")
    wait_until(lambda: "evil-loop" not in health(api)["failed"], timeout=30, message="a removed site to be forgotten")
    assert register(api, "oblako-plus") == 303


#: Loads a sites folder the way the service does and reports its peak memory since exec.
MEASURED_RELOAD = """
import json, re, sys
from pathlib import Path
from registration_api.domain.partner_sites import PartnerSites
registry = PartnerSites(Path(sys.argv[1]))
registry.reload()
registry.reload()
with open("/proc/self/status") as status:
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
print(json.dumps({"served": registry.ids(), "failed": sorted(registry.failed()), "peak_kb": peak}))
"""


def test_loading_hostile_folders_stays_in_bounded_memory(tmp_path):
    sites_dir = tmp_path / "sites"
    sites_dir.mkdir()
    plant(sites_dir)
    shutil.copytree(EXAMPLE_SITES / "buhcentr", sites_dir / "buhcentr")
    result = subprocess.run(
        [sys.executable, "-c", MEASURED_RELOAD, str(sites_dir)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["served"] == ["buhcentr"] and outcome["failed"] == sorted(HOSTILE)
    assert outcome["peak_kb"] < 200 * 1024, f"{outcome['peak_kb'] // 1024} MB"
