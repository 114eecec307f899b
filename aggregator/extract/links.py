"""Link discovery on listing pages: which links are articles, which link is the next page.

Owns :func:`discover_links`. Without hints it finds the page's main list of article
links: anchors are grouped by the repeated sibling blocks they sit in (``li``, ``tr``,
``div`` cards ...), groups with the same structural signature are merged (lists split
into several ``<ul>``), and each group is scored by item count, link-text length, article
URL shapes (dated paths, numeric ids, ``.shtml``), dates printed next to the links and
page furniture (nav, footer, sidebars score low). Pagination: a ``下一页``/``>`` link,
else the numbered page after the current one, else a TRS ``createPageHTML`` script.
With a source's ``article_url`` regex or ``next_page`` selector those are used instead.
Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from aggregator.extract import patterns as pt
from aggregator.extract.dates import find_dates
from aggregator.project import DEFAULT_TZ_NAME

__all__ = ["discover_links", "Links", "LinkInfo"]

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_IGNORED = pt.IGNORED_TAGS
# Elements that can be the repeated "item" around an article link.
_ITEM_TAGS = frozenset({"li", "tr", "div", "dd", "dt", "p", "article", "section", "h2", "h3",
                        "h4", "span", "td", "table", "ul", "dl"})
_TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "mil"}


@dataclass(frozen=True)
class LinkInfo:
    """An article link on a listing page: absolute URL, link text, date printed next to it
    (ISO 8601 string in the source's zone, or None)."""

    url: str
    text: str
    date: str | None = None


@dataclass
class Links:
    """What a listing page links to: its article links (page order, no duplicates) and
    the next listing page (``next_pages[0]``; more only when a ``next_page`` selector
    matches several links)."""

    articles: list[LinkInfo] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)


