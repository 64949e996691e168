"""Times storefront against Hugo and Pelican on one corpus, side by side, alternating runs.

    python bench/run.py CORPUS [--runs 5] [--warmup 1] [--hugo PATH] [--pelican-python PATH]
                               [--scenarios cold,noop,edit-news,edit-tariffs] [--json FILE]

Each figure is a whole process (start-up included), measured after a warm-up, as the
median of ``--runs`` with min–max. Runs alternate between tools so that the machine's
state is shared fairly. Ratios compare medians measured in this same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def count_pages(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.suffix in (".html", ".xml"))


class Tool:
    name = ""

    def __init__(self, corpus: Path, work: Path):
        self.corpus, self.work = corpus, work
        self.out = work / f"out-{self.name}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def clean(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)


class Storefront(Tool):
    name = "storefront"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "storefront",
            "build",
            "--sites",
            str(self.corpus / "storefront" / "sites"),
            "--themes",
            str(self.work / "no-themes"),
            "--out",
            str(self.out),
        ]

    def clean(self) -> None:
        super().clean()
        shutil.rmtree(self.work / ".storefront-cache", ignore_errors=True)


class Hugo(Tool):
    name = "hugo"
    binary = ""

    def command(self) -> list[str]:
        return ["bash", str(BENCH / "drivers" / "hugo_all.sh"), self.binary, str(self.corpus / "hugo"), str(self.out)]


class Pelican(Tool):
    name = "pelican"
    python = sys.executable

    def command(self) -> list[str]:
        return [self.python, str(BENCH / "drivers" / "pelican_all.py"), str(self.corpus / "pelican"), str(self.out)]


def run_once(tool: Tool) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the tool's largest process."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(BENCH / "drivers" / "peak.py"), *tool.command()],
        cwd=tool.work,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{tool.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    peak = float(re.search(r"PEAK_RSS_MIB ([\d.]+)", result.stderr).group(1))
    return elapsed, peak


def first_site(corpus: Path) -> str:
    return sorted(p.name for p in (corpus / "storefront" / "sites").iterdir())[0]


def edit_news(corpus: Path, n: int) -> None:
    """Change the body of one news item of the first site, identically in all three corpora."""
    site = first_site(corpus)
    line = f"\nПравка номер {n}: уточнили формулировку.\n"
    for path in (
        corpus / "storefront" / "sites" / site / "news" / "news-0005.md",
        corpus / "hugo" / site / "content" / "news" / "news-0005.md",
        corpus / "pelican" / site / "content" / "news" / "news-0005.md",
    ):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\nПравка номер \d+: уточнили формулировку.\n", "", text) + line, encoding="utf-8")


def edit_tariffs(corpus: Path, n: int) -> None:
    """Change one price in the first site's tariff list, in all three corpora."""
    site = first_site(corpus)
    price = 1000 + n
    for path in (
        corpus / "storefront" / "sites" / site / "site.yaml",
        corpus / "hugo" / site / "data" / "site.json",
        corpus / "pelican" / site / "pelicanconf.py",
    ):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'("price": |\'price\': )\d+', lambda m: f"{m.group(1)}{price}", text, count=1)
        path.write_text(text, encoding="utf-8")


SCENARIOS = {
    "cold": "full build into an empty output folder",
    "noop": "rebuild with nothing changed (Hugo and Pelican rebuild fully)",
    "edit-news": "rebuild after editing one news item of one site",
    "edit-tariffs": "rebuild after editing one site's tariff list",
}


def measure(tools: list[Tool], scenario: str, runs: int, warmup: int, corpus: Path) -> dict[str, list]:
    samples: dict[str, list] = {tool.name: [] for tool in tools}
    for i in range(warmup + runs):
        for tool in tools:
            if scenario == "cold":
                tool.clean()
            else:
                if not tool.out.exists():
                    run_once(tool)
                if scenario == "edit-news":
                    edit_news(corpus, i * 10 + len(samples[tool.name]))
                elif scenario == "edit-tariffs":
                    edit_tariffs(corpus, i * 10 + len(samples[tool.name]))
            elapsed, peak = run_once(tool)
            if i >= warmup:
                samples[tool.name].append((elapsed, peak))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--hugo", default=shutil.which("hugo") or "", help="the hugo binary (not its Python wrapper)")
    parser.add_argument("--pelican-python", default=sys.executable, help="a Python with Pelican installed")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    work = corpus / "work"
    work.mkdir(exist_ok=True)
    Hugo.binary, Pelican.python = args.hugo, args.pelican_python
    tools: list[Tool] = [Storefront(corpus, work), Hugo(corpus, work), Pelican(corpus, work)]
    info = json.loads((corpus / "scenario.json").read_text())
    print(
        f"corpus: {info['scenario']} ({info['sites']} sites, {info['news_per_site']} news each, seed {info['seed']}); "
        f"{args.runs} runs after {args.warmup} warm-up; {os.cpu_count()} cores"
    )
    results = {}
    hugo_full = None
    for scenario in args.scenarios.split(","):
        samples = measure(tools, scenario, args.runs, args.warmup, corpus)
        rows = {}
        for tool in tools:
            times = [t for t, _ in samples[tool.name]]
            rows[tool.name] = {
                "median": statistics.median(times),
                "min": min(times),
                "max": max(times),
                "peak_mib": max(p for _, p in samples[tool.name]),
                "pages": count_pages(tool.out),
            }
        if scenario == "cold":
            hugo_full = rows["hugo"]["median"]
        results[scenario] = rows
        print(f"\n{scenario}: {SCENARIOS[scenario]}")
        print(
            f"  {'tool':<11}{'median s':>10}{'min–max s':>16}{'pages/s':>10}{'peak MiB':>10}"
            f"{'×hugo':>8}{'×pelican':>10}{'×hugo full':>12}"
        )
        for name, row in rows.items():
            span = f"{row['min']:.3f}–{row['max']:.3f}"
            full = f"{row['median'] / hugo_full:.2f}" if hugo_full else "—"
            print(
                f"  {name:<11}{row['median']:>10.3f}{span:>16}{row['pages'] / row['median']:>10.0f}"
                f"{row['peak_mib']:>10.0f}{row['median'] / rows['hugo']['median']:>8.2f}"
                f"{row['median'] / rows['pelican']['median']:>10.2f}{full:>12}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
