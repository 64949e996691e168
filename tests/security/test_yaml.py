"""Hostile YAML in site.yaml and in a news header: alias bombs, self-referencing aliases,
deep nesting, huge documents, control characters. Each is a positioned problem, found in
bounded memory, never a traceback or a hang."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support import line_of, scaffold_text

#: Runs a command of the storefront CLI and reports the peak memory of it (VmHWM: since its
#: exec, unlike ru_maxrss, which starts at the size of pytest) and of its forked workers.
MEASURED = """
import re, resource, sys
from storefront.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    own = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"peak-kb={peak}", file=sys.stderr)
sys.exit(code)
"""
MEMORY_LIMIT_KB = 200 * 1024


def check(site_id: str = "demo") -> tuple[int, str, int]:
    """``storefront check`` in a child process (a minute at most, so a regression fails instead
    of hanging): exit code, what it printed, peak memory in KB."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, "check", site_id], capture_output=True, text=True, timeout=60
    )
    peak = int(re.search(r"peak-kb=(\d+)", result.stderr).group(1))
    return result.returncode, result.stdout + result.stderr, peak


def laughs(levels: int, indent: str = "") -> str:
    """The billion laughs: each level repeats the one before nine times (9**levels values)."""
    lines = [f'{indent}l0: &l0 ["ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха"]']
    for i in range(1, levels + 1):
        lines.append(f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def deep_mapping(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x: 1\n"


SCAFFOLD = scaffold_text()
APPS = "applications:\n  - bp\n  - ip\n"
APPS_LINE = line_of(SCAFFOLD, "applications:")
END = SCAFFOLD.count("\n") + 1  # the first line after the scaffold

SITE_YAML_ATTACKS = {
    "billion-laughs": (SCAFFOLD + laughs(9), END + 5, "more than 100,000 values once the alias *l4"),
    "laughs-in-a-value": (
        SCAFFOLD.replace(APPS, "applications:\n" + laughs(12, "  - ")),
        APPS_LINE + 6,
        "more than 100,000 values once the alias *l4",
    ),
    "self-reference": (
        SCAFFOLD.replace(APPS, "applications: &a [*a]\n"),
        APPS_LINE,
        "the alias *a is inside the value &a it repeats",
    ),
    "self-reference-mapping": (
        SCAFFOLD.replace(APPS, "applications: &a\n  x:\n    y: [1, *a]\n"),
        APPS_LINE + 2,
        "the alias *a is inside the value &a",
    ),
    "brackets-10000-deep": (SCAFFOLD.replace(APPS, "applications: " + "[" * 10_000 + "\n"), APPS_LINE, "nested"),
    "brackets-closed": (
        SCAFFOLD.replace(APPS, "applications: " + "[" * 200 + "]" * 200 + "\n"),
        APPS_LINE,
        "nested more than 50 levels",
    ),
    "mappings-300-deep": (SCAFFOLD + deep_mapping(300), END + 50, "nested more than 50 levels"),
    "deep-through-aliases": (
        SCAFFOLD + "d: &d " + "[" * 30 + "]" * 30 + "\ne: " + "[" * 30 + "*d" + "]" * 30 + "\n",
        END + 1,
        "nested more than 50 levels deep once the alias *d",
    ),
    "oversize": (SCAFFOLD + "# " + "ж" * 150_000 + "\n", 1, "the largest allowed is 256 KB"),
    "tab-indent": (SCAFFOLD.replace("  - bp\n", "\t- bp\n"), APPS_LINE + 1, "tabs"),
    "nul-byte": (SCAFFOLD.replace("  - ip\n", "  - i\x00p\n"), APPS_LINE + 2, "control character U+0000"),
    "escape-byte": (SCAFFOLD.replace("  - ip\n", "  - \x1b[31mip\n"), APPS_LINE + 2, "control character U+001B"),
    "many-documents": (SCAFFOLD + "---\n" + laughs(9), END + 6, "more than 100,000 values"),
}


@pytest.mark.parametrize("name", SITE_YAML_ATTACKS)
def test_hostile_site_yaml_is_a_positioned_problem_in_bounded_memory(sites, name):
    text, line, message = SITE_YAML_ATTACKS[name]
    sites.make(yaml_text=text)
    code, output, peak = check()
    assert code == 1, output
    assert re.search(rf"sites/demo/site\.yaml:{line}:\d+: [^\n]*{re.escape(message)}", output), output
    assert "Traceback" not in output
    assert peak < MEMORY_LIMIT_KB, f"{peak // 1024} MB"


def test_garbage_bytes_in_site_yaml(sites):
    (sites.make() / "site.yaml").write_bytes(b"partner:\n  name: \xc3\x28\xff\xfe\n" + b"\x00" * 100)
    code, output, _ = check()
    assert code == 1 and "sites/demo/site.yaml:1:1: the file is not UTF-8 text" in output, output


HEADER = "---\ntitle: Новость\ndate: 2026-03-01\nsummary: Кратко\n"
NEWS_ATTACKS = {
    "billion-laughs": (HEADER + laughs(9) + "---\nТекст\n", 10, "more than 100,000 values once the alias *l4"),
    "self-reference": (HEADER + "tags: &t [*t]\n---\nТекст\n", 5, "the alias *t is inside the value &t"),
    "brackets-10000-deep": (HEADER + "tags: " + "{a: " * 10_000 + "\n---\nТекст\n", 5, "nested"),
    "mappings-300-deep": (HEADER + deep_mapping(300) + "---\nТекст\n", 55, "nested more than 50 levels"),
    "nul-byte": (HEADER.replace("Кратко", "Крат\x00ко") + "---\nТекст\n", 4, "control character U+0000"),
    "tab-indent": (HEADER + "tags:\n\t- a\n---\nТекст\n", 6, "tabs"),
}


@pytest.mark.parametrize("name", NEWS_ATTACKS)
def test_hostile_news_header_is_a_positioned_problem_in_bounded_memory(sites, name):
    text, line, message = NEWS_ATTACKS[name]
    sites.make(news={"2026-03-01-attack.md": text})
    code, output, peak = check()
    assert code == 1, output
    assert re.search(rf"sites/demo/news/2026-03-01-attack\.md:{line}:\d+: [^\n]*{re.escape(message)}", output), output
    assert "Traceback" not in output
    assert peak < MEMORY_LIMIT_KB, f"{peak // 1024} MB"
