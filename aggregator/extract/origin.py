"""The original article of a republished page (``origin_url``): a trailing link or line naming it.

Aggregation sites and portals that republish an article name the original in a few
common ways, near the end of the text:

* a line that is nothing but the original's URL (``<http://…>`` in Markdown, rendered
  as a link: the Jekyll posts of aggregation sites end that way);
* a label and a link: ``原文链接：<a href>``, ``<a href>阅读原文</a>``, ``原文地址``,
  ``查看原文``, ``本文转自``;
* a publisher credit with a link to the article: ``来源：<a href="…/2024/…html">新华网</a>``.

:func:`find_origin_url` applies these rules to a parsed page, skipping page furniture
(``nav``, ``header``, ``footer``, ``aside``, scripts) where sites put their own links.
A link only counts when it is an absolute http(s) URL of an *article*: not the page
itself, and not a bare home page (a ``来源`` link to ``http://www.xinhuanet.com/``
names a publisher, not an article). Pure: no network, no Scrapy.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from urllib.parse import urljoin, urlsplit

from lxml import etree

# Labels that introduce the original article's link, strongest first.
ORIGIN_LABELS = ("原文链接", "原文地址", "原文网址", "阅读原文", "查看原文", "原文出处", "本文转自", "转载自", "原文")
# Publisher credits: a link inside one names the original only when it points at an article.
CREDIT_LABELS = ("文章来源", "本文来源", "信息来源", "新闻来源", "来源", "来自", "出处", "source")
_URL = re.compile(r"https?://[^\s<>\"'，。；、）)】\]]+", re.I)
_BARE_LINE = re.compile(r"^[<\[(（]?\s*(https?://[^\s<>]+?)\s*[>\])）]?$", re.I)
_FURNITURE_TAGS = {"nav", "header", "footer", "aside", "script", "style", "noscript", "template", "form", "select"}
_FURNITURE_ATTR = re.compile(r"(?:^|[-_\s])(?:nav|navbar|menu|footer|foot|sidebar|side|breadcrumbs?|crumbs?|"
                             r"copyright|share|related|recommend|comments?|toolbar)(?:$|[-_\s\d])", re.I)
_BLOCKS = {"p", "div", "li", "section", "article", "blockquote", "dd", "dt", "td", "h1", "h2", "h3", "h4", "h5",
           "h6", "pre", "figcaption", "center", "main", "body", "tr", "table", "ul", "ol", "dl"}


_TAG_NAMES: dict[str, str] = {}


def _tag(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _TAG_NAMES.get(tag)
    if name is None:
        name = _TAG_NAMES[tag] = tag.rsplit("}", 1)[-1].lower()
    return name


def _is_furniture(el, tag: str | None = None) -> bool:
    if (tag if tag is not None else _tag(el)) in _FURNITURE_TAGS:
        return True
    attrib = el.attrib
    if not attrib:
        return False
    marks = " ".join(filter(None, (attrib.get("class"), attrib.get("id"), attrib.get("role"))))
    return bool(marks and _FURNITURE_ATTR.search(marks))


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def is_article_url(url: str | None, page_url: str | None = None) -> bool:
    """True for an absolute http(s) URL with a path or query (not a bare home page), not the page itself."""
    if not url:
        return False
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return False
    if parts.path in ("", "/") and not parts.query:
        return False
    if page_url:
        own = urlsplit(page_url)
        if (parts.netloc.lower(), parts.path.rstrip("/"), parts.query) == (own.netloc.lower(), own.path.rstrip("/"), own.query):
            return False
    return True


def _clean(url: str) -> str:
    return url.strip().rstrip(".,;:!?。，；：！？")


def _blocks(root):
    """Innermost blocks of the page outside furniture, in document order: (element, text)."""
    out = []
    blocks = _BLOCKS

    def walk(el, tag: str):
        if _is_furniture(el, tag):
            return
        children = [(c, _tag(c)) for c in el if isinstance(c.tag, str)]
        is_block = tag in blocks
        if is_block:
            if not any(t in blocks or t == "br" for _c, t in children):
                out.append((el, _text(el)))
                return
            # text directly in a mixed block (lines split by <br>) counts as lines of its own
            out.extend(_br_lines(el))
        for c, t in children:
            walk(c, t)

    if isinstance(root.tag, str):
        walk(root, _tag(root))
    return out


def _blocks_from_doc(doc, hot: list[bool] | None = None):
    """:func:`_blocks` over the arrays of the extractor's one pass (``doc.els`` in document
    order with ``tags``, ``parent``, ``end``, ``ignored``): the same blocks without walking
    the tree again. Subtrees that pass skipped (``ignored``: scripts, hidden elements, media)
    are walked as :func:`_blocks` does. ``hot``: per element, whether its subtree may name the
    original (:func:`_may_name_origin`); subtrees that cannot are skipped."""
    els, tags, parent, end, ignored = doc.els, doc.tags, doc.parent, doc.end, doc.ignored
    n = len(els)
    blocks = _BLOCKS
    has_block_child = [False] * n
    for i in range(1, n):
        t = tags[i]
        if t in blocks or t == "br":
            p = parent[i]
            if p >= 0:
                has_block_child[p] = True
    out = []
    i = 0
    while i < n:
        if hot is not None and not hot[i]:
            i = end[i] + 1
            continue
        el = els[i]
        t = tags[i]
        if ignored[i]:
            if not _is_furniture(el, t):
                out.extend(_blocks(el))
            i = end[i] + 1
            continue
        if _is_furniture(el, t):
            i = end[i] + 1
            continue
        if t in blocks:
            if not has_block_child[i]:
                out.append((el, _text(el)))
                i = end[i] + 1
                continue
            out.extend(_br_lines(el))
        i += 1
    return out


def _br_lines(el):
    """(el, text) per ``<br>``-separated line of the direct text of ``el`` (inline children included)."""
    lines, cur, links = [], [], []

    def flush():
        text = " ".join("".join(cur).split())
        if text:
            lines.append((_Line(el, links[:]), text))
        cur.clear()
        links.clear()

    cur.append(el.text or "")
    for c in el:
        tag = c.tag
        if not isinstance(tag, str):
            cur.append(c.tail or "")
            continue
        t = _TAG_NAMES.get(tag) or _tag(c)
        if t == "br":
            flush()
        elif t in _BLOCKS:
            flush()
        else:
            cur.append("".join(c.itertext()))
            if t == "a":
                links.append(c)
            links.extend(c.iter("a") if t != "a" else [])
        cur.append(c.tail or "")
    flush()
    return lines


class _Line:
    """A line of a mixed block: its element and the links on that line only."""

    def __init__(self, el, links):
        self.el = el
        self.links = links
        self.tag = "line"

    def get(self, name, default=None):
        return self.el.get(name, default)


def _links(block) -> list:
    if isinstance(block, _Line):
        return block.links
    return [a for a in block.iter() if isinstance(a.tag, str) and _tag(a) == "a"]


def _href(a, page_url: str | None) -> str | None:
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    return urljoin(page_url or "", href) if page_url else href


_NEEDLES = ("http",) + ORIGIN_LABELS + CREDIT_LABELS   # in lower case


_XPATH_STRING = etree.XPath("string()")


def _string(el) -> str:
    """The text of ``el`` and its descendants (XPath ``string()``, without an XPath call)."""
    if not len(el):
        return el.text or ""
    return _XPATH_STRING(el)


def _names_origin(text: str) -> bool:
    """``text`` holds a label, a credit or a URL (any text a rule below reads does)."""
    low = text.lower()
    return ("http" in low or any(lab in text for lab in ORIGIN_LABELS)
            or any(lab in low for lab in CREDIT_LABELS))


def _may_name_origin(doc) -> list[bool] | None:
    """Per element of ``doc``: it may hold text with a label, a credit or a URL (it or a
    descendant does); None when no text of the page does: nothing to find.

    Reads the extractor's text lines (all text outside scripts, styles and hidden parts) and
    the text of skipped elements the block walk still reads (``button``, ``iframe``, media).
    A block of :func:`_blocks_from_doc` without such text cannot name the original, so the
    walk skips elements that are not marked. Skipped furniture inside a block (a script) is
    part of its text: once the page qualifies, it marks its ancestors (its text unread).
    """
    tags, ignored, els, parent = doc.tags, doc.ignored, doc.els, doc.parent
    n = len(els)
    hot = [False] * n
    found = False

    def mark(i: int) -> None:
        while i >= 0 and not hot[i]:
            hot[i] = True
            i = parent[i]

    lines = doc.lines
    text = "\n".join(ln.text for ln in lines)
    low = text.lower()
    hits = []
    if len(low) == len(text):
        for needle in _NEEDLES:
            j = low.find(needle)
            while j >= 0:
                hits.append(j)
                j = low.find(needle, j + 1)
        if hits:
            offsets = []
            pos = 0
            for ln in lines:
                offsets.append(pos)
                pos += len(ln.text) + 1
            hits = sorted({bisect_right(offsets, j) - 1 for j in hits})
    else:   # lower() changed the length: positions differ, test line by line
        hits = [k for k, ln in enumerate(lines) if _names_origin(ln.text)]
    for k in hits:
        found = True
        ln = lines[k]
        if ln.owner < 0:
            return [True] * n
        for i in range(ln.start, min(ln.end, n - 1) + 1):
            mark(i)
        mark(ln.owner)
    furniture = []
    for i in range(n):
        if ignored[i] and tags[i] != "head":
            if tags[i] in _FURNITURE_TAGS:
                furniture.append(i)
            else:
                text = _string(els[i])   # often none at all (input, iframe)
                if text and _names_origin(text):
                    found = True
                    mark(i)
    if not found:
        return None
    for i in furniture:
        mark(i)
    return hot


def find_origin_url(root, page_url: str | None = None, doc=None) -> str | None:
    """The URL of the original article ``root`` (an lxml element of the page) republishes, or None.

    Rules, strongest first: a labelled link or URL (:data:`ORIGIN_LABELS`); a line that
    is only a URL (the last such line of the text: it closes the article); a credit
    (:data:`CREDIT_LABELS`) whose link points at an article. ``doc``: the extractor's
    element arrays of ``root`` (see :func:`_blocks_from_doc`), when already built.
    """
    if doc is not None and doc.els and doc.els[0] is root:
        hot = _may_name_origin(doc)
        if hot is None:
            return None
        blocks = _blocks_from_doc(doc, hot)
    else:
        blocks = _blocks(root)
    bare: list[str] = []
    credited: list[str] = []
    for block, text in blocks:
        if not text or len(text) > 400:
            continue
        links = _links(block)
        label = next((lab for lab in ORIGIN_LABELS if lab in text), None)
        if label:
            # the link named by the label: an <a> whose text or href follows it, else a URL in the text
            for a in links:
                href = _href(a, page_url)
                if href and is_article_url(href, page_url):
                    return href
            after = text.split(label, 1)[1]
            m = _URL.search(after)
            if m and is_article_url(_clean(m.group(0)), page_url):
                return _clean(m.group(0))
        m = _BARE_LINE.match(text)
        if m:
            url = _clean(m.group(1))
            hrefs = [h for h in (_href(a, page_url) for a in links) if h]
            url = next((h for h in hrefs if is_article_url(h, page_url)), url)
            if is_article_url(url, page_url):
                bare.append(url)
            continue
        low = text.lower()
        if any(lab in low for lab in CREDIT_LABELS) and len(text) <= 80:
            for a in links:
                href = _href(a, page_url)
                if href and is_article_url(href, page_url):
                    credited.append(href)
                    break
    if bare:
        return bare[-1]
    return credited[0] if credited else None
