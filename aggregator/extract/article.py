"""Generic article extraction: one parsed page -> title, date, source, author, body.

Owns the field extractors for article pages and the stitching of multi-page articles.
The page is parsed once (the parsel Selector / HtmlResponse the caller already has) and
walked once into a list of text *lines* (one per block element or ``<br>``) with their
link share and punctuation; every field is read from that one view:

* body: the element whose subtree maximises the summed line value (prose is positive,
  links and short furniture negative, class/id hints from ``patterns`` mark comments,
  share bars and related boxes as negative), then boilerplate lines are cut;
* title: the heading that the page's ``<title>``/og:title contains, else the first h1,
  else the cleaned ``<title>``;
* published/source/author: the lines between headline and body first, then metadata.

Each field extractor is independent: a failure is logged with the URL and the other
fields are still returned. Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import json
from html import escape
import logging
import re
from bisect import bisect_left, bisect_right
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

from aggregator.extract import bodyclean, patterns as pt
from aggregator.extract.bodypick import (LOW_CONFIDENCE, anchored_container, confidence, second_opinion,
                                        widen_to_closing_sentence)
from aggregator.extract.byline import (agency_source, credit_names, markup_author, markup_han_names, names_from_english_byline,
                                      shows_name)
from aggregator.extract.credits import DATELINE_AUTHOR as _DATELINE_AUTHOR, MEDIA_TAIL as _MEDIA_TAIL
from aggregator.extract.credits import PERSON as _PERSON, SOURCE_VALUE as _SOURCE_VALUE, author_from_texts
from aggregator.extract.credits import clean_source as _clean_source, names_from_byline as _names_from_byline
from aggregator.extract.credits import closing_byline, dateline_reporter, is_site_brand, issuer_source, looks_like_person
from aggregator.extract.dates import find_dates, to_tz
from aggregator.extract.origin import find_origin_url
from aggregator.extract.published import extract_published, is_zh
from aggregator.extract.scriptstate import fill_from_script_state
from aggregator.extract.titles import (all_segments, continues_in_run, emphasised_line, headline_segment, inline_holder,
                                       is_site_name, longest_segment)
from aggregator.project import DEFAULT_TZ, DEFAULT_TZ_NAME

__all__ = ["extract_article", "stitch_pages", "FIELDS"]

logger = logging.getLogger(__name__)

#: Keys of the dict returned by :func:`extract_article`.
FIELDS = ("title", "published", "published_from", "source", "author", "body_html",
          "body_text", "next_page", "origin_url")

_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff]+")
_PUNCT_RE = re.compile("[%s]" % re.escape("".join(sorted(pt.SENTENCE_PUNCT))))
# [，。！？；]|[,.!?;](?=\s|$) led by one character set (the engine skips to candidates: 2x faster)
_SENT_RE = re.compile(r"[,.!?;，。！？；](?:(?<=[，。！？；])|(?=\s|$))")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d")

_BLOCK = pt.BLOCK_TAGS
_IGNORED = pt.IGNORED_TAGS
_HEADINGS = frozenset(pt.HEADING_TAGS)
# class/id string -> hint bits (1 furniture, 2 content, 8 title); pages of one site repeat
# the same few hundred class names, so this saves most regex searches.
_HINT_CACHE: dict[str, int] = {}
_ZONE_TAGS = frozenset({"nav", "footer", "aside"})
_TAGGED = ("title", "meta", "script", "base")   # collected in one walk (_Ctx.tagged)
_HINT_RES = (pt.BOILERPLATE_HINTS, pt.CONTENT_HINTS, pt.TITLE_HINTS, pt.FURNITURE_ALWAYS_HINTS)
# The same patterns without re.I, for lower-cased ASCII keys: on ASCII text re.I folds
# nothing but A-Z, so while the patterns are ASCII written in lower case (no A-Z anywhere,
# not even \S or \W) the results are the same. Case-sensitive matching is about twice as
# fast, and on a crawl of many sites most class/id strings miss the cache.
_HINT_RES_ASCII = (tuple(re.compile(r.pattern, r.flags & ~re.I) for r in _HINT_RES)
                   if all(r.pattern.isascii() and not re.search("[A-Z]", r.pattern) for r in _HINT_RES)
                   else None)


def _hint_bits(key: str) -> int:
    """Hint bits of a class/id string: 1 boilerplate, 2 content, 8 title, 17 always furniture
    (comments, related stories, disclaimers)."""
    if _HINT_RES_ASCII is not None and key.isascii():
        boiler, content, title, comment = _HINT_RES_ASCII
        key = key.lower()
    else:
        boiler, content, title, comment = _HINT_RES
    return ((1 if boiler.search(key) else 0) | (2 if content.search(key) else 0)
            | (8 if title.search(key) else 0) | (17 if comment.search(key) else 0))


# _WS is exactly the white space of str.split() (str.isspace) plus these four
# zero-width characters, so split/join gives _WS.sub results, faster.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
_ZERO_WIDTH_TO_SPACE = str.maketrans(dict.fromkeys("\u200b\u200c\u200d\ufeff", " "))


def _collapse(text: str | None) -> str:
    """``_WS.sub(" ", text).strip()``."""
    if not text:
        return ""
    if not text.isascii() and _ZERO_WIDTH.search(text):
        text = text.translate(_ZERO_WIDTH_TO_SPACE)
    return " ".join(text.split())


def _nows(text: str) -> str:
    """``_WS.sub("", text)``."""
    if not text.isascii() and _ZERO_WIDTH.search(text):
        text = text.translate(_ZERO_WIDTH_TO_SPACE)
    return "".join(text.split())


# --- the one pass over the tree ------------------------------------------------------


class _Line:
    """One visual line of text: the text of a block element up to the next block or <br>."""

    __slots__ = ("parts", "n", "links", "punct", "owner", "start", "end", "pieces", "inlines",
                 "text", "spaced", "value", "zone", "sent")

    def __init__(self, owner: int, start: int):
        self.parts: list[str] = []
        self.n = 0          # non-link, non-space characters
        self.links = 0      # link characters
        self.punct = 0
        self.owner = owner  # index of the innermost block element
        self.start = start  # element index where the line begins (document order)
        self.end = start
        self.pieces: list[tuple[int, bool]] = []  # (element index, is_tail)
        self.inlines: list[int] = []             # inline elements opened inside this line
        self.text = ""
        self.spaced = ""    # text with a space between inline pieces (for dates/bylines)
        self.value = 0.0
        self.zone = False
        self.sent = 0       # sentence punctuation marks (，。！？； and latin ,.!?; before a space)


class _Doc:
    """The page as arrays over its elements (document order) plus its text lines."""

    def __init__(self, root):
        self.root = root
        els: list = []
        parent: list[int] = []
        end: list[int] = []
        tags: list[str] = []
        hint: list[int] = []  # 0 none, 1 boilerplate, 2 content, 3 both
        ignored: list[bool] = []
        lines: list[_Line] = []
        headings: list[int] = []
        marked: list[int] = []
        stack: list[int] = [-1]   # open elements (-1: none, the root's parent)
        blocks: list[int] = []
        link_depth = 0
        line = _Line(-1, 0)

        def flush():
            nonlocal line
            if line.parts:
                text = _collapse("".join(line.parts))
                if text:
                    line.text = text
                    line.spaced = _collapse(" ".join(line.parts)) if len(line.parts) > 1 else text
                    line.sent = len(_SENT_RE.findall(text))
                    line.end = len(els) - 1
                    lines.append(line)
                line = _Line(blocks[-1] if blocks else -1, len(els))
            else:
                # nothing was added to this line (most flushes: a block right after
                # another): reuse it as the fresh line instead of allocating one
                line.owner = blocks[-1] if blocks else -1
                line.start = line.end = len(els)
                if line.inlines:
                    line.inlines = []

        def add(text: str, idx: int, is_tail: bool):
            # callers pass non-empty text only
            stripped = text.strip()
            if not stripped:
                if line.parts:
                    line.parts.append(" ")
                return
            if not line.parts:
                line.owner = blocks[-1] if blocks else -1
                line.start = idx
            chars = len("".join(stripped.split()))
            if link_depth:
                line.links += chars
            else:
                line.n += chars
                line.punct += len(_PUNCT_RE.findall(stripped))
            line.parts.append(text)
            line.pieces.append((idx, is_tail))

        walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
        hidden_re = pt.HIDDEN_STYLE
        for event, el in walker:
            if event == "start":
                tag = el.tag
                if not isinstance(tag, str):
                    stack.append(-2)   # not an element (an entity): its end event is skipped
                    continue
                if tag[0] == "{":
                    tag = tag.rpartition("}")[2]   # XHTML parsed as XML: namespaced tags
                tag = tag.lower() if not tag.islower() else tag
                idx = len(els)
                els.append(el)
                parent.append(stack[-1])
                end.append(idx)
                tags.append(tag)
                h = 0
                attrs = el.keys()   # names: "in" on this list is cheaper than on el.attrib
                if attrs:
                    cls = el.get("class") if "class" in attrs else None
                    ident = el.get("id") if "id" in attrs else None
                    key = ((cls or "") + " " + (ident or "")) if (cls or ident) else ""
                    if key:
                        kh = _HINT_CACHE.get(key)
                        if kh is None:
                            kh = _hint_bits(key)
                            if len(_HINT_CACHE) > 20000:
                                _HINT_CACHE.clear()
                            _HINT_CACHE[key] = kh
                        h |= kh
                    if "itemprop" in attrs or "datetime" in attrs or "pubdate" in attrs or "rel" in attrs:
                        marked.append(idx)   # microdata / <time>: date and author signals
                    style = el.get("style") if "style" in attrs else None
                    if style and "none" in style or style and "hidden" in style or "hidden" in attrs:
                        if ("hidden" in attrs or hidden_re.search(style)) and (h & 3) != 2:
                            # hidden, unless it is the article text that a script reveals
                            # (WeChat's js_content is visibility:hidden until loaded)
                            h |= 4
                if tag in _ZONE_TAGS:
                    h |= 1
                hint.append(h)
                stack.append(idx)
                if tag in _IGNORED or h & 4:
                    ignored.append(True)
                    walker.skip_subtree()
                    continue
                ignored.append(False)
                if tag in _BLOCK:
                    flush() if line.parts else line.inlines.clear()   # empty: add() sets its start
                    blocks.append(idx)
                    line.owner = idx
                    if tag in _HEADINGS:
                        headings.append(idx)
                elif tag == "br":
                    flush()
                else:
                    line.inlines.append(idx)
                    if tag == "a":
                        link_depth += 1
                text = el.text
                if text:
                    add(text, idx, False)
            elif event == "end":
                idx = stack.pop()
                if idx == -2:
                    continue
                end[idx] = len(els) - 1
                if not ignored[idx]:
                    t = tags[idx]
                    if t in _BLOCK:
                        flush() if line.parts else line.inlines.clear()   # empty: add() sets its start
                        blocks.pop()
                        line.owner = blocks[-1] if blocks else -1
                    elif t == "a":
                        link_depth -= 1
                text = el.tail
                if text:
                    add(text, idx, True)
            else:  # comment / processing instruction: only its tail is text
                text = el.tail
                if text:
                    add(text, len(els) - 1, True)
        flush()
        self.els = els
        self.parent = parent
        self.end = end
        self.tags = tags
        self.hint = hint
        self.ignored = ignored
        self.lines = lines
        self.headings = headings
        self.marked = marked
        self.starts = [ln.start for ln in lines]
        self._index = None
        self._score()

    # Line value for container scoring: prose is positive, links and short furniture
    # negative. Constants tuned on the project's fixtures (not on single pages).
    def _score(self):
        n_el = len(self.els)
        parent = self.parent
        total = [0] * n_el
        prose = [0] * n_el   # characters of sentence-like lines (not link lists, not labels)
        own = [0.0] * n_el
        for ln in self.lines:
            if ln.owner >= 0:
                total[ln.owner] += ln.n + ln.links
                if ln.sent and ln.links * 2 < ln.n:
                    prose[ln.owner] += ln.n
        for i in range(n_el - 1, 0, -1):
            p = parent[i]
            if p >= 0:
                total[p] += total[i]
                prose[p] += prose[i]
        self.total = total
        page_total = total[0] if n_el else 0
        page_prose = prose[0] if n_el else 0
        zone = [False] * n_el
        hint = self.hint
        for i in range(n_el):
            p = parent[i]
            z = zone[p] if p >= 0 else False
            h = hint[i]
            if not z and h & 1 and (not h & 2 or h & 16) and total[i] < 0.5 * page_total:
                # a furniture-looking class on the block that holds most of the page's
                # prose (Blogger's "widget Blog") is not furniture, unless it names comments,
                # other stories or small print (bit 16: also with a content token, relate-news)
                # and does not hold a headline (an article marked "recommended")
                z = prose[i] * 2 < page_prose or page_prose < 200 or h & 16 and not any(
                    i < j <= self.end[i] and self.tags[j] == "h1" for j in self.headings)
            zone[i] = bool(z)
        self.zone = zone
        for ln in self.lines:
            o = ln.owner
            if o < 0:
                continue
            n, links, punct = ln.n, ln.links, ln.punct
            if zone[o]:
                v = -(n + links) * 0.5 - 5
                ln.zone = True
            elif n >= 40 and ln.sent and pt.NOTICE_LINE.search(ln.text[:300]):
                v = -n * 0.5 - 5   # a disclaimer or cookie notice: prose, never the article
            else:
                v = n + 2.0 * punct - pt.LINK_CHAR_PENALTY * links - 8.0
                if punct == 0 and n < 20:
                    v -= 4
                if v < 0:
                    # link boxes inside the text must not outweigh the paragraphs
                    # around them; furniture outside still adds up against a container
                    v *= pt.NEGATIVE_LINE_WEIGHT
            ln.value = v
            own[o] += v
        score = own
        for i in range(n_el - 1, 0, -1):
            p = parent[i]
            if p >= 0:
                score[p] += score[i]
        self.score = score

    def best_container(self) -> int:
        """Index of the element whose subtree maximises the summed line value."""
        best, best_score = 0, float("-inf")
        tags, zone, ignored, score, hint = self.tags, self.zone, self.ignored, self.score, self.hint
        containers = pt.CONTAINER_TAGS
        for i in range(len(self.els)):
            if tags[i] not in containers or zone[i] or ignored[i]:
                continue
            s = score[i]
            if hint[i] & 2:
                s *= 1.02
            if s >= best_score:
                best, best_score = i, s
        if best_score <= 0:
            # nothing outweighs the furniture (short text among many links): take the
            # element holding the most prose, ignoring negative lines
            pos = [0.0] * len(self.els)
            for ln in self.lines:
                if ln.owner >= 0 and ln.value > 0:
                    pos[ln.owner] += ln.value
            for i in range(len(self.els) - 1, 0, -1):
                if self.parent[i] >= 0:
                    pos[self.parent[i]] += pos[i]
            top = max(pos) if pos else 0
            if top > 0:
                # the smallest element that holds (nearly) all of it
                for i in range(len(self.els) - 1, -1, -1):
                    if tags[i] in containers and not ignored[i] and pos[i] >= 0.9 * top:
                        return i
        return best

    def index_of(self, el) -> int:
        """Element index of an lxml element of this page, or -1."""
        if self._index is None:
            self._index = {e: i for i, e in enumerate(self.els)}
        return self._index.get(el, -1)

    def lines_in(self, i: int) -> list[_Line]:
        """Lines owned by element ``i`` or its descendants (they start inside ``i``)."""
        lo, hi = i, self.end[i]
        starts = self.starts
        a = bisect_left(starts, lo)
        b = bisect_right(starts, hi, a)
        return [ln for ln in self.lines[a:b] if lo <= ln.owner <= hi]

    def text_of(self, i: int, sep: str = " ") -> str:
        """Text of element ``i`` (its lines joined by ``sep``)."""
        return sep.join(ln.text for ln in self.lines_in(i))


# --- page plumbing -------------------------------------------------------------------


def _root_of(page):
    root = getattr(page, "root", None)
    if root is None:
        sel = getattr(page, "selector", None)
        root = getattr(sel, "root", None)
    if root is None:
        raise TypeError("extract_article needs a parsel Selector or scrapy HtmlResponse")
    if hasattr(root, "getroottree"):
        doc_root = root.getroottree().getroot()
        if doc_root is not None:
            return doc_root
    return root


def _select(page, sel: str):
    sel = sel.strip()
    if sel.startswith(("/", "(")):
        return page.xpath(sel)
    return page.css(sel)


def _selected_text(page, sel: str) -> str:
    out = []
    for s in _select(page, sel):
        node = s.root
        if isinstance(node, str):
            out.append(node)
        elif hasattr(node, "itertext"):
            out.append(" ".join(t for t in node.itertext()))
    return _collapse(" ".join(out))


def _meta(root, metas=None) -> dict[str, str]:
    meta: dict[str, str] = {}
    for m in (root.iter("meta") if metas is None else metas):
        content = m.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = m.get(attr)
            if key:
                key = key.strip().lower()
                if key not in meta:
                    meta[key] = content.strip()
    return meta


def _jsonld(root, scripts=None) -> list[dict]:
    out: list[dict] = []
    for s in (root.iter("script") if scripts is None else scripts):
        if (s.get("type") or "").strip().lower() != "application/ld+json" or not s.text:
            continue
        try:
            data = json.loads(s.text)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", s.text))
            except ValueError:
                continue
        stack = [data]
        while stack:
            d = stack.pop()
            if isinstance(d, list):
                stack.extend(d)
            elif isinstance(d, dict):
                out.append(d)
                if "@graph" in d:
                    stack.append(d["@graph"])
    return out


def _tz(source) -> tzinfo:
    name = getattr(source, "timezone", None) or DEFAULT_TZ_NAME
    try:
        return ZoneInfo(name)
    except Exception:
        return DEFAULT_TZ


# --- extraction context --------------------------------------------------------------


class _Ctx:
    """Everything the field extractors share for one page (computed lazily)."""

    def __init__(self, page, source, url, now):
        self.page = page
        self.source = source
        self.url = url
        self.tz = _tz(source)
        self.now = now
        self.root = _root_of(page)
        self.doc = _Doc(self.root)
        self._meta = None
        self._jsonld = None
        self._tagged: dict[str, list] | None = None
        self.container = self.doc.best_container()
        self.line_starts = self.doc.starts
        self.first_content_line = self._first_content_line()
        self.title = None
        self.title_idx = -1
        self.body_start = None
        self.body_end = None   # element index where the last kept line of the text starts
        self.found_source = None   # publisher seen in a body/closing line
        self.found_author = None   # byline seen in a body/closing line
        self.source_value = None   # the source found (a name equal to it is not a byline)
        self.header_lines: list[_Line] | None = None
        self.body_confidence: float | None = None   # see bodypick.confidence
        self.body_from = "ours"                     # or "trafilatura" (second opinion)
        self.body_unrefined = ""                    # body text before bodyclean.refine

    def header(self) -> list[_Line]:
        """Lines between headline and body (see :func:`_header_lines`)."""
        return _header_lines(self)

    def _is_heading(self, i: int) -> bool:
        return self.doc.tags[i] in _HEADINGS or bool(self.doc.hint[i] & 8)

    def _first_content_line(self) -> int:
        doc = self.doc
        lo, hi = self.container, doc.end[self.container]
        first_in = -1
        for k, ln in enumerate(doc.lines):
            if lo <= ln.owner <= hi:
                if first_in < 0:
                    first_in = k
                if _is_content_line(ln) and not ln.zone and not self._is_heading(ln.owner):
                    return k
        return first_in if first_in >= 0 else len(doc.lines) - 1

    @property
    def meta(self) -> dict[str, str]:
        if self._meta is None:
            self._meta = _meta(self.root, self.tagged("meta"))
        return self._meta

    @property
    def jsonld(self) -> list[dict]:
        if self._jsonld is None:
            self._jsonld = _jsonld(self.root, self.tagged("script"))
        return self._jsonld

    def selector(self, fieldname: str) -> str | None:
        sels = getattr(self.source, "selectors", None) or {}
        sel = sels.get(fieldname)
        return sel or None

    def tagged(self, tag: str) -> list:
        """``root.iter(tag)`` for a tag of :data:`_TAGGED`: one walk over the tree for all of them."""
        if self._tagged is None:
            self._tagged = {t: [] for t in _TAGGED}
            for el in self.root.iter(*_TAGGED):
                self._tagged.setdefault(el.tag.lower(), []).append(el)
        return self._tagged[tag]

    def page_title(self) -> str:
        t = next(iter(self.tagged("title")), None)
        return "" if t is None else _collapse(t.text_content() if hasattr(t, "text_content") else t.text)

    def site_names(self) -> tuple[str, ...]:
        names = []
        title = getattr(self.source, "title", None)
        if title:
            names.append(title)
        sn = self.meta.get("og:site_name")
        if sn:
            names.append(_collapse(sn))
        return tuple(names)


# --- title ---------------------------------------------------------------------------


def _title_references(ctx: _Ctx) -> list[str]:
    refs = []
    for t in (ctx.page_title(), ctx.meta.get("og:title"), ctx.meta.get("twitter:title"),
              ctx.meta.get("title"), ctx.meta.get("headline"), ctx.meta.get("articletitle")):
        if t:
            t = _collapse(t)
            if t and t not in refs:
                refs.append(t)
    for d in ctx.jsonld:
        h = d.get("headline") or (d.get("name") if d.get("@type") in ("NewsArticle", "Article") else None)
        if isinstance(h, str) and h.strip():
            refs.append(_collapse(h))
    return refs


def _title_candidates(ctx: _Ctx, refs: list[str], segs: set[str] = frozenset()) -> list[int]:
    """Headings, elements with a title-ish class/id, and blocks before the article text
    whose text the page's <title>/og:title contains (or is its headline segment)."""
    doc = ctx.doc
    cands = set(doc.headings)
    for i, h in enumerate(doc.hint):
        if h & 8 and not doc.ignored[i] and doc.tags[i] not in ("html", "body", "a") \
                and 4 <= doc.total[i] <= 200:
            cands.add(i)
    if refs:
        stop = ctx.first_content_line
        for ln in doc.lines[:stop + 1]:
            if ln.owner < 0 or len(ln.text) > 150 or ln.links > ln.n:
                continue
            key = _nows(ln.text)
            if len(key) >= 4 and (key in segs or any(key in r and len(key) * 5 >= len(r) * 2 for r in refs)):
                cands.add(ln.owner)
    return sorted(cands)


