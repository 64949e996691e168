"""A site's Jinja environment: the partner's templates read once and checked as a stranger's
files, template failures turned into positioned problems, and storefront's own bugs raised
as bugs."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from storefront import formatting, language
from storefront.cli import main
from storefront.errors import RenderError, StorefrontError
from storefront.render.environment import MAX_TEMPLATES, environment, render, sandboxed_environment
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


def test_a_partner_template_that_fails_on_the_data_it_is_given_is_a_problem_at_its_line(sites):
    folder = sites.make()
    write(
        folder, "404.html", '{% extends "theme/404.html" %}{% block main %}\n{{ partner.name|money }}\n{% endblock %}'
    )
    renderer = SiteRenderer(load_site(folder))
    with pytest.raises(RenderError) as failed:
        renderer.render_page(renderer.page("404.html"))
    assert str(failed.value.problem).startswith("sites/demo/templates/404.html:2:1: template error: ")


def broken_money(amount: object, locale: str) -> str:
    raise KeyError("currency")


def test_a_bug_of_storefront_is_raised_as_a_bug_not_as_a_template_problem(sites, monkeypatch):
    folder = sites.make()
    write(folder, "404.html", "a partner's own page, not the one that fails")
    renderer = SiteRenderer(load_site(folder))
    monkeypatch.setattr(formatting, "money", broken_money)
    with pytest.raises(KeyError, match="currency") as failed:
        renderer.render_page(renderer.page("tariffs/"))
    assert not isinstance(failed.value, StorefrontError)
    assert "storefront was rendering the template 'tariffs.html'" in failed.value.__notes__[0]


def test_a_template_of_a_project_theme_is_its_authors_to_fix(sites):
    sites.make(replace={"theme: minimal": "theme: own"})
    theme = sites.root / "themes" / "own"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.yaml").write_text("title: Own\nparent: base\n", encoding="utf-8")
    (theme / "templates" / "404.html").write_text(
        "{% extends 'base/404.html' %}{% block main %}\n{{ 1 / 0 }}\n{% endblock %}\n", encoding="utf-8"
    )
    renderer = SiteRenderer(load_site(sites.sites / "demo", sites.root / "themes"))
    with pytest.raises(RenderError) as failed:
        renderer.render_page(renderer.page("404.html"))
    assert str(failed.value.problem) == "themes/own/templates/404.html:2:1: template error: division by zero"


def test_a_refusal_of_the_sandbox_is_the_partners_even_in_a_theme_template(sites):
    renderer = SiteRenderer(load_site(sites.make()), seconds=0)
    with pytest.raises(RenderError, match="takes too long to render"):
        renderer.render_theme_page(renderer.page("tariffs/"))


def test_a_page_is_escaped_even_in_a_partners_text_file_and_an_e_mails_text_is_plain(sites):
    folder = sites.make()
    write(folder, "note.txt", "{{ name }}")
    write(folder, "page.html", "{% include 'note.txt' %}")
    assert render(environment(load_site(folder)), "page.html", {"name": "<b>"}) == "&lt;b&gt;"
    mail = sandboxed_environment(
        jinja2.DictLoader({"m.txt": "{{ name }}", "m.html": "{{ name }}"}), "ru", plain_text=True
    )
    assert mail.get_template("m.txt").render(name="<b>") == "<b>"
    assert mail.get_template("m.html").render(name="<b>") == "&lt;b&gt;"
    assert mail.from_string("{{ 1490|money }}, {{ plural('sessions', 5) }}").render() == "1\u202f490\u202f₽, 5 сеансов"


def test_what_a_partners_template_may_not_do_is_said_in_the_sites_language(sites, capsys, monkeypatch):
    """No --lang and no language in the environment: a Russian site's refusals are in Russian."""
    folder = sites.make()
    write(
        folder, "404.html", '{% extends "theme/404.html" %}{% block main %}\n{{ range(200000)|list }}\n{% endblock %}'
    )
    monkeypatch.delenv("LANGUAGE")
    try:
        assert main(["check"]) == 1
        refused = capsys.readouterr().err
        write(folder, "404.html", "{% include 'parts/none.html' %}")
        assert main(["check"]) == 1
        missing = capsys.readouterr().err
    finally:
        language.use()
    assert refused == (
        "demo: 1 ошибка\n"
        "  sites/demo/templates/404.html:2:1: так нельзя: range() может перечислить не больше 100\u202f000 чисел\n"
    )
    assert missing == "demo: 1 ошибка\n  sites/demo/templates/404.html:1:1: шаблона «parts/none.html» нет\n"
