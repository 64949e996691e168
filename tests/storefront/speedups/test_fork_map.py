"""A big site's work shared between forked processes gives what one process gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storefront.pipeline import BuildOptions, build_site
from storefront.speedups.fork_map import fork_map


def test_fork_map_keeps_order_and_uses_other_processes():
    items = list(range(200))
    results = fork_map(lambda n: (n * n, os.getpid()), items, 3)
    assert [square for square, _ in results] == [n * n for n in items]
    assert len({pid for _, pid in results}) == 3, "three processes shared the work"


def test_small_batches_stay_in_this_process():
    assert {pid for pid in fork_map(lambda _: os.getpid(), list(range(10)), 2)} == {os.getpid()}


@pytest.mark.parametrize("failing", [0, 1], ids=["in this process", "in a child"])
def test_an_error_in_any_process_is_raised_here(failing):
    def task(n: int) -> int:
        if n == 100 + failing:  # items are dealt out in turn: even ones here, odd ones to the child
            raise ValueError(f"item {n} is bad")
        return n

    with pytest.raises(ValueError, match=f"item {100 + failing} is bad"):
        fork_map(task, list(range(200)), 2)


def _many_news(count: int) -> dict[str, str]:
    return {
        f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}-item-{i}.md": f"---\ntitle: Новость {i}\n"
        f"date: 2025-{1 + i // 28:02d}-{1 + i % 28:02d}\nsummary: Кратко {i}.\n---\n"
        f"Абзац **{i}** со [ссылкой](https://example.ru/{i}).\n\n## Раздел\n\nЕщё `код` и текст.\n"
        for i in range(count)
    }


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_site_built_by_two_processes_equals_one_built_by_one(sites):
    sites.make(news=_many_news(150))
    options = {"sites_dir": Path("sites"), "themes_dir": None, "cache_dir": None}
    one = build_site("demo", BuildOptions(out_dir=Path("one"), workers=1, **options))
    two = build_site("demo", BuildOptions(out_dir=Path("two"), workers=2, **options))
    assert one.ok and two.ok and one.pages == two.pages > 150
    assert tree(Path("two/demo")) == tree(Path("one/demo"))


def test_a_news_error_found_by_a_child_is_reported(sites):
    news = _many_news(150)
    name = next(name for name in news if name.endswith("-item-57.md"))  # odd: a child's share
    news[name] = news[name].replace("date: 2025-03-02", "date: вчера")
    sites.make(news=news)
    report = build_site("demo", BuildOptions(Path("sites"), None, Path("out"), cache_dir=None, workers=2))
    assert [(p.path.endswith("item-57.md"), p.field) for p in report.problems] == [(True, "date")]
    assert not Path("out/demo").exists()


def test_a_site_that_fails_early_leaves_no_markdown_workers_behind(sites):
    folder = sites.make(news=_many_news(150))
    (folder / "site.yaml").unlink()  # the loader stops before it asks for the prefetched Markdown
    report = build_site("demo", BuildOptions(Path("sites"), None, Path("out"), cache_dir=None, workers=2))
    assert report.problems and "site.yaml is missing" in report.problems[0].message
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every forked worker has been reaped