# Score of a headline candidate by tag (h1 is the headline on most pages).
_TITLE_TAG_BASE = {"h1": 3.0, "h2": 2.0, "h3": 1.5, "h4": 1.0, "h5": 1.0, "h6": 1.0}


def _extract_title(ctx: _Ctx) -> str | None:
    sel = ctx.selector("title")
    if sel:
        t = _selected_text(ctx.page, sel)
        if t:
            return t
    doc = ctx.doc
    host = urlsplit(ctx.url or "").hostname
    raw = [r for r in _title_references(ctx) if not is_site_name(r, host)]
    refs = [_nows(r) for r in raw]
    # the headline part of a <title> joining segments (熱血時報 | Headline | 熱血編輯部)
    segs = {_nows(h) for h in (*(headline_segment(r, _MEDIA_TAIL) for r in raw), *map(longest_segment, raw))
            if h and len(_nows(h)) >= 6} - set(refs)
    # any other segment (WHO TV - Des Moines: Headline) may be shown as the headline, weighted
    # by its length against the longest segment (a section name is shorter than the headline)
    weight: dict[str, float] = dict.fromkeys(segs, 1.0)
    for r in raw:
        parts = all_segments(r)
        if len(parts) > 1:
            parts = [_nows(x) for x in parts if not is_site_name(x, host) and not _MEDIA_TAIL.search(x)]
            longest = max(map(len, parts), default=0)
            for x in parts:
                if len(x) >= 10 and x not in weight and x not in refs:
                    weight[x] = (len(x) / longest) ** 0.5
    segs = set(weight)
    best, best_score = -1, 2.5
    cont_end = doc.end[ctx.container]
    fc = ctx.first_content_line
    fc_start = doc.lines[fc].start if 0 <= fc < len(doc.lines) else cont_end
    # a page with a headline and no text: no heading is "after the text"
    has_text = 0 <= fc < len(doc.lines) and _is_content_line(doc.lines[fc])
    starts = ctx.line_starts
    texts: dict[int, str] = {}
    ref_set = set(refs)
    for i in _title_candidates(ctx, refs, segs):
        i_lines = doc.lines_in(i)
        text = doc.text_of(i)
        own_n = None
        if len(i_lines) > 1 and text:
            # a cell holding the headline in an inline element (<b>, <font>) and more lines
            # (a credit, the story): that element, when it holds exactly a title segment
            for ln in i_lines:
                k = _nows(ln.text)
                if k in ref_set or k in weight:
                    sub = inline_holder(doc, i, ln)
                    if sub > i:
                        i, text, own_n = sub, ln.text, ln.n
                    break
        if not text or len(text) > 150:
            continue
        texts[i] = text
        key = _nows(text)
        if len(key) < 4:
            continue
        tag = doc.tags[i]
        score = _TITLE_TAG_BASE.get(tag, 1.0)
        if doc.zone[i]:
            score -= 2.5
        gap = fc - bisect_right(starts, doc.end[i])   # lines between it and the first paragraph
        if (i > cont_end or i >= fc_start) and has_text:
            score -= 3.0   # headings after the article text are related items
        elif gap <= 3:
            score += 3.0
        elif gap <= 8:
            score += 2.0
        if (gap > 3 or tag in ("li", "dd", "dt")) and tag not in _HEADINGS and not (
                own_n if own_n is not None else any(ln.n for ln in doc.lines_in(i))):
            score -= 4.0   # all link text, a list item or away from the text: a headline list's item
        sim = 0.0
        for r in (*refs, *segs):
            if key == r and r not in segs:
                sim = 1.0
            elif key in r and r not in segs:
                sim = max(sim, len(key) / len(r))
            elif len(r) >= 6 and key.startswith(r) and (r not in segs or key == r or continues_in_run(_runs(doc, i), len(r))):
                # the headline plus a hidden widget label (播报文章, "Listen"); past a <title>
                # segment only a headline that goes on in the same run of text
                sim = max(sim, 0.9 * len(r) / len(key) * weight.get(r, 1.0))
        score += 10.0 * sim
        if len(text) < 40 and find_dates(text):
            score -= 3.0
        elif text.isascii() and " " not in text.strip():
            score -= 1.0   # one Latin word: a section name (Entertainment, Editorials)
        if score > best_score:
            best, best_score = i, score
    if best >= 0:
        # a heading shows its whole text (【独家】 kickers included); a cell may hold a
        # section link besides the headline segment of the <title>
        text = _ref_prefix(ctx, best, texts[best], refs if doc.tags[best] in _HEADINGS else [*refs, *segs])
        text = _join_two_line_title(ctx, best, text, refs, texts)
        found = find_dates(text[:40])
        cut = found[0][2] + len(found[0][1]) if found and re.fullmatch(r"(?:\w+day|[A-Z][a-z]{2})?[,.]?\s*",
                                                                       text[:found[0][2]]) else 0
        if cut and _nows(text[cut:]) in (*refs, *weight):
            text = text[cut:].strip(" ,|-–—")   # <h1><span>Wednesday, 9 January 2008</span> Headline</h1>
        ctx.title_idx = best
        return text
    from aggregator.normalize import clean_title

    for r in _title_references(ctx):
        t = headline_segment(clean_title(r, ctx.site_names()), _MEDIA_TAIL)
        if t:
            return t
    # no <title> at all: the emphasised line closest above the text (<b><font size=4>)
    k = emphasised_line(doc, doc.lines[max(0, fc - 8):max(0, fc)]) if not _title_references(ctx) else None
    return k.text if k is not None else None


