"""Pure: a JSON (or JSONP) list API page → article links and the next page. No engine, no I/O.

Portals serve their lists as JSON, often wrapped for a script tag as JSONP
(``callback({...});``, ``jQuery1234_5678({...})``, ``var data = {...};``). :func:`loads`
reads either; :func:`api_links` finds the list of article-like objects (or follows
``json_items``), reads each object's URL, title, date, source, author and, when the API
carries it, the body (``json_fields`` maps a field to a dotted path); :func:`next_page`
finds the next page's URL from the answer (``next``/``next_url``/``next_page``) or
guesses it from the URL (``page=N``, ``p=N``, ``_N.json``). :func:`api_urls_in_scripts`
finds the list APIs a listing page's own scripts load (pages that show no article links
until a script fetches them).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

URL_KEYS = ("url", "link", "href", "article_url", "share_url", "docurl", "detail_url")
FIELD_KEYS = {
    "title": ("title", "headline", "name"),
    "date": ("published", "pubtime", "pub_time", "publish_time", "time", "date", "ctime", "datetime", "pubDate"),
    "source": ("source", "media", "media_name", "from"),
    "author": ("author", "writer", "reporter"),
    "body_html": ("content_html", "content", "body", "html"),
}
PAGE_PARAMS = ("page", "p", "pageNo", "page_no", "pn")

# callback( … ) with an optional trailing ; and comments, or var x = … ;
_JSONP = re.compile(r"^\s*(?:/\*.*?\*/\s*)?(?:[\w$.]+\s*&&\s*)?[\w$.\[\]'\"]+\s*\(\s*(?P<a>.*)\)\s*;?\s*$", re.S)
_ASSIGN = re.compile(r"^\s*(?:var|let|const)?\s*[\w$.]+\s*=\s*(?P<a>[\[{].*?)\s*;?\s*$", re.S)


def loads(text: str):
    """JSON, or the JSON inside a JSONP wrapper; raises ValueError when it is neither."""
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text)
    except ValueError:
        pass
    for pattern in (_JSONP, _ASSIGN):
        m = pattern.match(text)
        if m:
            return json.loads(m.group("a"))
    raise ValueError("neither JSON nor JSONP")


def dig(data, path: str | None):
    """The value at a dotted path (``data.list``, ``result.0.items``), or None."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def find_item_list(data) -> list:
    """The first list (breadth first) of dicts that look like articles: a URL-ish and a
    title-ish key among its first five objects."""
    stack = [data]
    while stack:
        cur = stack.pop(0)
        if isinstance(cur, list) and cur and all(isinstance(x, dict) for x in cur[:5]):
            keys = set().union(*(x.keys() for x in cur[:5]))
            if keys & set(URL_KEYS) and keys & set(FIELD_KEYS["title"]):
                return cur
        if isinstance(cur, dict):
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(x for x in cur if isinstance(x, (dict, list)))
    return []


def item_value(item: dict, field: str, json_fields=None):
    """One field of a JSON item: via ``json_fields[field]`` (a dotted path) or the usual keys."""
    mapped = (json_fields or {}).get(field)
    if mapped:
        return dig(item, mapped)
    keys = URL_KEYS if field == "url" else FIELD_KEYS.get(field, (field,))
    for k in keys:
        if item.get(k) not in (None, ""):
            return item[k]
    return None


def api_links(data, base_url: str, json_items: str | None = None, json_fields=None) -> list[dict] | None:
    """Link dicts (``url``, ``text``, ``date``, ``source``, ``author``, ``body_html``) of
    one API answer; None when ``json_items`` does not lead to a list. Epoch dates (10 or
    13 digits) become ISO UTC times."""
    items = dig(data, json_items) if json_items else find_item_list(data)
    if not isinstance(items, list):
        return None
    links = []
    for it in items:
        if not isinstance(it, dict):
            continue
        url = item_value(it, "url", json_fields)
        if not isinstance(url, str) or not url.strip():
            continue
        link = {"url": urljoin(base_url, url.strip())}
        for f in ("title", "date", "source", "author", "body_html"):
            v = item_value(it, f, json_fields)
            if v is not None and not isinstance(v, (dict, list)):
                link["text" if f == "title" else f] = str(v)
        if link.get("date") and re.fullmatch(r"\d{10}(\d{3})?", link["date"]):
            link["date"] = datetime.fromtimestamp(int(link["date"][:10]), timezone.utc).isoformat()
        links.append(link)
    return links


