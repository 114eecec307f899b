"""Pure: RSS 2.0 / Atom feeds and (news) sitemaps → article links. No engine, no I/O.

:func:`feed_links` reads the items of a feed; :func:`read_sitemap` a ``<urlset>`` (with
``news:publication_date``/``lastmod``/``news:title``) or a ``<sitemapindex>``, gzipped or
not. Both take the raw bytes (XML declares its own encoding) and return links as dicts
``{"url", "text", "date", "author"}`` — the shape ``SourceSpider.follow_links`` takes.
Parsing is lenient (``recover``), never resolves entities and never touches the network.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
#: a gzipped sitemap is read up to this many bytes (a zip bomb stops here)
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def parse_xml(body: bytes):
    """Root element of a feed or sitemap (lenient, no entities, no network), or None."""
    from lxml import etree

    try:
        return etree.fromstring(body, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def _first(item, *names):
    for n in names:
        el = item.find(n)
        if el is not None:
            return el
    return None


def _text(el) -> str | None:
    return (el.text or "").strip() if el is not None else None


def feed_links(body: bytes, base_url: str, article_url: str | None = None) -> list[dict] | None:
    """Links of every ``<item>``/``<entry>`` of an RSS or Atom document; None when ``body``
    is not XML. The link is ``<link>`` (text or ``href``), else a ``guid``/``id`` that is
    a URL; the feed's date is the listing date; ``article_url`` (a regex) filters."""
    root = parse_xml(body)
    if root is None:
        return None
    links = []
    for item in root.iter("{*}item", "{*}entry"):
        link_el = _first(item, "link", f"{ATOM}link")
        href = None
        if link_el is not None:
            href = link_el.get("href") or (link_el.text or "").strip()
        if not href:
            guid = _first(item, "guid", f"{ATOM}id")
            if guid is not None and (guid.text or "").strip().startswith("http"):
                href = guid.text.strip()
        if not href:
            continue
        author_el = _first(item, "author", f"{ATOM}author", f"{DC}creator")
        author = None
        if author_el is not None:
            author = (author_el.findtext("{*}name") or author_el.text or "").strip()
        links.append({
            "url": urljoin(base_url, href),
            "text": _text(_first(item, "title", f"{ATOM}title")),
            "date": _text(_first(item, "pubDate", f"{DC}date", f"{ATOM}published", f"{ATOM}updated")),
            "author": author,
        })
    if article_url:
        links = [link for link in links if re.search(article_url, link["url"])]
    return links


@dataclass
class Sitemap:
    """A read sitemap: ``index`` (``children`` are sitemap URLs) or a ``urlset`` (``links``)."""

    index: bool
    children: list[str] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)


class SitemapTooLarge(ValueError):
    """A gzipped sitemap that expands past the size cap (a decompression bomb)."""


def read_sitemap(body: bytes, base_url: str, article_url: str | None = None,
                 max_bytes: int | None = None) -> Sitemap | None:
    """A sitemap or sitemap index (gzip allowed); None when it is not readable XML.

    A gzipped sitemap is expanded up to ``max_bytes`` (default :data:`MAX_SITEMAP_BYTES`);
    one that expands further raises :class:`SitemapTooLarge`."""
    if body[:2] == b"\x1f\x8b":
        cap = max_bytes or MAX_SITEMAP_BYTES
        try:
            with gzip.GzipFile(fileobj=_Bytes(body)) as fh:
                body = fh.read(cap + 1)
        except (OSError, EOFError):
            return None
        if len(body) > cap:
            raise SitemapTooLarge(f"sitemap expands past {cap} bytes")
    root = parse_xml(body)
    if root is None:
        return None
    if root.tag.rsplit("}", 1)[-1] == "sitemapindex":
        return Sitemap(True, children=[urljoin(base_url, loc.text.strip()) for loc in root.iter("{*}loc")
                                       if loc.text and loc.text.strip()])
    links = []
    for u in root.iter("{*}url"):
        loc = u.findtext("{*}loc")
        if not loc or not loc.strip():
            continue
        date = u.findtext(".//{*}publication_date") or u.findtext("{*}lastmod")
        links.append({"url": urljoin(base_url, loc.strip()), "date": date.strip() if date else None,
                      "text": u.findtext(".//{*}title")})
    if article_url:
        links = [link for link in links if re.search(article_url, link["url"])]
    return Sitemap(False, links=links)


def _Bytes(data: bytes):
    import io

    return io.BytesIO(data)