def _runs(doc: _Doc, i: int) -> list[str]:
    """The text runs (an element's text or tail) of element ``i``'s lines, spaces removed."""
    return [_nows((doc.els[j].tail if tail else doc.els[j].text) or "")
            for ln in doc.lines_in(i) for j, tail in ln.pieces]


def _ref_prefix(ctx: _Ctx, i: int, text: str, refs: list[str]) -> str:
    """The part of heading ``i`` that is the reference title, when the heading holds it in
    an element of its own plus more (a hidden 播报文章/"Listen" widget); else ``text``."""
    key = _nows(text)
    if any(key == r for r in refs):
        return text
    for el in ctx.doc.els[i].iterdescendants():
        if not isinstance(el.tag, str):
            continue
        t = _collapse("".join(el.itertext()))
        if len(t) >= 4 and _nows(t) in refs:
            return t
    return text


def _join_two_line_title(ctx: _Ctx, i: int, text: str, refs: list[str], texts: dict[int, str]) -> str:
    """Headlines set as two elements (主题 + 副题 on one level) are joined when the page
    title holds both parts; a <br> inside one heading is already joined by the line view."""
    doc = ctx.doc
    par = doc.parent[i]
    sibs = [j for j in texts if doc.parent[j] == par and j != i]
    for j in sibs:
        other = texts[j]
        for joined in ((text, other) if j > i else (other, text),):
            key = _nows(joined[0] + joined[1])
            if any(key in r for r in refs):
                return joined[0] + " " + joined[1]
    return text


