"""A partner's template is a stranger's code: it runs in the sandbox, reads only its own
files, and is bounded in work and size, in the generator and in the registration service.

The commands run in a subprocess with a generous timeout, so that a regression fails (a
marker file appears, a build never ends) instead of running the attack in the test process.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from registration_api.web.themed_pages import PARTNER_RENDERS
from tests.support import TIMEOUT, output, published, storefront, valid_form

OVERRIDE = "sites/demo/templates/404.html"


def run(verb: str, cwd: Path) -> tuple[int, str]:
    """Exit code and everything printed by ``storefront <verb>``."""
    result = storefront(verb, cwd=cwd)
    return result.returncode, output(result)


def override(site: Path, body: str, name: str = "404.html") -> None:
    """The partner's ``templates/<name>``: the theme's page with ``body`` on line 3."""
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / name).write_text(
        f'{{% extends "theme/{name}" %}}\n{{% block main %}}\n{body}\n{{% endblock %}}\n', encoding="utf-8"
    )


ESCAPES = {
    "cycler-globals": ("{{ cycler.__init__.__globals__.os.system('touch MARKER') }}", "Python internals"),
    "joiner-globals": ("{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}", "Python internals"),
    "namespace-globals": ("{{ namespace.__init__.__globals__.os.system('touch MARKER') }}", "Python internals"),
    "lipsum-globals": ("{{ lipsum.__globals__['os'].system('touch MARKER') }}", "'lipsum' is undefined"),
    "subclasses": (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
        "{{ c(['touch', 'MARKER']) }}{% endif %}{% endfor %}",
        "Python internals",
    ),
    "template-reference": (
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch MARKER') }}",
        "Python internals",
    ),
    "filter-attr": (
        "{{ (cycler|attr('__init__')|attr('__globals__'))['os'].system('touch MARKER') }}",
        "Python internals",
    ),
    "subscript": ("{{ cycler['__init__']['__globals__']['os'].system('touch MARKER') }}", "Python internals"),
    "format-string": ("{{ '{0.__init__.__globals__[os]}'.format(cycler) }}", "Python internals"),
    "function-globals": ("{{ url.__globals__['os'].system('touch MARKER') }}", "Python internals"),
    "config-class": ("{{ config.__class__.__init__.__globals__ }}", "Python internals"),
    "request-lookup": (
        "{{ request.application.__globals__.__builtins__.__import__('os').system('touch MARKER') }}",
        "'request' is undefined",
    ),
    "news-file-read": ("{{ news[0].source.read_text() }}", "files or modules of the server"),
    "news-file-write": (
        "{{ (news|first).source.parent.joinpath('MARKER').touch() }}",
        "files or modules of the server",
    ),
    "mapped-path": ("{{ news|map(attribute='source')|join }}", "files or modules of the server"),
    "shared-data-change": ("{{ tariff_apps.clear() }}{{ applications.append(1) }}", "change the site's data"),
    "include-passwd": ("{% include '/etc/passwd' %}", "no template named '/etc/passwd'"),
    "include-parent": ("{% include '../../../../../../etc/passwd' %}", "no template named"),
    "import-module": ("{% import 'os' as os %}{{ os.system('touch MARKER') }}", "no template named 'os'"),
}


@pytest.mark.parametrize("body, words", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_template_cannot_escape_the_sandbox(sites, body, words):
    site = sites.make()
    marker = sites.root / "pwned"
    override(site, body.replace("MARKER", str(marker)))
    for verb in ("check", "build"):
        code, output = run(verb, sites.root)
        assert code == 1 and f"{OVERRIDE}:3:1:" in output and words in output, output
        assert "Traceback" not in output
        assert not marker.exists(), f"{verb} ran the partner's command"
    assert not (sites.root / "public" / "demo").exists(), "nothing is published"


def test_extending_a_file_outside_the_templates_is_refused(sites):
    site = sites.make()
    (site / "templates").mkdir()
    for target in ("../../../etc/passwd", "/etc/passwd", "../site.yaml"):
        (site / "templates" / "404.html").write_text(f"x\n{{% extends '{target}' %}}\n")
        code, output = run("build", sites.root)
        assert code == 1 and f"{OVERRIDE}:2:1: there is no template named" in output, output
    assert "root:" not in published(sites.root)


def _link_outside(site: Path, root: Path) -> str:
    secret = root / "other-partner.html"
    secret.write_text("SECRET of another partner")
    (site / "templates" / "404.html").symlink_to(secret)
    return "points outside the site folder"


def _link_to_site_yaml(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").symlink_to(site / "site.yaml")
    return "points outside the site folder"


def _link_to_passwd(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").symlink_to("/etc/passwd")
    return "points outside the site folder"


def _link_to_dev_zero(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").symlink_to("/dev/zero")
    return "points outside the site folder"


def _dangling_link(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").symlink_to("missing.html")
    return "points to a file that does not exist"


def _fifo(site: Path, root: Path) -> str:
    os.mkfifo(site / "templates" / "404.html")
    return "not a regular file"


def _huge(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").write_text("<p>" + "x" * 300_000 + "</p>")
    return "the largest allowed is 256 KB"


def _not_utf8(site: Path, root: Path) -> str:
    (site / "templates" / "404.html").write_bytes(b"\xff\xfe<p>\x00</p>")
    return "not UTF-8"


UNSAFE_FILES = [
    _link_outside,
    _link_to_site_yaml,
    _link_to_passwd,
    _link_to_dev_zero,
    _dangling_link,
    _fifo,
    _huge,
    _not_utf8,
]


@pytest.mark.parametrize("make_unsafe", UNSAFE_FILES, ids=[f.__name__.strip("_") for f in UNSAFE_FILES])
def test_a_template_file_that_is_not_the_partners_own_is_refused(sites, make_unsafe):
    site = sites.make()
    (site / "templates").mkdir()
    words = make_unsafe(site, sites.root)
    for verb in ("check", "build"):
        code, output = run(verb, sites.root)
        assert code == 1 and f"{OVERRIDE}:1:1: " in output and words in output, output
        assert "Traceback" not in output
    assert not (sites.root / "public" / "demo").exists()


def test_a_link_between_the_partners_own_templates_is_fine(sites):
    site = sites.make()
    override(site, "<p>MY OWN PAGE</p>", name="index.html")
    (site / "templates" / "landing.html").symlink_to("index.html")
    (site / "templates" / "index.html").rename(site / "templates" / "real.html")
    (site / "templates" / "index.html").symlink_to("real.html")
    code, output = run("build", sites.root)
    assert code == 0, output
    assert "MY OWN PAGE" in (sites.root / "public" / "demo" / "index.html").read_text()


RUNAWAY = {
    "nested-ranges": (
        "{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}",
        "too much work",
    ),
    "nested-ranges-output": (
        "{% for i in range(10**5) %}{% for j in range(10**5) %}x{% endfor %}{% endfor %}",
        "too much work",
    ),
    "one-list-reused": (
        "{% set r = range(100000)|list %}{% for i in r %}{% for j in r %}{% for k in r %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "too much work",
    ),
    "recursive-loop": ("{% for i in range(10) recursive %}{{ loop(range(10**5)) }}{% endfor %}", "nest too deeply"),
    "huge-range": ("{% for i in range(10**12) %}{% endfor %}", "range() may count at most 100,000"),
    "huge-output": ("{% for i in range(1000) %}{{ 'x' * 999999 }}{% endfor %}", "larger than 5 MB"),
    "huge-text": ("{{ 'x' * 10**10 }}", "longer than 1,000,000"),
    "huge-list": ("{{ ([1] * 10**9)|length }}", "longer than 1,000,000"),
    "huge-number": ("{{ 9 ** (10 ** 12) }}", "more than"),
    "doubling-namespace": (
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "longer than 1,000,000",
    ),
    "doubling-set": (
        "{% set s = 'x' * 100000 %}" + "{% set s = s ~ s %}" * 40 + "{{ s|length }}",
        "longer than 1,000,000",
    ),
    "doubling-macro": (
        "{% macro d(s, n) %}{{ d(s + s, n - 1) if n else s|length }}{% endmacro %}{{ d('ab', 80) }}",
        "longer than 1,000,000",
    ),
    "self-calling-macro": ("{% macro m() %}{{ m() }}{{ m() }}{% endmacro %}{{ m() }}", "nest too deeply"),
    "padding-width": ("{{ 'x'|center(10**10) }}{{ 'x'.ljust(10**10) }}", "larger than 10,000"),
    "format-width": ("{{ '{:>9999999999}'.format(1) }}", "larger than 10,000"),
    "percent-width": ("{{ '%9999999999d' % 1 }}", "larger than 10,000"),
    "replace-blowup": ("{{ ('x' * 1000)|replace('x', 'x' * 10000) }}", "longer than 1,000,000"),
    "batch-fill": ("{{ [1]|batch(10**10, 0)|list|length }}", "larger than 10,000"),
}


@pytest.mark.parametrize("body, words", RUNAWAY.values(), ids=RUNAWAY.keys())
def test_a_runaway_template_stops_with_a_message(sites, body, words):
    site = sites.make()
    override(site, body)
    code, output = run("build", sites.root)
    assert code == 1 and f"{OVERRIDE}:3:1:" in output and words in output, output
    assert "Traceback" not in output
    assert not (sites.root / "public" / "demo").exists()


#: Runs ``storefront check`` and reports the peak memory of it (VmHWM: since its exec).
MEASURED = """
import re, sys
from storefront.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)
print(f"peak-kb={peak}", file=sys.stderr)
sys.exit(code)
"""
MEMORY_LIMIT_KB = 400 * 1024
BIG = "{% set big = '😀' * 1000000 %}"

COSTLY = {
    "filter-in-a-loop": (
        "{% set big = 'a' * 1000000 %}{% for i in range(1000) %}{% for j in range(100) %}"
        "{% set x = big|upper %}{% endfor %}{% endfor %}",
        "too much work",
    ),
    "method-in-a-loop": (
        "{% set big = 'a' * 300000 %}{% for i in range(100000) %}{{ big.upper()|length }}{% endfor %}",
        "too much work",
    ),
    "slow-search-in-a-loop": (
        "{% set big = 'a' * 1000000 %}{% for i in range(100000) %}{% for j in range(9) %}"
        "{% if 'zz' in big %}{% endif %}{% endfor %}{% endfor %}",
        "takes too long to render (more than 5 seconds",
    ),
    "wordwrap": ("{{ ('a' * 1000000)|wordwrap(1)|length }}", "the filter 'wordwrap' takes texts"),
    "urlize": ("{% set b = 'a ' * 500000 %}{{ b|urlize }}", "the filter 'urlize' takes texts"),
    "title": ("{{ ('a ' * 499999)|title }}", "the filter 'title' takes texts"),
    "join-of-copies": (BIG + "{{ ([big] * 300)|join|length }}", "longer than 1,000,000"),
    "join-of-a-generator": (
        "{% set b = '😀' * 100000 %}{{ ([b] * 300)|map('string')|join|length }}",
        "longer than 1,000,000",
    ),
    "indent": ("{{ ('a\\n' * 50000)|indent(10000, true)|length }}", "longer than 1,000,000"),
    "tojson-indent": ("{{ range(100000)|list|tojson(10000)|length }}", "longer than 1,000,000"),
    "format-filter": ("{{ ('%s' * 10)|format(*(['a' * 200000] * 10))|length }}", "longer than 1,000,000"),
    "format-method": (BIG + "{{ '{0}{0}{0}{0}{0}{0}'.format(big)|length }}", "longer than 1,000,000"),
    "percent": (BIG + "{{ (('%s' * 10) % ((big,) * 10))|length }}", "longer than 1,000,000"),
    "set-block": (
        BIG + "{% set x %}{% for i in range(400) %}{{ big }}{% endfor %}{% endset %}",
        "writes more than 10 MB",
    ),
    "set-block-of-literal-text": (
        "{% set x %}{% for i in range(100000) %}{% for j in range(9) %}"
        "LITERALLITERALLITERALLITERAL{% endfor %}{% endfor %}{% endset %}{{ x|length }}",
        "writes more than 10 MB",
    ),
    "caller-buffer": (
        BIG + "{% macro m() %}{{ caller()|length }}{% endmacro %}{% call m() %}"
        "{% for i in range(300) %}{{ big }}{% endfor %}{% endcall %}",
        "writes more than 10 MB",
    ),
    "filter-block": (
        BIG + "{% filter length %}{% for i in range(300) %}{{ big }}{% endfor %}{% endfilter %}",
        "writes more than 10 MB",
    ),
    "printed-list": (BIG + "{{ [big] * 300 }}", "longer than 1,000,000"),
    "printed-namespace": (BIG + "{{ namespace(a=[big] * 300) }}", "longer than 1,000,000"),
    "list-joined-with-tilde": (BIG + "{{ ([big] * 300) ~ '' }}", "longer than 1,000,000"),
    "list-as-string": (BIG + "{{ ([big] * 300)|string|length }}", "longer than 1,000,000"),
    "list-upper": (BIG + "{{ ([big] * 300)|upper|length }}", "longer than 1,000,000"),
    "kept-lists-of-characters": (
        "{% set b = '😀' * 300000 %}{% set ns = namespace(l=[]) %}{% for i in range(10**5) %}"
        "{% set ns.l = ns.l + [b|list] %}{% endfor %}",
        "too much work",
    ),
    "kept-texts": (
        "{% set b = '😀' * 300000 %}{% set ns = namespace(l=[]) %}{% for i in range(10**5) %}"
        "{% set ns.l = ns.l + [b ~ b ~ b] %}{% endfor %}",
        "too much work",
    ),
    "kept-method-results": (
        "{% set b = '😀' * 300000 %}{% set ns = namespace(l=[]) %}{% for i in range(10**5) %}"
        "{% set ns.l = ns.l + [b.upper()] %}{% endfor %}",
        "too much work",
    ),
}


@pytest.mark.parametrize("body, words", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_template_stops_in_time_and_memory(sites, body, words):
    site = sites.make()
    override(site, body)
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, "check"],
        cwd=sites.root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "XDG_CACHE_HOME": str(sites.root / ".c")},
    )
    printed = result.stdout + result.stderr
    assert result.returncode == 1 and f"{OVERRIDE}:3:1: not allowed: " in printed and words in printed, printed
    assert "Traceback" not in printed
    assert int(re.search(r"peak-kb=(\d+)", printed).group(1)) < MEMORY_LIMIT_KB, printed


def test_a_self_including_template_stops_with_a_message(sites):
    site = sites.make()
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("{% include '404.html' %}{% include '404.html' %}\n")
    code, output = run("check", sites.root)
    assert code == 1 and f"{OVERRIDE}:1:1: templates nest too deeply" in output, output


GOOD = '{% extends "theme/register.html" %}\n{% block intro %}<p id="version">VERSION</p>{% endblock %}\n'

HOSTILE_EDITS = {
    "escape-in-the-form": {
        "register.html": GOOD.replace("VERSION", "new{{ cycler.__init__.__globals__.os.system('touch MARKER') }}")
    },
    "escape-only-with-errors": {
        "register.html": GOOD.replace(
            "VERSION", "new{% if form.errors %}{{ joiner.__init__.__globals__.os.system('touch MARKER') }}{% endif %}"
        )
    },
    "escape-in-the-message-page": {
        "register.html": GOOD.replace("VERSION", "new"),
        "message.html": '{% extends "theme/message.html" %}\n'
        "{% block main %}{{ namespace.__init__.__globals__.os.system("
        "'touch MARKER') }}{% endblock %}\n",
    },
    "escape-in-the-404-page": {
        "register.html": GOOD.replace("VERSION", "new"),
        "404.html": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch MARKER') }}",
    },
    "runaway-loop": {
        "register.html": GOOD.replace(
            "VERSION", "new{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}"
        )
    },
    "link-outside": {"register.html": GOOD.replace("VERSION", "new"), "404.html": Path("/etc/passwd")},
}


@pytest.mark.parametrize("edit", HOSTILE_EDITS.values(), ids=HOSTILE_EDITS.keys())
def test_the_service_keeps_the_last_good_templates(make_api, smtp, sites_dir, tmp_path, edit):
    templates = sites_dir / "oblako-plus" / "templates"
    templates.mkdir()
    (templates / "register.html").write_text(GOOD.replace("VERSION", "good"))
    api = make_api(smtp.url)
    marker = tmp_path / "pwned"
    for name, content in edit.items():
        if isinstance(content, Path):
            (templates / name).symlink_to(content)
        else:
            (templates / name).write_text(content.replace("MARKER", str(marker)))
    api.service.sites.reload()

    with api.client() as client:
        shown = client.post("/r/oblako-plus/trial", data=valid_form(email="not-an-address"))
        missing = client.post("/r/oblako-plus/no-such-page", data=valid_form())
    assert shown.status_code == 422 and '<p id="version">good</p>' in shown.text and 'name="email"' in shown.text
    assert missing.status_code == 404 and "root:" not in missing.text
    assert not marker.exists(), "the service ran the partner's command"
    assert api.subscribers() == []


def _register_override(sites_dir: Path, body: str) -> None:
    """oblako-plus's register.html: the theme's form with ``body`` in its intro."""
    templates = sites_dir / "oblako-plus" / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "register.html").write_text(GOOD.replace("VERSION", "partner" + body), encoding="utf-8")


def _is_theme_form(response, name: str) -> bool:
    """The registration form shown again from the theme's own template, with what was typed."""
    text = response.text
    return (
        response.status_code == 422
        and f'value="{name}"' in text
        and 'id="sf-email-error"' in text
        and '<p id="version">' not in text
    )


