"""A site's Jinja environment: the partner's templates read once and checked as a stranger's
files, and template failures turned into positioned problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storefront.render.environment import MAX_TEMPLATES, RenderError, environment, render
from storefront.render.site_renderer import SiteRenderer
from storefront.site.loader import load_site


def write(site: Path, name: str, text: str) -> None:
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / name).write_text(text, encoding="utf-8")


def test_an_environment_keeps_the_templates_it_read(sites):
    folder = sites.make()
    write(folder, "page.html", "first")
    site = load_site(folder)
    env = environment(site)
    assert render(env, "page.html", {}) == "first"
    write(folder, "page.html", "second, longer")
    assert render(env, "page.html", {}) == "first", "what is served does not change under its feet"
    assert render(environment(site), "page.html", {}) == "second, longer"


def test_templates_in_subfolders_and_links_inside_the_folder_are_read(sites):
    folder = sites.make()
    write(folder, "real.html", "{% include 'parts/line.html' %}")
    (folder / "templates" / "parts").mkdir()
    write(folder, "parts/line.html", "a line")
    (folder / "templates" / "alias.html").symlink_to("real.html")
    assert render(environment(load_site(folder)), "alias.html", {}) == "a line"


def test_hidden_files_are_not_templates(sites):
    folder = sites.make()
    write(folder, "page.html", "ok")
    (folder / "templates" / ".page.html.swp").write_bytes(b"\xff\x00")
    os.mkfifo(folder / "templates" / ".fifo")
    assert render(environment(load_site(folder)), "page.html", {}) == "ok"


def test_too_many_files_are_refused(sites):
    folder = sites.make()
    for n in range(MAX_TEMPLATES + 1):
        write(folder, f"t{n:03d}.html", "x")
    with pytest.raises(RenderError) as refused:
        environment(load_site(folder))
    assert (
        str(refused.value.problem) == f"sites/demo/templates:1:1: more than {MAX_TEMPLATES} files in this folder; "
        "keep only your templates"
    )


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "ok\n{{ cycler.__init__.__globals__ }}",
            "sites/demo/templates/page.html:2:1: not allowed: templates may not reach Python internals (__init__)",
        ),
        (
            "ok\n\n{% include 'nothing.html' %}",
            "sites/demo/templates/page.html:3:1: there is no template named 'nothing.html'",
        ),
        ("{{ 1 / 0 }}", "sites/demo/templates/page.html:1:1: template error: division by zero"),
        ("{{ missing.x }}", "sites/demo/templates/page.html:1:1: template error: 'missing' is undefined"),
        (
            "{% for %}",
            "sites/demo/templates/page.html:1:1: template syntax: Expected an expression, got 'end of statement block'",
        ),
    ],
)
def test_a_failing_template_is_a_problem_at_its_line(sites, source, message):
    folder = sites.make()
    write(folder, "page.html", source)
    with pytest.raises(RenderError) as failed:
        render(environment(load_site(folder)), "page.html", {})
    assert str(failed.value.problem) == message


@pytest.mark.parametrize(
    "name, source",
    [
        (
            "register.html",
            '{% extends "theme/register.html" %}{% block intro %}'
            "{% if form.errors %}{{ form.errors.clear() }}{% endif %}{% endblock %}",
        ),
        ("message.html", '{% extends "theme/message.html" %}{% block main %}{{ message.__class__ }}{% endblock %}'),
        ("404.html", "{{ joiner.__init__ }}"),
    ],
)
def test_the_pages_the_service_renders_are_tried_before_it_takes_a_site(sites, name, source):
    folder = sites.make()
    renderer = SiteRenderer(load_site(folder))
    renderer.try_service_pages()
    write(folder, name, source)
    with pytest.raises(RenderError) as failed:
        SiteRenderer(load_site(folder)).try_service_pages()
    assert failed.value.problem.path == f"sites/demo/templates/{name}"


def test_the_theme_page_skips_the_partners_templates_and_the_deadline_is_the_renderers(sites):
    folder = sites.make()
    write(folder, "404.html", "{% extends 'theme/404.html' %}{% block main %}PARTNER {{ 1 / 0 }}{% endblock %}")
    renderer = SiteRenderer(load_site(folder))
    page = renderer.page("404.html")
    with pytest.raises(RenderError, match="division by zero"):
        renderer.render_page(page)
    write(folder, "base.html", "PARTNER BASE")
    theme_page = SiteRenderer(load_site(folder)).render_theme_page(page)
    assert "PARTNER" not in theme_page and "</html>" in theme_page
    late = SiteRenderer(load_site(folder), seconds=0)
    with pytest.raises(RenderError, match="takes too long to render"):
        late.render_theme_page(page)