# --- body ----------------------------------------------------------------------------


def _is_content_line(ln: _Line) -> bool:
    return ln.n >= 12 and ln.sent >= 1 and ln.links * 2 < ln.n


def _classify_body(ctx: _Ctx, lines: list[_Line], trusted: bool = False) -> list[bool]:
    """Keep/drop decision for each line of the article container (``trusted``: the
    container comes from a source's selector, so links and class hints are kept)."""
    keep = [True] * len(lines)
    title_key = _nows(ctx.title or "")
    title_end = ctx.doc.end[ctx.title_idx] if ctx.title_idx >= 0 else -1
    seen_content = False
    value_next = False
    seen_lines: set[str] = set()
    last_content = max((k for k, ln in enumerate(lines) if _is_content_line(ln) and not ln.zone),
                       default=len(lines) - 1)
    for k, ln in enumerate(lines):
        text = ln.text
        total = ln.n + ln.links
        if trusted:
            pass
        elif ln.zone:
            keep[k] = False
            continue
        elif ln.links and ln.links * 2 >= total and ln.n < 40:
            keep[k] = False
            continue
        if not seen_content and ((ln.start <= title_end and not trusted) or title_key and (
                _nows(text) == title_key or (title_key in _nows(text) and len(text) < len(ctx.title) + 20
                                             and not _DATELINE_LEAD.match(text))
                or (len(text) >= 4 and _nows(text) in title_key))):
            # the headline (also set on two lines) and whatever precedes it (kicker,
            # breadcrumbs) are not body
            keep[k] = False
            continue
        if pt.BOILERPLATE_LINE.match(text):
            m = pt.CLOSING_SOURCE.match(text)
            if m and k >= last_content - 1:
                _note_source(ctx, m.group("name"))
            keep[k] = False
            continue
        if ((len(text) <= 80 or text.startswith("This ")) and not _HAN.search(text[:20])
                and pt.BOILERPLATE_LINE_EN.match(text)) or (k > last_content - 3 and pt.NOTICE_LINE.search(text[:300])):
            keep[k] = False
            continue
        if len(text) >= 20 and text in seen_lines:
            keep[k] = False   # slideshow captions and teasers repeated verbatim
            continue
        seen_lines.add(text)
        if len(text) <= 60 and pt.PAGE_BAR_LINE.match(text):
            keep[k] = False
            continue
        if len(text) <= 60 and ln.sent == 0 and pt.CREDIT_LINE.match(ln.spaced):
            keep[k] = False
            if ctx.found_author is None and pt.AUTHOR_LABEL_RE.match(text.lstrip("（(【[ ")):
                ctx.found_author = _names_from_byline(text)
            continue
        if len(text) <= 40 and pt.BYLINE_LINE.match(text) and ln.punct <= 2:
            keep[k] = False
            if ctx.found_author is None:
                ctx.found_author = _names_from_byline(text)
            continue
        if k >= last_content - 2 and len(text) <= 30:
            m = pt.CLOSING_BYLINE.match(text)
            if m:
                name = m.group("name")
                keep[k] = False
                # a person (surname-led names) or an office (某某县统计局); a place, a medium or a
                # desk closing the text (（宁海县）, （央视）, （本报综合）) is no byline
                if name not in pt.END_MARKS and ctx.found_author is None and (
                        _OFFICE_END.search(name) or all(looks_like_person(t) for t in name.split())):
                    ctx.found_author = name
                continue
            m = pt.CLOSING_SOURCE.match(text)
            if m:
                keep[k] = False
                _note_source(ctx, m.group("name"))
                continue
        if seen_content and len(text) <= 30 and ln.sent == 0 and _BARE_DATE.match(text):
            keep[k] = False   # a date line after the text: a teaser's or a comment's date
            continue
        if not seen_content:
            if _is_meta_line(ln.spaced):
                keep[k] = False
                continue
            # metadata tables of government pages: 发布日期： | 2022年01月28日
            if len(text) <= 24 and text[-1] in ":：" and ln.sent == 0 and not _DATELINE_LEAD.match(text):
                keep[k] = False
                value_next = True
                continue
            if value_next and len(text) <= 60 and ln.sent == 0:
                keep[k] = False
                value_next = False
                continue
            if len(text) <= 40 and ln.sent == 0 and _LABEL_VALUE.match(text):
                keep[k] = False
                continue
            if _is_content_line(ln):
                seen_content = True
        value_next = False
    return keep


