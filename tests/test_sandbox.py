"""The partner sandbox renders what ordinary templates do exactly as Jinja does, and stops
runaway work with a message."""
from __future__ import annotations

import jinja2
import pytest

from storefront.sandbox import PartnerSandbox, Refused, bounded_output, budget

ORDINARY = [
    "{% for x in items %}{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for x in items %}{{ loop.index }}/{{ loop.length }} {{ loop.revindex }}{{ loop.cycle('a', 'b') }}{% endfor %}",
    "{% for x in items if x > 1 %}{{ x }}{% else %}none{% endfor %}",
    "{% for x in [] %}{{ x }}{% else %}none{% endfor %}",
    "{% for k, v in {'a': 1, 'b': 2}|dictsort %}{{ k }}={{ v }};{% endfor %}",
    "{% for x in [[1, [2]], [3]] recursive %}[{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}]{% endfor %}",
    "{% set ns = namespace(total=0) %}{% for x in items %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}",
    "{% macro card(t) %}<b>{{ t ~ '!' }}</b>{{ caller() if caller else '' }}{% endmacro %}{{ card('a') }}"
    "{% call card('b') %}inner{% endcall %}",
    "{% set s = 'ab' ~ items|join('-') %}{{ s }} {{ s|upper|center(12) }} {{ s|replace('-', '+') }}",
    "{{ '%5.2f|%-4s|%(x)s' % (3.14159, 'ab', ) if false else '%5.2f' % 3.14159 }} {{ '{:>6}|{}'.format('r', 2) }}",
    "{{ range(3)|list }} {{ range(10)|batch(4, 0)|list }} {{ items|slice(2)|list }} {{ 2 ** 10 }} {{ 'ab' * 3 }}",
    "{{ items|sum }} {{ items|map('string')|join }} {{ {'a': [1, 2]}|tojson(indent=2) }} {{ 'x\ny'|indent(4) }}",
    "{% set d = dict(a=1) %}{{ d.a }} {{ d['a'] }} {{ items[0] }} {{ items|first }} {{ cycler('a', 'b').next() }}",
]


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_templates_render_as_in_plain_jinja(source):
    plain = jinja2.Environment(autoescape=True).from_string(source).render(items=[1, 2, 3])
    sandbox = PartnerSandbox(autoescape=True).from_string(source)
    with budget():
        assert bounded_output(sandbox.root_render_func(sandbox.new_context({"items": [1, 2, 3]}))) == plain


@pytest.mark.parametrize("source, words", [
    ("{% for i in range(60) %}{% endfor %}", "too much work"),
    ("{% for i in [1] recursive %}{{ loop(range(60)) if loop.depth < 2 }}{% endfor %}", "too much work"),
    ("{% macro m() %}{% endmacro %}{% for i in range(10) %}{{ m() }}{% endfor %}", "too much work"),
    ("{{ items.append(4) }}", "may not change the site's data (append)"),
    ("{{ items.__class__ }}", "Python internals (__class__)"),
])
def test_a_small_budget_and_the_rules_are_enforced(source, words):
    template = PartnerSandbox(undefined=jinja2.StrictUndefined).from_string(source)
    with budget(50), pytest.raises(Refused, match=words.replace("(", r"\(").replace(")", r"\)")):
        bounded_output(template.root_render_func(template.new_context({"items": [1, 2, 3]})))


def test_output_past_the_page_limit_is_refused():
    template = PartnerSandbox().from_string("{% for i in range(100) %}{{ 'x' * 10 }}{% endfor %}")
    with budget(), pytest.raises(Refused, match="larger than"):
        bounded_output(template.root_render_func(template.new_context()), limit=500)
