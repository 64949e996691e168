"""Machine-read files of a site: sitemap.xml, the Atom feed of news, robots.txt.

Built with ElementTree rather than templates so they are always well-formed XML (and
without the characters XML cannot hold, should any have slipped past validation), and
dated from the content itself (never the clock) so that builds are reproducible.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from storefront.render.markdown_html import plain_text
from storefront.render.pages import Page
from storefront.site.characters import strip_forbidden
from storefront.site.loader import Site

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_SIZE = 20


def absolute(site: Site, url: str) -> str:
    return site.config.site.base_url + url


def sitemap(site: Site, pages: list[Page]) -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    dates = {f"news/{item.slug}/": item.date for item in site.news}
    for page in pages:
        if not page.in_sitemap:
            continue
        entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = absolute(site, page.url)
        if page.url in dates:
            ET.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = dates[page.url].isoformat()
    return _serialise(root)


def atom(site: Site, title: str) -> bytes:
    """An Atom 1.0 feed of the latest news, newest first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": site.locale})
    items = site.news[:FEED_SIZE]
    _text(feed, "id", absolute(site, "feed.xml"))
    _text(feed, "title", title)
    _text(feed, "updated", _timestamp(items[0].date if items else dt.date(2000, 1, 1)))
    ET.SubElement(
        feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml", "href": absolute(site, "feed.xml")}
    )
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": absolute(site, "news/")})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", site.config.partner.name)
    _text(author, "email", str(site.config.partner.email))
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = absolute(site, f"news/{item.slug}/")
        _text(entry, "id", url)
        _text(entry, "title", item.title)
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": url})
        _text(entry, "published", _timestamp(item.date))
        _text(entry, "updated", _timestamp(item.date))
        _text(entry, "summary", item.summary or plain_text(item.body)[:300])
        content = _text(entry, "content", str(item.body))
        content.set("type", "html")
    return _serialise(feed)


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(site, 'sitemap.xml')}\n".encode()


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    text = strip_forbidden(ET.tostring(root, encoding="unicode"))
    return f"<?xml version='1.0' encoding='utf-8'?>\n{text}\n".encode()