_BARE_DATE = re.compile(r"^\s*(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d\d(?::\d\d)?)?\s*$")


_OFFICE_END = re.compile(r"(?:局|厅|廳|委员会|委員會|办公室|辦公室|协会|協會|学会|學會)$")


def _note_source(ctx: _Ctx, name: str | None) -> None:
    name = _clean_source(name)
    if name and ctx.found_source is None:
        ctx.found_source = name


_META_WORDS = re.compile(
    r"来源|來源|作者|记者|記者|编辑|編輯|责编|发布|發布|时间|時間|日期|浏览|瀏覽|阅读|閱讀|点击|點擊|"
    r"字号|分享|评论|評論|出处|稿源|人气|次数|打印|收藏|A\+|A-")


_DATELINE_LEAD = re.compile(r"^[^\s\d:：|]{2,20}?\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|電|讯|訊|报道|報導|消息)")
_LABEL_VALUE = re.compile(r"^[\u4e00-\u9fff ]{2,8}[:：]\s*\S")


def _is_meta_line(text: str) -> bool:
    """A header line such as '2022-01-19 12:20 来源：宁夏日报 作者：张三 字号：大中小'."""
    if len(text) > 90 or len(_SENT_RE.findall(text)) >= 2:
        return False
    found = find_dates(text[:60])
    if found and (len(text) < 45 or _META_WORDS.search(text)):
        if _DATELINE_LEAD.match(text):
            return False   # 网易体育10月13日报道：, 新华社北京6月14日电…: the text's dateline
        # a one-sentence bulletin that mentions a day (沙湖景区4月3日起恢复开放。) is text, and
        # so is a clause with a relative day (昨天某某现身机场，准备…)
        rest = text.replace(found[0][1], "")
        return not ((text.rstrip()[-1:] in "。！？!?" or "，" in rest and len(_HAN.findall(rest)) >= 12)
                    and len(_nows(rest)) >= 8 and not _META_WORDS.search(text))
    return bool(len(text) < 60 and re.match(r"^\s*(?:%s|%s)" % (pt.SOURCE_LABELS, pt.AUTHOR_LABELS), text)
                and _META_WORDS.search(text))


def _body_from_container(ctx: _Ctx, ci: int, trusted: bool = False) -> tuple[str, str]:
    doc = ctx.doc
    parts = [ci] if trusted else bodyclean.article_parts(doc, ci)
    lines = [ln for c in parts for ln in doc.lines_in(c)]
    keep = _classify_body(ctx, lines, trusted)
    if not trusted:
        # the second opinion compares trafilatura with the container's text before clean-up
        ctx.body_unrefined = "\n".join(ln.text for ln, k in zip(lines, keep) if k)
        bodyclean.refine(doc, parts, lines, keep)
    kept = [ln for ln, k in zip(lines, keep) if k]
    if kept:
        ctx.body_end = kept[-1].start
    for k, ln in enumerate(lines):
        if keep[k] and _is_content_line(ln):
            ctx.body_start = ln.start
            break
    if ctx.body_start is None and kept:
        ctx.body_start = kept[0].start
    text = "\n".join(ln.text for ln in kept)
    if not text:
        return "", ""
    html = "\n".join(bodyclean.container_html(doc, c, [ln for ln in lines if c <= ln.owner <= doc.end[c]],
                                               [k for ln, k in zip(lines, keep) if c <= ln.owner <= doc.end[c]], trusted)
                      for c in parts)
    return html, text


def _extract_body(ctx: _Ctx) -> tuple[str, str]:
    sel = ctx.selector("body")
    if sel:
        found = _select(ctx.page, sel)
        for s in found:
            node = s.root
            if not isinstance(node, str):
                i = ctx.doc.index_of(node)
                if i >= 0:
                    return _body_from_container(ctx, i, trusted=True)
    ci = anchored_container(ctx.doc, ctx.container, ctx.title_idx, pt.CONTAINER_TAGS)
    anchored = ci != ctx.container
    ci = widen_to_closing_sentence(ctx.doc, ci, ctx.doc.end[ctx.title_idx] if ctx.title_idx >= 0 else -1)
    if ci != ctx.container:
        ctx.container = ci
        ctx.first_content_line = ctx._first_content_line()
    html, text = _body_from_container(ctx, ci)
    ctx.body_confidence = round(confidence(ctx.doc, ci), 3)
    if not anchored and text and 0 < ctx.body_confidence < LOW_CONFIDENCE and not is_zh(ctx):
        # (no sentence on the page at all: a listing or an empty page, nothing to second-guess)
        # Not on Chinese pages: there trafilatura's reading never replaced ours on the
        # development pages (6 low-confidence pages of 120 on corpus-dev, none of the 31 in
        # ../shared/data) while it cost a third of the extraction time of those pages.
        theirs = second_opinion(ctx.root, ctx.body_unrefined or text)
        if theirs:
            lines = [_collapse(x) for x in theirs.splitlines()]
            lines = [x for x in lines if x]
            text = "\n".join(lines)
            html = "<div>" + "".join("<p>%s</p>" % escape(x) for x in lines) + "</div>"
            ctx.body_from = "trafilatura"
    return html, text


# --- header zone (lines between headline and body) -------------------------------------


def _header_lines(ctx: _Ctx) -> list[_Line]:
    if ctx.header_lines is not None:
        return ctx.header_lines
    doc = ctx.doc
    lines = doc.lines
    start = ctx.title_idx
    stop = ctx.body_start
    out: list[_Line] = []
    if start >= 0:
        t_end = doc.end[start]
        for ln in lines:
            if ln.start <= t_end and not (ln.pieces and ln.pieces[0] == (start, True)):
                # lines of the headline element itself may carry the date (rare); a line
                # that opens with the text after the headline's end tag is after it
                continue
            if stop is not None and ln.start >= stop:
                break
            out.append(ln)
            if len(out) >= 25:
                break
    else:
        ci = ctx.container
        cl = doc.lines_in(ci)
        for ln in cl[:8]:
            if stop is not None and ln.start >= stop:
                break
            out.append(ln)
    # A headline far from the body (menus between them): keep it short.
    ctx.header_lines = [ln for ln in out if len(ln.text) <= 200]
    return ctx.header_lines


