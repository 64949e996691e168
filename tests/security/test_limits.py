"""How much a partner may declare: news files, list lengths in site.yaml, addresses to notify,
files in its folder. Each cap is far above what a real partner writes; past it the partner
gets a positioned message, nothing is published, and no work grows with the excess."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import assert_refused, storefront

NEWS = "---\ntitle: Новость {i}\ndate: 2026-01-15\nsummary: Кратко\n---\n\nТекст.\n"


def test_more_than_2000_news_files_are_refused_before_any_is_read(sites):
    folder = sites.make()
    for i in range(2001):
        (folder / "news" / f"item-{i}.md").write_text(NEWS.format(i=i), encoding="utf-8")
    (folder / "news" / "item-7.md").write_text("not a news file at all", encoding="utf-8")
    result = storefront("build", "demo")
    assert_refused(
        result,
        r"sites/demo/news:1:1: 2,002 news files; a site may have at most 2,000: delete or merge",
        unpublished=Path("public/demo"),
    )
    assert "item-7.md" not in result.stderr


def _items(count: int, line: str) -> str:
    return "".join(line.format(i=i) for i in range(count))


ADDRESS = "    - sales{i}@demo.example\n"
LISTS = [
    ("partner.notify", 10, "  notify:\n", _items(10, ADDRESS)),
    ("site.origins", 20, "  locale: ru\n", "  origins:\n" + _items(21, '    - "https://o{i}.example/"\n')),
    ("landing.benefits", 50, "  benefits:\n", _items(48, '    - {{title: "Б{i}", text: "Т"}}\n')),
    ("applications", 100, "applications:\n", _items(99, "  - bp\n")),
    ('tariffs "Бизнес".features', 50, '      - "Полный доступ к материалам ИТС"\n', _items(49, '      - "Ф{i}"\n')),
    ('tariffs "Бизнес".extras', 50, "    extras:\n", _items(50, '      - {{name: "Д{i}", price: 1}}\n')),
    ("faq", 200, "faq:\n", _items(200, '  - {{question: "В{i}?", answer: "О"}}\n')),
    ("registration", 50, "registration:\n", _items(50, "  - {{id: page-{i}, title: Т, tariff: business}}\n")),
    (
        "tariffs",
        50,
        "tariffs:\n",
        _items(49, "  - {{id: t-{i}, name: Т, based_on: base, price: 1, sessions: 1, bases: 1}}\n"),
    ),
]


@pytest.mark.parametrize(("field", "limit", "after", "extra"), LISTS, ids=[item[0] for item in LISTS])
def test_a_list_longer_than_any_real_partner_needs_is_refused_at_its_key(sites, field, limit, after, extra):
    sites.make(replace={after: after + extra})
    result = storefront("check", "demo")
    assert_refused(
        result,
        rf"sites/demo/site\.yaml:\d+:\d+: {re.escape(field)}: "
        rf"at most {limit} items are allowed here \(now {limit + 1}\)",
    )


@pytest.mark.parametrize(
    "notify",
    [
        ["sales@demo.example", "sales@demo.example"],
        ["sales@demo.example", "SALES@demo.example"],
        ["a@demo.example", "b@demo.example", "a@demo.example"],
    ],
)
def test_an_address_to_notify_may_be_listed_only_once(sites, notify):
    addresses = "".join(f"    - {address}\n" for address in notify)
    sites.make(replace={"  notify:\n    - sales@demo.example\n": f"  notify:\n{addresses}"})
    result = storefront("check", "demo")
    assert_refused(result, r"sites/demo/site\.yaml:\d+:\d+: partner\.notify: '[^']+' is listed twice")


def test_the_list_caps_leave_room_for_a_real_site(sites):
    sites.make(
        replace={
            "  notify:\n": "  notify:\n" + _items(9, ADDRESS),
            "faq:\n": "faq:\n" + _items(199, '  - {{question: "В{i}?", answer: "О"}}\n'),
        }
    )
    result = storefront("check", "demo")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("layout", ["flat", "nested"])
def test_a_site_folder_with_too_many_files_fails_alone_in_the_service(sites, layout):
    from registration_api.domain.partner_sites import MAX_SITE_FILES, PartnerSites

    sites.make()
    crowded = sites.make("crowded")
    for i in range(MAX_SITE_FILES + 1):
        folder = crowded / "junk" if layout == "flat" else crowded / "junk" / f"d{i % 50}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}").touch()
    registry = PartnerSites(sites.sites)
    messages = registry.reload()
    assert registry.ids() == ["demo"]
    assert messages == [
        (
            f"sites/crowded:1:1: more than {MAX_SITE_FILES:,} files and folders in this folder; "
            "keep only the site's own files (site.yaml, news, images, templates) in it"
        )
    ]
    assert registry.reload() == messages and registry.ids() == ["demo"]
