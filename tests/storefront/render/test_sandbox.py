"""The partner sandbox renders what ordinary templates do exactly as Jinja does, and stops
runaway work with a message."""

from __future__ import annotations

import jinja2
import pytest

from storefront.render.sandbox import PartnerSandbox, Refused, bounded_output, budget

ORDINARY = [
    "{% for x in items %}{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for x in items %}{{ loop.index }}/{{ loop.length }} {{ loop.revindex }}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for x in items if x > 1 %}{{ x }}{% else %}none{% endfor %}",
    "{% for x in [] %}{{ x }}{% else %}none{% endfor %}",
    "{% for k, v in {'a': 1, 'b': 2}|dictsort %}{{ k }}={{ v }};{% endfor %}",
    "{% for x in [[1, [2]], [3]] recursive %}"
    "[{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}]{% endfor %}",
    "{% set ns = namespace(total=0) %}{% for x in items %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}",
    "{% macro card(t) %}<b>{{ t ~ '!' }}</b>{{ caller() if caller else '' }}{% endmacro %}{{ card('a') }}"
    "{% call card('b') %}inner{% endcall %}",
    "{% set s = 'ab' ~ items|join('-') %}{{ s }} {{ s|upper|center(12) }} {{ s|replace('-', '+') }}",
    "{{ '%5.2f|%-4s|%(x)s' % (3.14159, 'ab', ) if false else '%5.2f' % 3.14159 }} {{ '{:>6}|{}'.format('r', 2) }}",
    "{{ range(3)|list }} {{ range(10)|batch(4, 0)|list }} {{ items|slice(2)|list }} {{ 2 ** 10 }} {{ 'ab' * 3 }}",
    "{{ items|sum }} {{ items|map('string')|join }} {{ {'a': [1, 2]}|tojson(indent=2) }} {{ 'x\ny'|indent(4) }}",
    "{% set d = dict(a=1) %}{{ d.a }} {{ d['a'] }} {{ items[0] }} {{ items|first }} {{ cycler('a', 'b').next() }}",
    "{% set x %}a{{ items|length }}b{% endset %}{{ x }}{{ x|length }} {% filter upper %}ab{{ 'c' }}{% endfilter %}",
    "{% macro m(a) %}<{{ a }}{{ caller(a) }}>{% endmacro %}{% call(v) m(1) %}in{{ v }}{% endcall %}literal only",
    "{{ 'a long line of words'|wordwrap(6) }} {{ 'some words here'|truncate(9) }} {{ 'see example.com'|urlize }}",
    "{{ 'a b'|title }} {{ [{'n': 'x'}, {'n': 'y'}]|join(',', attribute='n') }} {{ '%s-%d'|format('a', 3) }}",
    "{{ items }} {{ {'k': items} }} {{ items ~ '!' }} {{ items|string }} {{ items|sort|reverse|list }} "
    "{{ items|select('odd')|list }} {{ 3 is divisibleby 3 }} {{ namespace(a=1) }}",
]


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_templates_render_as_in_plain_jinja(source):
    plain = jinja2.Environment(autoescape=True).from_string(source).render(items=[1, 2, 3])
    sandbox = PartnerSandbox(autoescape=True).from_string(source)
    with budget():
        assert bounded_output(sandbox.root_render_func(sandbox.new_context({"items": [1, 2, 3]}))) == plain


@pytest.mark.parametrize(
    "source, words",
    [
        ("{% for i in range(60) %}{% endfor %}", "too much work"),
        ("{% for i in [1] recursive %}{{ loop(range(60)) if loop.depth < 2 }}{% endfor %}", "too much work"),
        ("{% macro m() %}{% endmacro %}{% for i in range(10) %}{{ m() }}{% endfor %}", "too much work"),
        ("{{ items.append(4) }}", "may not change the site's data (append)"),
        ("{{ items.__class__ }}", "Python internals (__class__)"),
    ],
)
def test_a_small_budget_and_the_rules_are_enforced(source, words):
    template = PartnerSandbox(undefined=jinja2.StrictUndefined).from_string(source)
    with budget(50), pytest.raises(Refused, match=words.replace("(", r"\(").replace(")", r"\)")):
        bounded_output(template.root_render_func(template.new_context({"items": [1, 2, 3]})))


@pytest.mark.parametrize(
    "source, steps, words",
    [
        (
            "{% set big = 'a' * 100000 %}{% for i in range(20) %}{{ big|upper|length }}{% endfor %}",
            10_000,
            "too much work",
        ),
        (
            "{% set big = 'a' * 100000 %}{% for i in range(20) %}{{ big.upper()|length }}{% endfor %}",
            10_000,
            "too much work",
        ),
        (
            "{% set big = ['a'] * 100000 %}{% for i in range(20) %}{{ (big + big)|length }}{% endfor %}",
            10_000,
            "too much work",
        ),
        (
            "{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set ns.l = ns.l + [('ж' * 100000)|list] %}"
            "{% endfor %}",
            1_000_000,
            "too much work",
        ),
        (
            "{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set ns.l = ns.l + ['ж' * 999999 ~ 'x'] %}"
            "{% endfor %}",
            1_000_000,
            "too much work",
        ),
        ("{{ ('a' * 20001)|wordwrap(5) }}", 10_000, "the filter 'wordwrap' takes texts and lists of at most 20,000"),
        ("{{ ('a' * 300001)|striptags }}", 10_000, "the filter 'striptags' takes texts and lists of at most 300,000"),
        ("{{ (['a' * 1000] * 1001)|join }}", 10_000, "longer than 1,000,000"),
        (
            "{% set x %}{% for i in range(20) %}{{ 'x' * 999999 }}{% endfor %}{% endset %}",
            1_000_000,
            "writes more than",
        ),
        (
            "{% set x %}{% for i in range(20) %}{{ ['x' * 900000] }}{% endfor %}{% endset %}",
            1_000_000,
            "writes more than",
        ),
    ],
)
def test_filters_calls_and_captured_output_are_bounded(source, steps, words):
    template = PartnerSandbox().from_string(source)
    with budget(steps), pytest.raises(Refused, match=words):
        bounded_output(template.root_render_func(template.new_context()))


def test_a_page_past_its_deadline_is_refused():
    template = PartnerSandbox().from_string("{% for i in range(1000) %}{{ i }}{% endfor %}")
    with budget(seconds=0), pytest.raises(Refused, match="takes too long to render"):
        bounded_output(template.root_render_func(template.new_context()))


def test_output_past_the_page_limit_is_refused():
    template = PartnerSandbox().from_string("{% for i in range(100) %}{{ 'x' * 10 }}{% endfor %}")
    with budget(), pytest.raises(Refused, match="larger than"):
        bounded_output(template.root_render_func(template.new_context()), limit=500)