def _after_body_lines(ctx: _Ctx, count: int = 8) -> list[_Line]:
    doc = ctx.doc
    hi = doc.end[ctx.container]
    out = []
    for ln in doc.lines:
        if ln.start > hi and not ln.zone:
            out.append(ln)
            if len(out) >= count:
                break
    return out


def _body_tail_lines(ctx: _Ctx, count: int = 4) -> list[_Line]:
    lines = ctx.doc.lines_in(ctx.container)
    return lines[-count:]


def _extract_published(ctx: _Ctx):
    sel = ctx.selector("published")
    return extract_published(ctx, _selected_text(ctx.page, sel) if sel else None)


# --- source & author -------------------------------------------------------------------

# An explicit English credit slot: "Source: Reuters".
_SOURCE_EN = re.compile(r"^\s*source\s*:\s*", re.I)


def _source_from_lines(lines: list[_Line]) -> str | None:
    for ln in lines:
        text = ln.spaced
        if len(text) > 160:
            continue
        for m in _SOURCE_VALUE.finditer(text):
            v = _clean_source(m.group("v"))
            if v:
                return v
            # a labelled non-name (转载文章, 本站原创): the slot is taken, no name here
    return None


# ", <publication>" closing a byline slot (Jane Roe, Example News Australia)
_MEDIA_AFTER_COMMA = re.compile(
    r",\s*[^,]*\b(?:Press|News|Times|Daily|Post|Journal|Herald|Tribune|Magazine|Online|Network|Media|"
    r"World|Wire|Weekly|Radio|TV|Reporter|Australia|Staff)\b[^,]*$")


_OWN_ACCOUNT = re.compile(r"首发于(?:微信)?公众号\s*[:：「“]?\s*(?P<n>[\u4e00-\u9fff·]{2,4})[」”]?\s*[。，,.；;（(]")


def _slot_elements(ctx: _Ctx, hint_re, extra: int = 0) -> list[int]:
    """Elements near the headline whose class/id matches ``hint_re`` (source/author slots);
    ``extra``: also this many elements into the body (bylines set after a lede or photo)."""
    doc = ctx.doc
    lo = ctx.title_idx if ctx.title_idx >= 0 else max(0, ctx.container - 1)
    hi = ctx.body_start if ctx.body_start is not None else doc.end[ctx.container]
    if extra:
        hi = min(hi + extra, doc.end[ctx.container] + 1) if hi >= lo else hi
    out = []
    for i in range(lo, min(hi, len(doc.els))):
        if doc.ignored[i] and doc.tags[i] not in ("a",):
            continue
        el = doc.els[i]
        key = (el.get("class") or "") + " " + (el.get("id") or "")
        if key.strip() and hint_re.search(key):
            out.append(i)
    return out


def _element_text(ctx: _Ctx, i: int) -> str:
    el = ctx.doc.els[i]
    try:
        return _collapse(" ".join(el.itertext()))
    except ValueError:
        return ""


_NEIGHBOUR_TOKEN = re.compile(r"[^\s|丨｜│]+")
_NOT_SLOT_WORDS = re.compile(
    r"^(?:原创|原創|独家|分享|转发|评论|評論|收藏|举报|舉報|关注|關注|阅读|閱讀|字号|打印|"
    r"首页|正文|发布|發布|更新|来源|來源|作者|编辑|留言|列印|推薦|推荐|A-|A\+|.*[:：].*|"
    r"\d+[^\u4e00-\u9fffA-Za-z]*|\d+(?:条|條|个|個|人|分钟|小时|天).*|(?:来自|來自|IP属地|IP屬地).*|"
    r"星期.|周.|[上下]午|.*次|优质原创作者|.*认证.*)$")
# a section of the site printed next to the date (本地新闻, 体育频道, 新闻中心): a topic, not a publisher
_SECTION_NAME = re.compile(
    r"^(?:本地|本市|国内|國內|国际|國際|社会|社會|体育|體育|财经|財經|娱乐|娛樂|科技|教育|军事|軍事|时政|時政|要闻|要聞|"
    r"综合|綜合|图片|圖片|视频|視頻|热点|熱點|地方|健康|汽车|汽車|房产|房產|文化|旅游|旅遊|生活|民生|法治|经济|經濟|"
    r"即时|即時|滚动|滾動)?(?:新闻|新聞|频道|頻道|资讯|資訊)(?:中心|频道|頻道)?$")
# class/id of a platform account block (avatar, account name, follow button): its name is the
# publisher even when it looks like a person's name
_ACCOUNT_SLOT = re.compile(r"author-?info|account|media|nickname|wemedia|mp-?name|pgc|profile|zmt", re.I)
# meta tags naming the publisher or platform account
_SOURCE_META = ("article:source", "og:article:source", "source", "mediaid", "media")


def _neighbour_source(ctx: _Ctx) -> str | None:
    """Media name printed next to the date without a 来源 label (原创 南方都市报 2019-09-09,
    2020-10-04 15:05聯合報 記者…, 2019-09-05 11:10 游民星空[整理]). A bare name right after it
    (2018-06-13 10:22 某某网 张三, or on the next line) is the byline: ``ctx.neighbour_author``."""
    header = _header_lines(ctx)
    for k, ln in enumerate(header):
        text = ln.spaced
        if len(text) > 80:
            continue
        found = find_dates(text, ctx.tz, ctx.now)
        if not found:
            continue
        d = found[0]
        before = text[:d[2]].strip()
        after = text[d[2] + len(d[1]):].strip()
        toks_before = _NEIGHBOUR_TOKEN.findall(re.sub(r"[()（）]", " ", before))
        toks_after = _NEIGHBOUR_TOKEN.findall(re.sub(r"[()（）]", " ", after))
        cands = []
        if toks_before:
            cands.append(toks_before[-1])
        if toks_after:
            cands.append(toks_after[0])
        follow = toks_after[1:] or [t for t in header[k + 1:k + 2] if " " not in t.spaced]
        follow = [t if isinstance(t, str) else t.spaced for t in follow]
        named = len(follow) == 1 and looks_like_person(follow[0]) and not _NOT_SLOT_WORDS.match(follow[0])
        for tok in cands:
            byline = follow[0] if named and toks_after and tok == toks_after[0] else None
            tok = re.sub(r"\[.*?\]|【.*?】|（.*?）|\(.*?\)", "", tok).strip()
            if not tok or _NOT_SLOT_WORDS.match(tok) or pt.AUTHOR_LABEL_RE.match(tok) or _META_WORDS.search(tok) \
                    or _SECTION_NAME.match(tok):
                continue
            if re.search(r"[／/]", tok):
                continue
            if pt.EDITOR_LABEL_RE.search(tok):
                continue
            if not _HAN.search(tok) and not re.match(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z][A-Za-z0-9&.]{1,20}$", tok):
                continue   # Latin: a brand with two capitals (AFP, GameForce), not any word (Mis à jour)
            if _PERSON.match(tok) and not _MEDIA_TAIL.search(tok) and not (byline and len(toks_after) == 1):
                continue  # a bare person name next to the date is a byline, not a source (but 中時 \n 謝明俊)
            v = _clean_source(tok)
            if v:
                ctx.neighbour_author = byline
                return v
        return None
    return None


