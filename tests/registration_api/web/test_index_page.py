"""``GET /``, in-process: the service's own address says what it is and where each storefront
it serves and each registration page are, never "Not Found"."""

from __future__ import annotations

from lxml import html


def test_the_root_page_lists_every_storefront_with_its_addresses(in_process_api):
    answer = in_process_api.http.get("/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = html.fromstring(answer.text)
    assert page.get("lang") == "ru"
    assert page.findtext(".//h1") == "Сервис регистрации"
    text = page.text_content()
    assert "Облако Плюс" in text and "БухЦентр Север" in text
    links = {a.get("href") for a in page.iter("a")}
    assert {"https://oblako-plus.example/", "https://buhcentr-sever.example/cloud/"} <= links
    assert "https://oblako-plus.example/register/kassa/" in links
    assert "https://buhcentr-sever.example/cloud/register/buh-spec/" in links
    assert "Регистрация «1С:Касса — 14 дней бесплатно»" in text
    assert {"/healthz", "/openapi.json"} <= links


def test_a_script_gets_the_same_as_data(in_process_api):
    answer = in_process_api.http.get("/", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    data = answer.json()
    sites = {site["id"]: site for site in data["sites"]}
    assert set(sites) == {"oblako-plus", "buhcentr"} and data["failed"] == 0
    assert sites["buhcentr"]["url"] == "https://buhcentr-sever.example/cloud/"
    assert "https://buhcentr-sever.example/cloud/register/trial/" in sites["buhcentr"]["registration"]


def test_a_partners_words_are_text_on_the_page_and_a_broken_site_is_counted(make_in_process_api, sites_dir):
    yaml_path = sites_dir / "oblako-plus" / "site.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8")
        .replace("name: Облако Плюс", 'name: "<b>{url}</b> Плюс"', 1)
        .replace("title: 1С:Касса — 14 дней бесплатно", 'title: "<i>{url}</i> касса"', 1),
        encoding="utf-8",
    )
    (sites_dir / "buhcentr" / "site.yaml").write_text("site: [unclosed", encoding="utf-8")
    service = make_in_process_api()
    answer = service.http.get("/")
    page = html.fromstring(answer.text)
    text = page.text_content()
    assert "<b>{url}</b> Плюс" in text, "shown as the partner typed it"
    assert "Регистрация «<i>{url}</i> касса»: https://oblako-plus.example/register/kassa/" in text
    assert page.find(".//b") is None and page.find(".//i") is None, "not as markup"
    assert "1 витрина не загрузилась" in text
    assert "buhcentr-sever.example" not in answer.text