SLOW_FOR_ONE_NAME = (
    "{% if form['values'].name == 'slow' %}{% set big = 'a' * 1000000 %}"
    "{% for i in range(100000) %}{% for j in range(9) %}{% if 'zz' in big %}{% endif %}{% endfor %}"
    "{% endfor %}{% endif %}"
)


def test_a_slow_partner_page_holds_up_no_other_partner(make_api, smtp, sites_dir, caplog):
    _register_override(sites_dir, SLOW_FOR_ONE_NAME)
    api = make_api(smtp.url)
    done: dict[str, float] = {}
    answers = {}

    def post_slow() -> None:
        with api.client() as client:
            answers["slow"] = client.post("/r/oblako-plus/trial", data=valid_form(name="slow", email="bad"))
        done["slow"] = time.monotonic()

    with caplog.at_level(logging.ERROR, logger="registration_api"):
        slow = threading.Thread(target=post_slow)
        slow.start()
        time.sleep(0.5)  # the slow page is being rendered
        with api.client() as client:
            answers["other"] = client.post("/r/buhcentr/trial", data=valid_form(email="boris@client.example"))
            answers["health"] = client.get("/healthz")
        done["other"] = time.monotonic()
        slow.join(timeout=60)

    assert answers["other"].status_code == 303 and answers["health"].status_code == 200
    assert done["other"] < done["slow"], "the other partner's sign-up waited for the slow page"
    assert _is_theme_form(answers["slow"], "slow"), answers["slow"].text[:500]
    assert any("oblako-plus" in r.getMessage() and "register.html" in r.getMessage() for r in caplog.records)
    assert [s.site_id for s in api.subscribers()] == ["buhcentr"]