def _extract_source(ctx: _Ctx) -> str | None:
    sel = ctx.selector("source")
    if sel:
        t = _selected_text(ctx.page, sel)
        if t:
            m = pt.SOURCE_LABEL_RE.match(t)
            return _clean_source(t[m.end():] if m else t)
    header = _header_lines(ctx)
    v = _source_from_lines(header)
    if v:
        return v
    zh = is_zh(ctx)
    title_key = _nows(ctx.title or "")
    v = _clean_source(ctx.meta.get("mediaid"))   # a platform account outranks the paper a closing 来源 names
    if v and zh:
        # what the page shows in its source slot next to the date comes first (the account,
        # or the platform's own channel name when that is all it shows)
        v = _source_from_slots(ctx, True, title_key) or v
    if v or ctx.found_source:
        return v or ctx.found_source
    # a platform account in the byline position outranks a closing 来源 line (来源 | 综合…)
    v = _source_from_slots(ctx, True, title_key, accounts=True) if zh else None
    v = v or _source_from_lines(_body_tail_lines(ctx) + _after_body_lines(ctx, 4))
    if v:
        return v
    if ctx.title_idx >= 0:   # metadata tables of open-information pages (发布机构：某某局), above or below the headline
        v = issuer_source([ln.text for ln in ctx.doc.lines if ln.start < ctx.title_idx][-40:] + [ln.text for ln in header])
        if v:
            return v
    # Outside Chinese pages a publisher is only taken from an explicit credit ("Source: X"):
    # an unlabelled source/publisher/origin slot or a source/media meta there is as often the
    # site's own name, a photo credit or an internal code as the article's publisher.
    v = _source_from_slots(ctx, zh, title_key)
    if v:
        return v
    for name in _SOURCE_META if zh else ():
        v = ctx.meta.get(name)
        if v and not re.search(r"https?:|www\.|\.(?:com|cn|net)\b", v):
            v = _clean_source(v)
            if v and not _NOT_SLOT_WORDS.match(v) and not is_site_brand(v, ctx.site_names() + (
                    ctx.meta.get("application-name") or "", ctx.page_title())):
                return v   # (the site's own brand there is not a publisher)
    if not zh:
        return _agency_source(ctx)
    v = _neighbour_source(ctx)   # a media name next to the date without a label is a Chinese convention
    for i in () if v else _slot_elements(ctx, pt.AUTHOR_HINTS):
        # a provider in the byline position (香港電台-財經): a media name, not a person
        t = _element_text(ctx, i)
        if 2 < len(t) <= 20 and " " not in t and _MEDIA_TAIL.search(re.split(r"[-－—]", t)[0]) and _HAN.search(t):
            v = _clean_source(t)
            if v and not pt.AUTHOR_LABEL_RE.match(v) and not is_site_brand(v, ctx.site_names() + (ctx.page_title(),)):
                return v
    return v


def _source_from_slots(ctx: _Ctx, zh: bool, title_key: str, accounts: bool = False) -> str | None:
    """The publisher in a source/publisher/account slot near the headline (see _extract_source);
    ``accounts``: platform account slots only (media-name, nickname, wemedia …)."""
    for i in _slot_elements(ctx, pt.SOURCE_HINTS):
        if accounts and not _ACCOUNT_SLOT.search(_slot_key(ctx, i)):
            continue
        t = _element_text(ctx, i)
        if not t or len(t) > 40 or (title_key and title_key in _nows(t)):
            continue
        m = pt.SOURCE_LABEL_RE.search(t)
        if not zh:
            m_en = _SOURCE_EN.match(t)
            v = _clean_source(t[m_en.end():]) if m_en else None
        elif m:
            v = _clean_source(_SOURCE_VALUE.search(t).group("v")) if _SOURCE_VALUE.search(t) else None
        else:
            if pt.AUTHOR_LABEL_RE.match(t) or pt.EDITOR_LABEL_RE.search(t) or find_dates(t):
                continue
            if _HAN.search(t) and re.search(r"\S\s+\S", t):
                continue   # several items (name + 关注 button): its parts are tried next
            v = _clean_source(t)
            if v and _PERSON.match(v) and not _MEDIA_TAIL.search(v) and not _ACCOUNT_SLOT.search(_slot_key(ctx, i)) \
                    and not re.search(r"source|laiyuan|origin|publisher", _slot_key(ctx, i), re.I):
                # an unlabelled person-like name in an author slot is a byline
                continue
            if v and (_NOT_SLOT_WORDS.match(v) or v in pt.NOT_A_NAME):
                continue
        if v:
            return v
    return None


def _agency_source(ctx: _Ctx) -> str | None:
    """A news agency or publication credited around the text (see ``byline.agency_source``)."""
    return agency_source([ln.spaced for ln in _header_lines(ctx) + ctx.doc.lines_in(ctx.container)[:3]],
                         [_element_text(ctx, i) for i in _slot_elements(ctx, pt.AUTHOR_HINTS)],
                         [ln.spaced for ln in _body_tail_lines(ctx) + _after_body_lines(ctx, 4)],
                         lambda t: is_site_name(t, urlsplit(ctx.url or "").hostname) or t in ctx.site_names())


def _slot_key(ctx: _Ctx, i: int) -> str:
    el = ctx.doc.els[i]
    return (el.get("class") or "") + " " + (el.get("id") or "")


def _author_from_lines(lines: list[_Line]) -> str | None:
    return author_from_texts([ln.spaced for ln in lines])


def _closing_paragraph_credit(ctx: _Ctx, body_lines) -> str | None:
    """…。（记者 张三）: a credit closing the last paragraph of the text, the last one with sentences
    before an editor line (related links may follow it). A credit closing an earlier paragraph
    belongs to that item (round-ups) or to a quote; see :func:`closing_byline` for bare names."""
    last = None
    for ln in body_lines:
        if last is not None and pt.EDITOR_LABEL_RE.search(ln.text[:20]):
            break
        if ln.sent >= 2 and not pt.NOTICE_LINE.search(ln.text[:300]):   # (a disclaimer after the text)
            last = ln
    if last is None:
        return None
    rest = "".join(_nows(ln.text) for ln in body_lines if ln is not last) + _nows(ctx.title or "")
    return closing_byline(last.text, mentioned=rest)


def _extract_author(ctx: _Ctx) -> str | None:
    sel = ctx.selector("author")
    if sel:
        t = _selected_text(ctx.page, sel)
        if t:
            return _names_from_byline(t) or t
    v = _author_from_lines(_header_lines(ctx))
    if v:
        return v
    body_lines = ctx.doc.lines_in(ctx.container)
    v = _author_from_lines([ln for ln in body_lines[:3] if len(ln.text) < 60 and ln.sent == 0])
    if v:
        return v
    for ln in body_lines[:6]:
        # By/Par/Por bylines at the top of the text (they may hold commas: X, Y and Z)
        if not _HAN.search(ln.text[:12]):
            # (a byline opening the first paragraph: By X, Associate Editor -- (Wire) - text)
            t = ln.spaced if len(ln.text) < 120 else re.split(r"\s+(?:--|—|–)\s+", ln.spaced[:120])[0]
            name = names_from_english_byline(t) if len(t) < 120 else None
            if name:
                return name
    # (photo captions before the first paragraph do not count as its opening lines)
    for k, ln in enumerate([x for x in body_lines[:8] if x.sent or x.n > 60][:5]):
        # datelines opening the first paragraph: 〔記者巫其倫／台北報導〕, 本报讯（记者 张三）, （某社記者张三台北12日電）
        m = _DATELINE_AUTHOR.search(ln.text[:40]) if k < 3 else None
        name = (_names_from_byline(m.group("v")) if m else None) or dateline_reporter(ln.text[:60])
        if name:
            return name
    if ctx.found_author and ctx.found_author != ctx.source_value:   # (中時) closing a page of 中時: no byline
        return ctx.found_author
    # credits closing the text: the container's last lines, the lines right after the text
    # inside the container (a product table or widgets may follow them) and after it
    after_text = [ln for ln in body_lines if ctx.body_end is not None and ln.start > ctx.body_end][:4]
    v = _author_from_lines([ln for ln in body_lines[-4:] + after_text if len(ln.text) < 80] + _after_body_lines(ctx, 4) + [
        ln for ln in body_lines[-8:-4] if len(ln.text) < 40 and pt.CREDIT_LINE.match(ln.spaced.replace("︰", "："))])
    if v:
        return v
    for i in _slot_elements(ctx, pt.AUTHOR_HINTS, extra=150):
        t = _element_text(ctx, i)
        found = find_dates(t) if t and _HAN.search(t[:1]) else None
        t = t[:found[0][2]].strip() if found and found[0][2] > 0 else t   # 张三 2017-03-01 14:27
        if t and len(t) <= 60 and not pt.EDITOR_LABEL_RE.search(t):
            m = pt.AUTHOR_LABEL_RE.search(t)
            if m and m.start() <= 2 and _HAN.search(t):
                name = _names_from_byline(t)
                if name:
                    return name
            elif not m and _PERSON.match(t) and not _MEDIA_TAIL.search(t) and not (
                    t in pt.NOT_A_NAME or pt.NOT_NAME_WORDS.search(t) or _NOT_SLOT_WORDS.match(t)
                    or _ACCOUNT_SLOT.search(_slot_key(ctx, i))):
                return t   # a bare name in an author slot (<span id="author">王帆</span>)
            # (Jane Roe, Example News Australia: the publication after the comma is no name)
            name = names_from_english_byline(_MEDIA_AFTER_COMMA.sub("", t), bare=True)
            if name:
                return name
    v = _closing_paragraph_credit(ctx, body_lines)   # after the explicit slots: bylines read without a label
    if v:
        return v
    for ln in body_lines[-6:] + _after_body_lines(ctx, 4):   # 本文首发于微信公众号：张三。 (a columnist's own account)
        m = _OWN_ACCOUNT.search(ln.text)
        if m and looks_like_person(m.group("n")):
            return m.group("n")
    if getattr(ctx, "neighbour_author", None):
        return ctx.neighbour_author   # 2018-06-13 10:22 某某网 张三
    for ln in _header_lines(ctx) if not is_zh(ctx) else ():
        name = credit_names(ln.spaced)   # Jane Roe, THE EXAMPLE PRESS
        if name:
            return name
    # JSON-LD and meta authors are not shown on the page: on Chinese pages they are often
    # the editor or the account, so only the visible markup (rel/itemprop) is read there,
    # and a markup name that the lines between headline and text show as a name of its own
    zh = is_zh(ctx)
    if zh:
        shown = [_nows(ln.text) for ln in _header_lines(ctx)]
        for name in markup_han_names([ctx.doc.els[i] for i in ctx.doc.marked], ctx.jsonld, ctx.meta):
            if looks_like_person(name) and any(shows_name(t, name) for t in shown):
                return name
        # a line between headline and text that is one person-like name and nothing else
        # (an unlabelled byline under the headline), when it is the only such line; not a
        # widget label (关闭) nor someone the headline names (a tag, a caption)
        bare = [t for t in (ln.text.strip() for ln in _header_lines(ctx) if not ln.links)
                if 2 <= len(t) <= 4 and looks_like_person(t) and not pt.UI_LINE.match(t)]
        if len(bare) == 1 and bare[0] not in (ctx.source_value or "") and bare[0] not in (ctx.title or ""):
            return bare[0]
    return markup_author([ctx.doc.els[i] for i in ctx.doc.marked], [] if zh else ctx.jsonld, {} if zh else ctx.meta,
                         ctx.site_names() + (ctx.page_title(),))