def next_page(data, url: str, page_no: int, json_items: str | None = None) -> tuple[str | None, bool]:
    """(URL of the next API page, guessed?): named by the answer (beside the items, or at
    the top, or one object down), else guessed from the URL."""
    if json_items and "." in json_items:
        places = [dig(data, json_items.rsplit(".", 1)[0])]
    else:
        places = [data, *(v for v in data.values() if isinstance(v, dict))] if isinstance(data, dict) else []
    for place in places:
        if not isinstance(place, dict):
            continue
        for key in ("next", "next_url", "next_page"):
            v = place.get(key)
            if isinstance(v, str) and v.strip():
                return urljoin(url, v.strip()), False
    return guess_next_page(url, page_no), True


def guess_next_page(url: str, page_no: int) -> str | None:
    """The URL of the next API page (``page=N``/``p=N`` query or ``_N.json`` path), or None."""
    parts = urlsplit(url)
    q = parse_qsl(parts.query, keep_blank_values=True)
    for i, (k, v) in enumerate(q):
        if k in PAGE_PARAMS and v.isdigit():
            q[i] = (k, str(int(v) + 1))
            return urlunsplit(parts._replace(query=urlencode(q)))
    m = re.search(r"_(\d+)(\.json)$", parts.path)
    if m:
        path = parts.path[: m.start()] + f"_{int(m.group(1)) + 1}" + m.group(2)
        return urlunsplit(parts._replace(path=path))
    return None


# a quoted URL or path inside a script: "https://…", '//…', "/api/…", "list.json?…"
_SCRIPT_URL = re.compile(r"""["'`]((?:https?:)?//[^"'`\s<>]{3,300}|/[^"'`\s<>]{2,300}|[\w./-]{1,200}\.jsonp?(?:\?[^"'`\s<>]{0,200})?)["'`]""")
_SCRIPT_BLOCK = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# what a list API's URL looks like when no hint names it
_API_LIKE = re.compile(r"(?:\.jsonp?(?:$|\?)|[/_.?&=-](?:api|json|jsonp|list|getlist|newslist|articles?|data)(?:$|[/_.?&=-])|callback=)",
                       re.I)
_NOT_API = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|mp4|mp3|html?|shtml|php|aspx?)(?:$|\?)", re.I)


def api_urls_in_scripts(html: str, base_url: str, hint: str | None = None, limit: int = 3) -> list[str]:
    """List API URLs (JSON or JSONP) that a page's inline scripts name, same host only.

    With ``hint`` (a regex, the source's ``json_api``) every quoted URL matching it counts;
    without, a URL counts when it looks like an API (``.json``, ``/api/``, ``list``,
    ``callback=`` …) and not like a page, script, style or image. Script templates with
    placeholders (``{page}``, ``" + p + "``) are left out. At most ``limit``, in page order.
    """
    host = urlsplit(base_url).hostname
    pattern = re.compile(hint) if hint else None
    out: list[str] = []
    for attrs, code in _SCRIPT_BLOCK.findall(html or ""):
        if "src=" in attrs.lower() and not code.strip():
            continue
        for m in _SCRIPT_URL.finditer(code):
            raw = m.group(1)
            after, before = code[m.end():m.end() + 40].lstrip(), code[max(0, m.start() - 40):m.start()].rstrip()
            if any(c in raw for c in "{}+$") or after.startswith("+") or before.endswith("+"):
                continue   # a template: the URL is assembled at run time
            url = urljoin(base_url, raw)
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname != host or url in out:
                continue
            if pattern is not None:
                if not pattern.search(url):
                    continue
            elif _NOT_API.search(parts.path) or not _API_LIKE.search(parts.path + ("?" + parts.query if parts.query else "")):
                continue
            out.append(url)
            if len(out) >= limit:
                return out
    return out
