"""Both runners give the same news HTML, a refused body as a value, and remember what they converted."""

from __future__ import annotations

import os

from storefront.publish.build_cache import SiteCache
from storefront.render.markdown_html import MarkdownRefused, news_body_html
from storefront.speedups.runner import IN_PROCESS, ForkingRunner, InProcessRunner

BODIES = [f"# Заголовок {i}\n\nАбзац **{i}** со [ссылкой](https://example.ru/{i}).\n" for i in range(100)]


def test_forked_news_html_equals_in_process_news_html():
    with ForkingRunner(2) as forking:
        assert forking.news_html(BODIES) == IN_PROCESS.news_html(BODIES) == [news_body_html(b) for b in BODIES]


def test_a_refused_body_comes_back_as_a_value_in_its_place():
    bodies = ["ok", "[" * 10_000, "also ok"]
    html = IN_PROCESS.news_html(bodies)
    assert isinstance(html[1], MarkdownRefused) and "brackets" in str(html[1])
    assert html[0] == news_body_html("ok") and html[2] == news_body_html("also ok")


def test_the_forking_runner_maps_in_other_processes():
    with ForkingRunner(2) as forking:
        pids = set(forking.map(lambda _: os.getpid(), list(range(100))))
    assert len(pids) == 2 and os.getpid() in pids


def test_converted_bodies_are_remembered_for_the_next_build(tmp_path):
    memory = SiteCache(tmp_path, "demo")
    runner = InProcessRunner(memory)
    runner.news_html(["*a*"])
    assert memory.recall("markdown", "*a*") == news_body_html("*a*")
    assert IN_PROCESS.recall("markdown", "*a*") is None


def test_prefetched_news_are_collected_and_the_workers_reaped(tmp_path):
    news = tmp_path / "site" / "news"
    news.mkdir(parents=True)
    for i, body in enumerate(BODIES):
        (news / f"2025-01-01-item-{i}.md").write_text(f"---\ntitle: t\ndate: 2025-01-01\nsummary: s\n---\n{body}")
    with ForkingRunner(2) as forking:
        forking.prefetch_news(news)
        assert forking.news_html(BODIES) == [news_body_html(b) for b in BODIES]