def _collapse(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _root_of(page):
    root = getattr(page, "root", None)
    if root is None:
        root = getattr(getattr(page, "selector", None), "root", None)
    if root is None:
        raise TypeError("discover_links needs a parsel Selector or scrapy HtmlResponse")
    return root


@lru_cache(maxsize=1024)
def _site(host: str) -> str:
    """Registrable part of a host name (news.example.com.cn -> example.com.cn)."""
    host = host.lower().split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _clean_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


@lru_cache(maxsize=8192)
def _resolve(base: str, href: str) -> tuple[str, str, str, str] | None:
    """(clean absolute URL, netloc, path, path with ``?query``) of ``href`` on ``base``,
    or None when it is not an http(s) URL. Cached: listing pages of one site repeat
    their navigation links, and a crawl reads many listing pages of one base."""
    try:
        url = _clean_url(urljoin(base, href))
    except ValueError:
        return None
    if not url.startswith(("http://", "https://")):
        return None
    parts = urlsplit(url)
    return url, parts.netloc, parts.path, parts.path + ("?" + parts.query if parts.query else "")


def _is_zone(el, cache: dict) -> bool:
    """True when the element sits in navigation, footer, sidebar or similar furniture."""
    chain = []
    x = el
    result = False
    while x is not None:
        key = x
        if key in cache:
            result = cache[key]
            break
        chain.append(x)
        tag = x.tag if isinstance(x.tag, str) else ""
        if tag in ("nav", "footer", "aside", "header"):
            result = True
            break
        cls = (x.get("class") or "") + " " + (x.get("id") or "")
        if cls.strip() and pt.BOILERPLATE_HINTS.search(cls) and not pt.CONTENT_HINTS.search(cls):
            result = True
            break
        x = x.getparent()
    for c in chain:
        cache[c] = result
    return result


def _signature(el, depth: int = 3) -> str:
    parts = []
    x = el
    for _ in range(depth):
        if x is None or not isinstance(x.tag, str):
            break
        cls = (x.get("class") or "").split()
        parts.append(x.tag + ("." + cls[0] if cls else ""))
        x = x.getparent()
    return ">".join(reversed(parts))


class _Anchor:
    __slots__ = ("el", "url", "netloc", "path", "path_q", "text", "item", "group", "order")

    def __init__(self, el, resolved, text, order):
        self.el = el
        self.url, self.netloc, self.path, self.path_q = resolved
        self.text = text
        self.item = None
        self.group = None
        self.order = order


def _base_dir(base: str) -> str:
    """``base`` without its query, fragment and last path segment: what a relative
    reference with a path (or a network path, or an absolute URL) is resolved against,
    so the resolution cache is shared by the listing pages of one folder."""
    parts = urlsplit(base)
    path = parts.path
    cut = path.rfind("/")
    if cut >= 0:
        path = path[:cut + 1]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _anchors(root, base: str) -> list[_Anchor]:
    out = []
    try:
        base_dir = _base_dir(base)
    except ValueError:
        base_dir = base
    order = 0
    # anchors inside script/template-like containers are skipped: found once from the
    # containers (one pass) rather than by walking up from every anchor
    hidden = {a for box in root.iter(*_IGNORED) for a in box.iter("a")}
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
            continue
        if hidden and a in hidden:
            continue
        # only a query, params or empty reference needs the whole base
        resolved = _resolve(base if href[0] in "?;" else base_dir, href)
        if resolved is None:
            continue
        text = _collapse(a.text_content())
        title = _collapse(a.get("title"))
        if title and (len(title) > len(text) or text.endswith(("...", "…"))):
            text = title
        out.append(_Anchor(a, resolved, text, order))
        order += 1
    return out


def _item_of(a, child_tags: dict, min_repeat: int = 3) -> tuple[object, object] | tuple[None, None]:
    """(item, list) where item is the nearest ancestor-or-self of ``a`` that repeats
    (``min_repeat``+ siblings with the same tag, each holding a link) and list its parent."""
    x = a
    for _ in range(6):
        p = x.getparent()
        if p is None:
            break
        counts = child_tags.get(p)
        if counts is None:
            # only siblings that hold a link count as repeated items (a table row's
            # cells do not repeat a link, the rows of the table do)
            # (``c.iter("a")`` yields ``c`` itself when it is a link)
            counts = {}
            for c in p:
                tag = c.tag
                if isinstance(tag, str) and next(c.iter("a"), None) is not None:
                    counts[tag] = counts.get(tag, 0) + 1
            child_tags[p] = counts
        if counts.get(x.tag, 0) >= min_repeat and (x.tag in _ITEM_TAGS or (x.tag == "a" and min_repeat > 1)):
            return x, p
        x = p
    return None, None


def _item_date(item, anchor_text: str, tz, now) -> str | None:
    if item is None:
        return None
    text = _collapse(" ".join(item.itertext()))
    if len(text) > 400:
        return None
    rest = text.replace(anchor_text, " ", 1) if anchor_text else text
    found = find_dates(rest, tz, now) or find_dates(text, tz, now)
    if not found:
        return None
    return found[-1][0].isoformat()


def _score_group(anchors: list[_Anchor], zone_cache, page_site: str) -> float:
    texts = [a.text for a in anchors]
    n = len(anchors)
    if n == 0:
        return 0.0
    avg = sum(min(len(t), 40) for t in texts) / n
    shape = sum(1 for a in anchors if pt.ARTICLE_URL_SHAPES.search(a.path_q)) / n
    listing = sum(1 for a in anchors if pt.LISTING_URL_SHAPES.search(a.path)) / n
    foreign = sum(1 for a in anchors if _site(a.netloc) != page_site) / n
    more = sum(1 for t in texts if pt.MORE_LINK_TEXT.match(t) or len(t) < 4) / n
    score = n * (avg / 20.0) * (0.4 + shape) * (1.0 - 0.7 * listing) * (1.0 - foreign) * (1.0 - more)
    if _is_zone(anchors[0].el, zone_cache):
        score *= 0.25
    return score


def _hinted_articles(anchors, regex: str, tz, now, child_tags) -> list[LinkInfo]:
    rx = re.compile(regex)
    out, seen = [], set()
    for a in anchors:
        if not rx.search(a.url) or a.url in seen:
            continue
        seen.add(a.url)
        item, _ = _item_of(a.el, child_tags)
        if item is None:
            item = a.el.getparent()
        out.append(LinkInfo(a.url, a.text, _item_date(item, a.text, tz, now)))
    return out


def _generic_articles(anchors: list[_Anchor], page_url: str, tz, now, child_tags, min_repeat: int = 3) -> list[LinkInfo]:
    page_site = _site(urlsplit(page_url).netloc) if page_url else ""
    groups: dict[str, list[_Anchor]] = {}
    zone_cache: dict = {}
    signatures: dict = {}
    current = _clean_url(page_url) if page_url else ""
    for a in anchors:
        if a.url == current:
            continue
        item, lst = _item_of(a.el, child_tags, min_repeat)
        if item is None:
            continue
        a.item = item
        sig = signatures.get(lst)
        if sig is None:
            sig = signatures[lst] = _signature(lst)
        key = sig + "/" + item.tag
        a.group = key
        groups.setdefault(key, []).append(a)
    if not groups:
        return []
    # one link per item: the one with the longest text (title link, not the image/more link)
    scored = []
    for key, members in groups.items():
        per_item: dict = {}
        for a in members:
            k = a.item
            if k not in per_item or len(a.text) > len(per_item[k].text):
                per_item[k] = a
        chosen = sorted(per_item.values(), key=lambda a: a.order)
        scored.append((_score_group(chosen, zone_cache, page_site), key, chosen))
    scored.sort(key=lambda t: -t[0])
    best = scored[0][0]
    if best <= 0:
        return []
    out, seen = [], set()
    keep = [c for s, k, c in scored if s >= 0.5 * best and s > 1.0]
    chosen_all = sorted((a for group in keep for a in group), key=lambda a: a.order)
    for a in chosen_all:
        if a.url in seen:
            continue
        if pt.MORE_LINK_TEXT.match(a.text) or len(a.text) < 4:
            continue
        if page_site and _site(a.netloc) != page_site:
            continue
        path = a.path
        if pt.LISTING_URL_SHAPES.search(path) and not pt.ARTICLE_URL_SHAPES.search(path):
            if not re.search(r"\d{4,}", path):
                continue
        seen.add(a.url)
        out.append(LinkInfo(a.url, a.text, _item_date(a.item, a.text, tz, now)))
    return out


def _page_number_of(url: str) -> int | None:
    m = pt.PAGE_URL_NUMBER.search(urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else ""))
    if not m:
        return None
    for g in m.groups():
        if g:
            return int(g)
    return None