def test_many_slow_pages_of_one_partner_take_only_a_few_threads(make_api, smtp, sites_dir, caplog):
    _register_override(sites_dir, SLOW_FOR_ONE_NAME)
    api = make_api(smtp.url)
    answers = []  # each with the number of the slow pages' failures reported before it came

    def post_slow() -> None:
        with api.client() as client:
            answer = client.post("/r/oblako-plus/trial", data=valid_form(name="slow", email="bad"))
        answers.append((answer, len([r for r in caplog.records if "oblako-plus" in r.getMessage()])))

    posts = [threading.Thread(target=post_slow) for _ in range(PARTNER_RENDERS + 2)]
    with caplog.at_level(logging.ERROR, logger="registration_api"):
        for post in posts:
            post.start()
        for post in posts:
            post.join(timeout=60)
    assert len(answers) == len(posts) and all(_is_theme_form(answer, "slow") for answer, _ in answers)
    assert [reported for _, reported in answers].count(0) >= 2, "the pages past the limit waited for the slow ones"


FAILS_FOR_ONE_NAME = {
    "division-by-zero": "{% if form['values'].name == 'boom' %}{{ 1 / 0 }}{% endif %}",
    "undefined": "{% if form['values'].name == 'boom' %}{{ form['values'].nosuch.x }}{% endif %}",
    "escape": "{% if form['values'].name == 'boom' %}{{ cycler.__init__.__globals__.os }}{% endif %}",
    "runaway-loop": "{% if form['values'].name == 'boom' %}{% for i in range(10**5) %}{% for j in range(10**5) %}"
    "{% endfor %}{% endfor %}{% endif %}",
    "huge-output": "{% if form['values'].name == 'boom' %}{% for i in range(1000) %}{{ 'x' * 999999 }}{% endfor %}"
    "{% endif %}",
    "input-made-huge": "{{ (form['values'].name * 100000)|wordwrap(1) if form['values'].name == 'boom' }}",
    "captured-output": "{% if form['values'].name == 'boom' %}{% set x %}{% for i in range(400) %}{{ 'ж' * 999999 }}"
    "{% endfor %}{% endset %}{% endif %}",
}


