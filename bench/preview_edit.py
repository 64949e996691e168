"""How soon a partner sees an edited news item in the preview (``storefront serve``).

    python bench/preview_edit.py CORPUS [--runs 10] [--hugo PATH]

Starts ``storefront serve`` on the corpus's first site, listens to its live-reload events
like an open browser tab, then edits one news item per run and measures the time from
the save to the page being told to reload (which includes waiting for the burst of
saves to settle, 150 ms), and the rebuild itself as the server reports it. With
``--hugo``, Hugo's full build of the same site is timed in the same run, between edits,
for the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listen(url: str, events: queue.Queue) -> None:
    try:
        with httpx.stream("GET", url, timeout=None) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.put((time.perf_counter(), json.loads(line[6:])))
    except httpx.HTTPError:
        pass  # the server stopped at the end of the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--hugo", help="the hugo binary, to time its full build of the same site in this run")
    args = parser.parse_args()
    sites = args.corpus / "storefront" / "sites"
    site = sorted(p.name for p in sites.iterdir())[0]
    work = Path(tempfile.mkdtemp(prefix="storefront-preview-"))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storefront",
            "serve",
            site,
            "--sites",
            str(sites.resolve()),
            "--themes",
            str(work / "no-themes"),
            "--port",
            str(port),
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        events: queue.Queue = queue.Queue()
        threading.Thread(
            target=listen, args=(f"http://127.0.0.1:{port}/_storefront/events", events), daemon=True
        ).start()
        events.get(timeout=10)  # the state message every new listener gets
        news = sorted((sites / site / "news").glob("*.md"))[len(list((sites / site / "news").glob("*.md"))) // 2]
        original = news.read_text(encoding="utf-8")
        seen, rebuilds, hugo = [], [], []
        try:
            for run in range(args.runs):
                while not lines.empty():
                    lines.get_nowait()
                saved = time.perf_counter()
                news.write_text(original + f"\nПравка номер {run}: ещё один абзац.\n", encoding="utf-8")
                while True:
                    at, message = events.get(timeout=30)
                    if message.get("type") == "reload":
                        seen.append(at - saved)
                        break
                while True:
                    match = re.search(r"rebuilt in ([\d.]+) s", lines.get(timeout=10))
                    if match:
                        rebuilds.append(float(match.group(1)))
                        break
                if args.hugo:
                    out = work / "hugo-out"
                    shutil.rmtree(out, ignore_errors=True)
                    started = time.perf_counter()
                    subprocess.run(
                        [args.hugo, "--quiet", "-s", str(args.corpus / "hugo" / site), "-d", str(out)], check=True
                    )
                    hugo.append(time.perf_counter() - started)
                time.sleep(0.5)
        finally:
            news.write_text(original, encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    def figure(values: list[float]) -> str:
        return f"median {statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"

    print(f"{site}: {args.runs} edits of {news.name}")
    print(f"  save → page told to reload: {figure(seen)}")
    print(f"  the rebuild itself:         {figure(rebuilds)}")
    if hugo:
        print(f"  Hugo full build, same run:  {figure(hugo)}")
        print(
            f"  rebuild ÷ Hugo full build:  {statistics.median(rebuilds) / statistics.median(hugo):.2f}; "
            f"save → reload ÷ Hugo full build: {statistics.median(seen) / statistics.median(hugo):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