# --- next page -----------------------------------------------------------------------

_PAGE_SUFFIX = re.compile(r"(?:_\d{1,3})?(\.\w+)?$")


def _extract_next_page(ctx: _Ctx) -> str | None:
    url = ctx.url
    if not url:
        return None
    doc = ctx.doc
    base = url
    for b in ctx.tagged("base"):
        if b.get("href"):
            base = urljoin(url, b.get("href"))
        break
    cur = urlsplit(url)
    stem = _PAGE_SUFFIX.sub("", cur.path)
    lo = ctx.container
    hi = doc.end[lo]
    # Look in the container and just after it (page bars often follow the text).
    after = hi
    for ln in doc.lines:
        if ln.start > hi:
            after = ln.end
            if ln.start > hi + 60:
                break
    for i in range(lo, min(after + 1, len(doc.els))):
        if doc.tags[i] != "a":
            continue
        el = doc.els[i]
        href = el.get("href")
        if not href or href.startswith(("javascript:", "#")):
            continue
        text = _collapse("".join(el.itertext()) if len(el) else el.text)   # a leaf: its text
        if not pt.NEXT_PAGE_TEXT.match(text):
            continue
        target = urljoin(base, href.strip())
        t = urlsplit(target)
        if t.netloc != cur.netloc:
            continue
        if target.split("#")[0] == url.split("#")[0]:
            continue
        tstem = _PAGE_SUFFIX.sub("", t.path)
        if tstem == stem or (t.path == cur.path and t.query != cur.query):
            return target
    return None


# --- entry points --------------------------------------------------------------------


def extract_article(page, source=None, url: str | None = None, now: datetime | None = None) -> dict:
    """Extract the article fields of one parsed page.

    ``page`` is a parsel ``Selector`` or scrapy ``HtmlResponse``; ``source`` an
    :class:`aggregator.sources.Source` (its ``selectors``, ``timezone`` and ``title`` are
    honoured) or None; ``url`` defaults to ``page.url``; ``now`` anchors relative dates
    and dates without a year. Returns a dict with the keys in :data:`FIELDS`:
    ``published`` is ISO 8601 with offset in the source's zone, ``published_from`` one of
    selector/meta/jsonld/text/script/url, ``body_html`` the article container's HTML
    with furniture removed (not sanitised). Besides :data:`FIELDS`, ``body_confidence``
    (how clearly the body container wins, 0-1, see ``bodypick``) and ``body_from``
    (``ours`` or ``trafilatura`` when the second opinion replaced a low-confidence pick),
    ``published_zone`` (``page`` when the page states the offset, ``source`` when the printed
    wall-clock time was read in the source's zone).
    A field that cannot be extracted is None;
    a failing field extractor is logged and does not affect the others.
    """
    url = url or getattr(page, "url", None)
    ctx = _Ctx(page, source, url, now)
    out: dict = dict.fromkeys(FIELDS)

    def run(name, fn, default=None):
        try:
            return fn(ctx)
        except Exception:  # one broken field must not lose the article (see module doc)
            logger.warning("extracting %s failed on %s", name, url, exc_info=True)
            return default

    ctx.title = run("title", _extract_title)
    out["title"] = ctx.title
    body = run("body", _extract_body, ("", ""))
    out["body_html"], out["body_text"] = body
    pub = run("published", _extract_published, (None, None))
    if pub[0] is not None:
        out["published"] = to_tz(pub[0], ctx.tz).isoformat()
        out["published_from"] = pub[1]
        # "page": the page states the offset; "source": a wall-clock time read in the source's zone
        out["published_zone"] = "source" if pub[0].tzinfo is ctx.tz else "page"
    out["source"] = ctx.source_value = run("source", _extract_source)
    author = run("author", _extract_author)
    if author and _HAN.search(author) and (_MEDIA_TAIL.search(author) and not (author[-1] == "志" and looks_like_person(
            author)) or author == out["source"]):   # (王建志 is a person, 某某号 an account)
        author = None   # a media name (中新网, 国际在线) or the publisher is not a byline
    out["author"] = author
    out["next_page"] = run("next_page", _extract_next_page)
    out["origin_url"] = run("origin_url", lambda c: find_origin_url(c.root, url, c.doc))
    out["body_confidence"] = ctx.body_confidence
    out["body_from"] = ctx.body_from
    if len((out["body_text"] or "").strip()) < 20:   # script-rendered page? read its inline state
        run("script_state", lambda c: fill_from_script_state(out, page, c.tz, now), False)
    return out


def stitch_pages(first: dict, more: list[dict]) -> dict:
    """One article from the extracted pages of a multi-page article (in page order).

    Fields come from the first page; bodies are concatenated once each (a page whose
    body equals an earlier one is skipped); ``next_page`` is cleared; ``pages`` counts
    the pages used.
    """
    out = dict(first)
    htmls = [first.get("body_html") or ""]
    texts = [first.get("body_text") or ""]
    seen = {texts[0]}
    for page in more:
        t = page.get("body_text") or ""
        if not t or t in seen:
            continue
        seen.add(t)
        htmls.append(page.get("body_html") or "")
        texts.append(t)
        for key in ("published", "published_from", "source", "author", "title"):
            if not out.get(key) and page.get(key):
                out[key] = page[key]
    out["body_html"] = "\n".join(h for h in htmls if h)
    out["body_text"] = "\n".join(t for t in texts if t)
    out["next_page"] = None
    out["pages"] = len(texts)
    return out