def _next_pages(root, anchors: list[_Anchor], page, source, page_url: str, base: str) -> list[str]:
    sel = getattr(source, "next_page", None) if source is not None else None
    current = _clean_url(page_url) if page_url else ""
    if sel:
        out = []
        sel = sel.strip()
        found = page.xpath(sel) if sel.startswith(("/", "(")) else page.css(sel)
        for s in found:
            node = s.root
            href = node if isinstance(node, str) else (node.get("href") if hasattr(node, "get") else None)
            if href and not href.strip().startswith(("javascript:", "#")):
                u = _clean_url(urljoin(base, href.strip()))
                if u != current and u not in out:
                    out.append(u)
        return out
    # 1. an explicit "next page" link
    for a in anchors:
        text = a.text
        title = _collapse(a.el.get("title"))
        cls = (a.el.get("class") or "") + " " + (a.el.get("id") or "")
        if (pt.NEXT_PAGE_TEXT.match(text) or (title and pt.NEXT_PAGE_TEXT.match(title))
                or (re.search(r"(?:^|[-_\s])next(?:$|[-_\s])", cls, re.I) and len(text) <= 6)):
            if a.url != current and not a.url.rstrip("/").endswith(urlsplit(current).netloc):
                return [a.url]
    # 2. numbered page links: the page after the current one
    numbered = []
    for a in anchors:
        if re.fullmatch(r"\[?\s*\d{1,4}\s*\]?", a.text):
            num = int(re.sub(r"\D", "", a.text))
            if _page_number_of(a.url) is not None or _same_stem(a.url, current):
                numbered.append((num, a.url))
    if numbered:
        cur = None
        for num, url in numbered:
            if url == current:
                cur = num
        if cur is None:
            cur_url_num = _page_number_of(current) if current else None
            if cur_url_num is None:
                cur = 1
            else:
                offsets = [num - _page_number_of(u) for num, u in numbered if _page_number_of(u) is not None]
                offset = Counter(offsets).most_common(1)[0][0] if offsets else 0
                cur = cur_url_num + offset
        later = sorted((num, url) for num, url in numbered if num > cur and url != current)
        if later:
            return [later[0][1]]
    # 3. TRS CMS pagers written by script: createPageHTML(total, current, "index", "html")
    for s in root.iter("script"):
        if s.text and "createPageHTML" in s.text:
            m = _TRS_PAGER.search(s.text)
            if m:
                total, cur, name, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
                if cur + 1 < total:
                    return [_clean_url(urljoin(base, f"{name}_{cur + 1}.{ext}"))]
    return []


def _same_stem(url: str, current: str) -> bool:
    if not current:
        return False
    a, b = urlsplit(url), urlsplit(current)
    if a.netloc != b.netloc:
        return False
    stem = re.sub(r"(?:_\d+)?\.\w+$|/$", "", a.path)
    cstem = re.sub(r"(?:_\d+)?\.\w+$|/$", "", b.path)
    return stem == cstem or (a.path == b.path and a.query != b.query)


def discover_links(page, source=None, base_url: str | None = None, now: datetime | None = None) -> Links:
    """Article links and next listing page(s) of a listing page.

    ``page`` is a parsel ``Selector`` or scrapy ``HtmlResponse``; ``source`` an
    :class:`aggregator.sources.Source` or None (its ``article_url`` regex and
    ``next_page`` selector replace the generic rules when set, its ``timezone`` reads
    the dates printed next to links); ``base_url`` defaults to ``page.url`` (a
    ``<base href>`` is honoured); ``now`` anchors dates without a year.
    """
    root = _root_of(page)
    page_url = base_url or getattr(page, "url", None) or ""
    base = page_url
    for b in root.iter("base"):
        if b.get("href"):
            base = urljoin(page_url, b.get("href").strip())
        break
    tz = getattr(source, "timezone", None) or DEFAULT_TZ_NAME
    anchors = _anchors(root, base)
    child_tags: dict = {}
    regex = getattr(source, "article_url", None) if source is not None else None
    if regex:
        articles = _hinted_articles(anchors, regex, tz, now, child_tags)
    else:
        articles = _generic_articles(anchors, page_url, tz, now, child_tags)
        if not articles:
            # the last page of a list often holds only one or two items: no block repeats
            # three times, so accept single list items (li/tr/dd…, never bare links)
            articles = _generic_articles(anchors, page_url, tz, now, child_tags, min_repeat=1)
    next_pages = _next_pages(root, anchors, page, source, page_url, base)
    return Links(articles=articles, next_pages=next_pages)
