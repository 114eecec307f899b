"""Headline helpers that need no line view: the headline segment of a ``<title>``.

Pure: strings in, strings out, and one reader of the line view (``inline_holder``; used by
:mod:`aggregator.extract.article`).
"""

from __future__ import annotations

import re

__all__ = ["all_segments", "continues_in_run", "emphasised_line", "headline_segment", "inline_holder", "is_site_name", "longest_segment"]

# Separators between the segments of a <title>: spaced dashes and bars, underscores,
# full-width bars, a dash followed by a space ("Headline- Site"), a leading separator.
_TITLE_SEP = re.compile(r"\s+[-|–—:·]+\s+|\s*[_｜|]\s*|(?<=\S)[-–—]\s+|^\s*[-|–—:·]+\s*|"
                        r"\s+[-–—](?=(?:www\.)?[\w-]+\.(?:com|net|org|cn|tw|hk)\b)")
# a segment that is a host name (6park.com, www.example.com.tw): the site
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|cn|tw|hk|sg|my|info|tv|co)(?:\.\w\w)?$", re.I)
_DESK = re.compile(r"(?:網頁|网页|編輯部|编辑部|首页|首頁)$")


def headline_segment(t: str, site_like: re.Pattern) -> str:
    """'星島日報網頁 | Headline | 編輯部' -> 'Headline': when a <title> joins segments, the
    segments that are a site or desk name (``site_like``: ending in 網/报/Times …; 網頁,
    編輯部) go, the longest stays; '' when every segment is one (' - 星島日報網頁': a page
    whose <title> lost its headline)."""
    parts = [p.strip() for p in _TITLE_SEP.split(t) if p and p.strip()]
    keep = [p for p in parts if not (site_like.search(p) or _DESK.search(p) or _DOMAIN.match(p))]
    if not keep and (len(parts) > 1 or _TITLE_SEP.match(t)):
        return ""
    if len(parts) < 2 or not keep or len(keep) == len(parts):
        return t
    return max(keep, key=len)


_SEGMENT_SEP = re.compile(r"\s+[-|–—:·>»]+\s+|\s*[_｜|]\s*")


def longest_segment(t: str) -> str | None:
    """The longest segment of a <title> joining three or more with spaced separators
    ('Site - Headline - Network', 'Site > News > World -- Headline'), or None."""
    parts = [p.strip() for p in _SEGMENT_SEP.split(t) if p and p.strip()]
    if len(parts) < 3:
        return None
    return max(parts, key=len)


# Every way a <title> may join its parts: the separators above plus "Place: Headline",
# "Site -Headline", "a / b" and "Headline on Example.com".
_ANY_SEP = re.compile(r"\s+[-|–—:·>»/]+\s+|\s*[_｜|]\s*|(?<=\S)[-–—:：]\s+|\s+[-–—](?=\S)|"
                     r"\s+(?:on|at|from|via)\s+(?=[\w-]+\.(?:com|net|org|co\.\w\w|\w\w)\b)")


def all_segments(t: str) -> list[str]:
    """Every segment of a <title> split at any separator it may use ('WHO TV - Des Moines:
    Headline' -> WHO TV, Des Moines, Headline): candidates only, a page element must show one
    as its whole text before it counts as the headline."""
    return [p.strip() for p in _ANY_SEP.split(t) if p and p.strip()]


def continues_in_run(runs: list[str], n: int) -> bool:
    """Whether text that starts with a <title>'s headline segment (its first ``n`` non-space
    characters) goes on inside the run of text that ends the segment ('主题　副题' typed as one
    headline), rather than in a run of its own (a label, deck or site name in another
    element or line, which is not headline). ``runs``: the text runs in order, spaces removed."""
    seen = 0
    for run in runs:
        seen += len(run)
        if seen >= n:
            return seen > n
    return False


def is_site_name(t: str, host: str | None) -> bool:
    """``t`` is the site's own name as its host spells it ('Brandon Sun Online' on
    www.brandonsun.com, 'Winnipeg Free Press' on winnipegfreepress.com)."""
    if not host:
        return False
    key = re.sub(r"[\W_]", "", t.lower())   # letters of any script: a headline is not a host name
    labels = [x for x in host.lower().split(".") if x not in ("www", "com", "net", "org", "co", "news")]
    if len(key) < 4 or not labels:
        return False
    name = max(labels, key=len)
    return len(name) >= 4 and (key in host.replace(".", "") or (name in key and len(key) <= len(name) + 8))


def inline_holder(doc, block: int, ln) -> int:
    """The inline element inside ``block`` whose subtree holds all of line ``ln``'s text and
    starts it (``<b>Headline</b>`` in a cell with more lines), or -1."""
    first, tail = ln.pieces[0]
    if tail:
        return -1
    last = ln.pieces[-1][0]
    e = first
    parent, end = doc.parent, doc.end
    while e > block and end[e] < last:
        e = parent[e]
    if e <= block:
        return -1
    # nothing of another line inside it
    return e if all(x.start > end[e] or x is ln or x.end < e for x in doc.lines_in(block)) else -1


_BIG_FONT = re.compile(r"font-size\s*:\s*(?:(?:1[89]|[2-9]\d)px|(?:1[4-9]|[2-9]\d)pt|x+-large|large)", re.I)


def emphasised_line(doc, lines):
    """The last of ``lines`` (those just above the text) set as a headline without heading
    markup: bold or large type (``<b><font size=4>``, ``font-size: 20px``), 6-80 characters,
    no link, no date; or None. For pages without any <title>."""
    for ln in reversed(lines):
        t = ln.text
        if ln.links or ln.zone or not 6 <= len(t) <= 80 or re.search(r"\d{4}[-/.年]\d{1,2}", t):
            continue
        idx, tail = ln.pieces[0]
        e = -1 if tail else idx   # (text after an element's end tag is not inside it)
        while e >= 0 and e >= ln.owner:
            el = doc.els[e]
            tag = doc.tags[e]
            size = (el.get("size") or "").lstrip("+")
            if tag in ("b", "strong") or tag == "font" and size.isdigit() and int(size) >= 4 \
                    or _BIG_FONT.search(el.get("style") or ""):
                return ln
            e = doc.parent[e]
    return None
