"""Writes the same seeded content three ways: storefront sites, Hugo sites, Pelican sites.

    python bench/corpus.py many-sites  OUT   # 200 partner sites, 20 news items each
    python bench/corpus.py news-heavy  OUT   # 1 site, 1,000 news items of 300-600 words

Layout: OUT/storefront/sites/<id>/, OUT/hugo/<id>/, OUT/pelican/<id>/. Every site has the
landing page, tariffs, the applications list and a page per application, FAQ, contacts,
news list pages (10 per page), a page per news item, sitemap.xml and an Atom feed.
The same seed always gives the same bytes.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

PEERS = Path(__file__).parent / "peers"
WORDS = [
    "облако",
    "бухгалтерия",
    "отчётность",
    "сеанс",
    "тариф",
    "программа",
    "база",
    "данные",
    "клиент",
    "партнёр",
    "поддержка",
    "обновление",
    "налог",
    "зарплата",
    "касса",
    "склад",
    "продажи",
    "перенос",
    "настройка",
    "резервная",
    "копия",
    "интернет",
    "браузер",
    "организация",
    "предприниматель",
    "декларация",
    "сотрудник",
    "договор",
    "оплата",
    "подписка",
    "доступ",
    "безопасность",
    "сервер",
]
APPS = ["bp", "ip", "unf", "zup", "kassa", "kamin", "bp-spec"]
SCENARIOS = {"many-sites": (200, 20, (120, 250)), "news-heavy": (1, 1000, (300, 600))}


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraphs(rng: random.Random, words: int) -> list[str]:
    out, left = [], words
    while left > 0:
        size = min(left, rng.randint(40, 90))
        out.append(" ".join(sentence(rng, rng.randint(6, 14)) for _ in range(max(1, size // 10))))
        left -= size
    return out


def site_content(rng: random.Random, index: int, news_count: int, words: tuple[int, int]) -> dict:
    site_id = f"partner-{index:03d}"
    apps = sorted(rng.sample(APPS, 5))
    tariffs = [
        {
            "id": f"t{i}",
            "name": f"Тариф {i}",
            "based_on": ("base", "prof", "spec")[i % 3],
            "price": rng.randrange(900, 5000, 10),
            "sessions": rng.randint(1, 10),
            "bases": rng.choice([1, 2, 5, "unlimited"]),
            "features": [sentence(rng, 5) for _ in range(4)],
            "recommended": i == 1,
        }
        for i in range(3)
    ]
    faq = [
        {"question": sentence(rng, 7)[:-1] + "?", "answer": " ".join(sentence(rng, 12) for _ in range(3))}
        for _ in range(8)
    ]
    news = []
    for n in range(news_count):
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        year = 2020 + n // (28 * 12)
        body = paragraphs(rng, rng.randint(*words))
        news.append(
            {
                "slug": f"news-{n:04d}",
                "title": sentence(rng, 6)[:-1],
                "date": f"{year}-{month:02d}-{day:02d}",
                "summary": sentence(rng, 12),
                "body": body,
            }
        )
    return {"id": site_id, "name": f"Партнёр {index}", "apps": apps, "tariffs": tariffs, "faq": faq, "news": news}


def write_storefront(root: Path, site: dict) -> None:
    folder = root / "storefront" / "sites" / site["id"]
    (folder / "news").mkdir(parents=True)
    config = {
        "partner": {
            "name": site["name"],
            "legal_name": f"ООО «{site['name']}»",
            "phone": "+7 (495) 000-00-00",
            "email": f"info@{site['id']}.example",
            "address": "г. Москва",
            "hours": "Пн–Пт 9–18",
            "privacy_policy": f"https://{site['id']}.example/privacy/",
            "notify": [f"sales@{site['id']}.example"],
        },
        "site": {
            "base_url": f"https://{site['id']}.example/",
            "theme": "minimal",
            "seo": {"title": site["name"], "description": f"{site['name']}: 1С в облаке"},
        },
        "landing": {
            "headline": f"{site['name']}: 1С в облаке",
            "subheadline": "Работайте из любого места",
            "benefits": [{"title": f"Преимущество {i}", "text": "Описание преимущества."} for i in range(4)],
            "cta": {"text": "Попробовать"},
        },
        "applications": site["apps"],
        "tariffs": site["tariffs"],
        "faq": site["faq"],
        "registration": [{"id": "trial", "title": "Попробовать бесплатно", "tariff": "t1"}],
    }
    (folder / "site.yaml").write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    for item in site["news"]:
        front = (
            f'---\ntitle: "{item["title"]}"\ndate: {item["date"]}\n'
            f'summary: "{item["summary"]}"\nslug: {item["slug"]}\n---\n'
        )
        (folder / "news" / f"{item['slug']}.md").write_text(front + "\n\n".join(item["body"]) + "\n", encoding="utf-8")


def write_hugo(root: Path, site: dict) -> None:
    folder = root / "hugo" / site["id"]
    shutil.copytree(PEERS / "hugo", folder)
    (folder / "hugo.toml").write_text(
        (PEERS / "hugo" / "hugo.toml")
        .read_text()
        .replace("__BASE__", f"https://{site['id']}.example/")
        .replace("__TITLE__", site["name"]),
        encoding="utf-8",
    )
    (folder / "data").mkdir()
    (folder / "data" / "site.json").write_text(json.dumps(site | {"news": []}, ensure_ascii=False), encoding="utf-8")
    content = folder / "content"
    for section in ("news", "apps"):
        (content / section).mkdir(parents=True)
    (content / "_index.md").write_text(f'---\ntitle: "{site["name"]}"\n---\n', encoding="utf-8")
    for page in ("tariffs", "faq", "contacts"):
        (content / f"{page}.md").write_text(f'---\ntitle: "{page}"\nlayout: {page}\n---\n', encoding="utf-8")
    (content / "apps" / "_index.md").write_text('---\ntitle: "Программы"\n---\n', encoding="utf-8")
    for app in site["apps"]:
        (content / "apps" / f"{app}.md").write_text(
            f'---\ntitle: "{app}"\n---\nОписание программы {app}.\n', encoding="utf-8"
        )
    (content / "news" / "_index.md").write_text(
        '---\ntitle: "Новости"\noutputs: ["HTML", "Atom"]\n---\n', encoding="utf-8"
    )
    for item in site["news"]:
        front = (
            f'---\ntitle: "{item["title"]}"\ndate: {item["date"]}\nsummary: "{item["summary"]}"\n'
            f"slug: {item['slug']}\n---\n"
        )
        (content / "news" / f"{item['slug']}.md").write_text(front + "\n\n".join(item["body"]) + "\n", encoding="utf-8")


def write_pelican(root: Path, site: dict) -> None:
    folder = root / "pelican" / site["id"]
    (folder / "content" / "news").mkdir(parents=True)
    (folder / "content" / "pages").mkdir()
    settings = (PEERS / "pelican" / "pelicanconf.py").read_text()
    (folder / "pelicanconf.py").write_text(
        settings.replace("__BASE__", f"https://{site['id']}.example")
        .replace("__TITLE__", site["name"])
        .replace("__DATA__", repr(site | {"news": []}))
        .replace("__THEME__", str((PEERS / "pelican" / "theme").resolve())),
        encoding="utf-8",
    )
    pages = folder / "content" / "pages"
    (pages / "landing.md").write_text(
        f"Title: {site['name']}\nSlug: landing\nSave_as: index.html\nTemplate: landing\n\n", encoding="utf-8"
    )
    for page in ("tariffs", "faq", "contacts"):
        (pages / f"{page}.md").write_text(f"Title: {page}\nSlug: {page}\nTemplate: {page}\n\n", encoding="utf-8")
    (pages / "apps.md").write_text("Title: Программы\nSlug: apps\nTemplate: apps\n\n", encoding="utf-8")
    for app in site["apps"]:
        (pages / f"app-{app}.md").write_text(
            f"Title: {app}\nSlug: apps/{app}\n\nОписание программы {app}.\n", encoding="utf-8"
        )
    for item in site["news"]:
        header = f"Title: {item['title']}\nDate: {item['date']}\nSlug: {item['slug']}\nSummary: {item['summary']}\n\n"
        (folder / "content" / "news" / f"{item['slug']}.md").write_text(
            header + "\n\n".join(item["body"]) + "\n", encoding="utf-8"
        )


def generate(scenario: str, out: Path, seed: int = 2026) -> None:
    count, news, words = SCENARIOS[scenario]
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for index in range(count):
        site = site_content(rng, index, news, words)
        write_storefront(out, site)
        write_hugo(out, site)
        write_pelican(out, site)
    (out / "scenario.json").write_text(
        json.dumps({"scenario": scenario, "sites": count, "news_per_site": news, "seed": seed})
    )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        sys.exit(f"usage: python bench/corpus.py {{{'|'.join(SCENARIOS)}}} OUT")
    generate(sys.argv[1], Path(sys.argv[2]))