@pytest.mark.parametrize("body", FAILS_FOR_ONE_NAME.values(), ids=FAILS_FOR_ONE_NAME.keys())
def test_a_partner_page_failing_for_a_visitor_is_shown_from_the_theme(make_api, smtp, sites_dir, caplog, body):
    _register_override(sites_dir, body)
    api = make_api(smtp.url)
    with caplog.at_level(logging.ERROR, logger="registration_api"), api.client() as client:
        failing = client.post("/r/oblako-plus/trial", data=valid_form(name="boom", email="bad"))
        again = client.post("/r/oblako-plus/trial", data=valid_form(name="boom", email="bad"))
        ordinary = client.post("/r/oblako-plus/trial", data=valid_form(name="Анна", email="bad"))
    assert _is_theme_form(failing, "boom") and _is_theme_form(again, "boom"), failing.text[:500]
    assert ordinary.status_code == 422 and '<p id="version">partner' in ordinary.text
    reports = [r.getMessage() for r in caplog.records if "oblako-plus" in r.getMessage()]
    assert len(reports) == 1 and "templates/register.html" in reports[0], reports
    assert api.subscribers() == []


def test_an_unknown_page_is_checked_for_origin_and_rate_before_it_is_rendered(make_api, smtp):
    api = make_api(smtp.url, rate_limit_per_minute=2)
    with api.client() as client:
        foreign = client.post(
            "/r/oblako-plus/no-such-page", data=valid_form(), headers={"Origin": "https://evil.example"}
        )
        answers = [client.post("/r/oblako-plus/no-such-page", data=valid_form()).status_code for _ in range(4)]
    assert foreign.status_code == 403
    assert answers == [404, 404, 429, 429]
