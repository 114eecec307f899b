"""Second look at the article container chosen by the line scores (see article.py).

The line-value scoring picks the element whose subtree sums the most prose. It can lose a
short article (a one-paragraph bulletin) to a wrapper that also holds a stream of teasers
(each a linked headline plus a one-sentence summary: prose too). This module measures how
clearly the chosen container wins and, when the headline is known, offers the
*headline-anchored* alternative:

* anchor: the first paragraph after the headline; its wrappers are tried from the smallest
  up to the largest ancestor that does not contain the headline;
* the anchored element replaces the chosen container when the chosen one lies elsewhere on
  the page and it (or a wrapper of it) is marked as recommended/related content (a second,
  pre-rendered article under "推荐"), or at least half of its prose is teaser-like; or
* the smallest wrapper inside the chosen container replaces it when the prose the
  container holds outside the wrapper is mostly teasers: lines whose enclosing unit (the parent of the
  line's block, a few hundred characters at most) holds a linked headline (a line that is
  mostly a link, a tenth of the unit or more), or summaries of a flat stream (a linked headline
  line then a summary sentence, three times or more under one parent, as in ``<dl><dt><a>``),
  or lines inside an element whose class/id says recommended/related, or lines in the box that a
  "related/recommended" heading opens (the largest ancestor whose first line it is). Prose outside
  the anchor that is not teaser-like (the rest of a long article) keeps the wider container.

``confidence`` is the share of the page's sentence prose (outside furniture) that the chosen
element holds, times the share of the chosen element's prose that is not teaser-like: 1.0
when one block holds all the prose of the page, near 0 when the container is mostly a
stream of teasers. When the anchored rules did not change the pick and the confidence is
below ``LOW_CONFIDENCE``, :func:`second_opinion` asks trafilatura (a dependency; non-Chinese pages only) and
keeps the better text by the rule in its docstring (on non-Chinese pages only: on Chinese
pages it never changed the answer on the development pages). On corpus-dev 7 of 93
non-Chinese pages have a confidence below it. The extractor returns the confidence as ``body_confidence``.

Pure: operates on the ``_Doc`` line view, no network.
"""

from __future__ import annotations

import re

__all__ = ["anchored_container", "closing_sentence", "confidence", "second_opinion", "widen_to_closing_sentence",
           "LOW_CONFIDENCE"]

# Headings that open a block of other stories (not the article).
RELATED_HEADING = re.compile(
    r"^(?:相关(?:阅读|新闻|文章|推荐|报道|链接)|相關(?:閱讀|新聞|文章|報導)|推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|"
    r"猜你喜欢|你可能(?:还|還)?(?:想看|喜欢|喜歡|感兴趣|感興趣)|热门推荐|熱門推薦|更多(?:新闻|新聞|精彩|资讯)|"
    r"热点新闻|热门文章|精彩推荐|编辑推荐|為你推薦|为你推荐|[\u4e00-\u9fff]{0,6}(?:推荐|推薦)|"
    r"related(?: stories| articles| posts| news| content)?|more (?:stories|news|from|on)\b.*|"
    r"you (?:may|might) also like|recommended(?: for you| stories)?|read (?:more|next|also)|"
    r"trending(?: now)?|popular(?: now| stories)?|most (?:read|popular|viewed))\s*[:：]?$", re.I)


# class/id words of a block of other stories
_RELATED_CLASS = re.compile(r"(?:^|[-_\s])(?:recommend\w*|related|relate|tuijian|xgxw|xgyd|more-?stories|"
                            r"read-?next|up-?next|next-?article)(?:$|[-_\s\d])", re.I)
# a line that is a byline or a date, not the first paragraph
_META_LINE = re.compile(r"^\s*(?:by|par|por|von)\s|\b(?:19|20)\d\d\b.{0,12}\d{1,2}:\d\d|"
                        r"\d{1,2}:\d\d.{0,30}\b(?:19|20)\d\d\b|(?:19|20)\d\d\s*[-/年.]\s*\d{1,2}\s*[-/月.]", re.I)


# class/id string -> _RELATED_CLASS found in it (pages of a site repeat their class names)
_RELATED_CACHE: dict[str, bool] = {}


def _related_marks(doc) -> list[bool]:
    """Per element: it or an ancestor has a recommended/related class or id."""
    marks = getattr(doc, "_related_marks", None)
    if marks is not None:
        return marks
    els, parent, hint = doc.els, doc.parent, doc.hint
    marks = [False] * len(els)
    for i in range(len(els)):
        p = parent[i]
        if p >= 0 and marks[p]:
            marks[i] = True
        elif hint[i] & 1:
            el = els[i]
            key = (el.get("class") or "") + " " + (el.get("id") or "")
            hit = _RELATED_CACHE.get(key)
            if hit is None:
                hit = bool(_RELATED_CLASS.search(key))
                if len(_RELATED_CACHE) > 20000:
                    _RELATED_CACHE.clear()
                _RELATED_CACHE[key] = hit
            if hit:
                marks[i] = True
    doc._related_marks = marks
    return marks


def _link_totals(doc) -> list[int]:
    """Characters of link lines (lines that are mostly a link: a linked headline) per subtree
    (computed once per page; callers only read it)."""
    links = getattr(doc, "_link_totals", None)
    if links is not None:
        return links
    links = [0] * len(doc.els)
    for ln in doc.lines:
        if ln.owner >= 0 and _is_link_line(ln):
            links[ln.owner] += ln.links + ln.n
    parent = doc.parent
    for i in range(len(doc.els) - 1, 0, -1):
        p = parent[i]
        if p >= 0:
            links[p] += links[i]
    doc._link_totals = links
    return links


def _is_prose(ln) -> bool:
    return ln.n >= 12 and ln.sent >= 1 and ln.links * 2 < ln.n and not ln.zone


def _is_link_line(ln) -> bool:
    return ln.links >= 4 and ln.links * 2 >= ln.n + ln.links


def _paired_teasers(doc) -> set[int]:
    """ids of the summary lines of teaser streams laid out flat: a linked headline line, then a
    summary sentence, three times or more under one parent (``<dl><dt><a>…</a><dd>…``, or
    ``<h4><a>…</a></h4><p>…</p>`` repeated in one box), or twice when that is all its prose, where no per-item wrapper makes the
    small-unit rule of :func:`_teaser_split` apply (computed once per page)."""
    found = getattr(doc, "_paired_teasers", None)
    if found is not None:
        return found
    parent = doc.parent
    units: dict[int, list] = {}
    prev = None
    for ln in doc.lines:
        if (prev is not None and ln.owner >= 0 and prev.owner >= 0 and _is_link_line(prev)
                and _is_prose(ln) and ln.n <= 400):
            u = parent[ln.owner]
            if u >= 0 and (parent[prev.owner] == u or prev.owner == ln.owner or parent[prev.owner] == ln.owner):
                units.setdefault(u, []).append(ln)
        prev = ln
    found = set()
    for u, lns in units.items():
        if len(lns) < 3:
            # two pairs: a stream only when they are all the prose the unit holds
            lo, hi = u, doc.end[u]
            if len(lns) < 2 or sum(1 for ln in doc.lines if lo <= ln.owner <= hi and _is_prose(ln)) > len(lns):
                continue
        found.update(id(ln) for ln in lns)
    doc._paired_teasers = found
    return found


def _teaser_split(doc, lines, links, anchor: int = -1) -> tuple[int, int]:
    """(prose characters, teaser-like prose characters) of ``lines``; a box opened by a
    related heading may be of any size when it does not hold ``anchor``."""
    prose = teaser = 0
    box = (0, -1)   # element range of a box opened by a "related" heading
    parent = doc.parent
    total = doc.total
    marked = _related_marks(doc)
    paired = _paired_teasers(doc)
    for ln in lines:
        if ln.n + ln.links <= 20 and ln.owner >= 0 and RELATED_HEADING.match(ln.text):
            # the box: the largest ancestor that the heading opens (its first line)
            k = doc.lines.index(ln)
            prev = doc.lines[k - 1] if k else None
            b = ln.owner
            while True:
                q = parent[b]
                if q < 0 or q <= anchor <= doc.end[q] or (prev is not None and q <= prev.owner <= doc.end[q]):
                    break
                b = q
            if b != ln.owner and total[b] <= (2000 if anchor < 0 else total[0]):
                box = (b, doc.end[b])
            continue
        if not _is_prose(ln):
            continue
        prose += ln.n
        unit = parent[ln.owner] if ln.owner >= 0 else -1
        if box[0] <= ln.owner <= box[1] or marked[ln.owner] or id(ln) in paired or (
                unit >= 0 and 0 < total[unit] <= 400 and links[unit] * 10 >= total[unit]):
            teaser += ln.n
    return prose, teaser


def confidence(doc, ci: int) -> float:
    """How clearly element ``ci`` is the article (see the module doc), in [0, 1]."""
    page = sum(ln.n for ln in doc.lines if _is_prose(ln))
    if not page:
        return 0.0
    lo, hi = ci, doc.end[ci]
    inside = [ln for ln in doc.lines if lo <= ln.owner <= hi]
    prose, teaser = _teaser_split(doc, inside, _link_totals(doc))
    if not prose:
        return 0.0
    return (prose / page) * (1 - teaser / prose)


def anchored_container(doc, ci: int, title_idx: int, containers) -> int:
    """The headline-anchored article element when it should replace ``ci``, else ``ci``."""
    if title_idx < 0:
        return ci
    t_end = doc.end[title_idx]
    first = None
    for ln in doc.lines:
        # the first paragraph of text: not a byline or date line
        if ln.start > t_end and _is_prose(ln) and not ln.links and not _META_LINE.search(ln.text):
            first = ln
            break
    if first is None or first.owner < 0:
        return ci
    parent = doc.parent
    a = first.owner
    while parent[a] >= 0 and not (parent[a] <= title_idx <= doc.end[parent[a]]):
        a = parent[a]
    if not (ci <= a <= doc.end[ci]):
        if doc.tags[a] not in containers or doc.zone[a]:
            return ci
        # the chosen element is elsewhere: keep the headline's own text when the chosen one
        # (or a wrapper of it below the common ancestor) is marked as recommended/related
        p = ci
        while p >= 0 and not (p <= a <= doc.end[p]):
            if _RELATED_CLASS.search((doc.els[p].get("class") or "") + " " + (doc.els[p].get("id") or "")):
                break
            p = parent[p]
        if doc.tags[a] == "p":
            return ci
        if p < 0 or p <= a <= doc.end[p]:
            # not marked: still a stream of teasers when most of its prose is teaser-like
            prose, teaser = _teaser_split(doc, doc.lines_in(ci), _link_totals(doc), a)
            if not prose or teaser * 2 < prose:
                return ci
        if any(_is_prose(ln) for ln in doc.lines if a <= ln.owner <= doc.end[a]):
            return a
        return ci
    # inside the chosen element: the smallest wrapper of the first paragraph (up to ``a``)
    # outside which the chosen element holds only teasers
    c_lo, c_hi = ci, doc.end[ci]
    in_c = [ln for ln in doc.lines if c_lo <= ln.owner <= c_hi and ln.start > t_end]
    links = None
    x = first.owner
    while True:
        if doc.tags[x] != "p" and doc.tags[x] in containers and not doc.zone[x] and x != ci:
            if links is None:
                links = _link_totals(doc)
            x_hi = doc.end[x]
            x_prose = sum(ln.n for ln in in_c if x <= ln.owner <= x_hi and _is_prose(ln))
            if x_prose:
                outside = [ln for ln in in_c if not x <= ln.owner <= x_hi]
                prose, teaser = _teaser_split(doc, outside, links, x)
                # the rest of the article would be plain prose outside; teasers are not
                if prose - teaser <= 0.3 * x_prose:
                    return x
        if x == a or parent[x] < 0:
            break
        x = parent[x]
    return ci


def closing_sentence(ln) -> bool:
    """A short line that reads as a sentence closing the text (欢迎市民前往参观。): no link, not
    furniture, sentence punctuation, ending with a full stop, question or exclamation mark."""
    return ln.n >= 6 and not ln.links and not ln.zone and ln.sent >= 1 and ln.text[-1:] in "。！？!?…"


def widen_to_closing_sentence(doc, ci: int, title_end: int = -1) -> int:
    """The parent of ``ci`` when all it holds besides ``ci`` is one or two short closing
    sentences after it (``<div><div>text</div><p>欢迎市民前往参观。</p></div>``: a last
    paragraph set outside the text's inner block scores too little to be chosen with it)."""
    p = doc.parent[ci]
    if p < 0 or doc.zone[p] or doc.hint[p] & 1:
        return ci
    hi = doc.end[ci]
    extra = []
    for ln in doc.lines_in(p):
        if ci <= ln.owner <= hi or ln.start <= title_end:
            continue
        if ln.start < ci:
            return ci   # text before the chosen block: another layout
        extra.append(ln)
    if not 1 <= len(extra) <= 2:
        return ci
    return p if all(closing_sentence(ln) and ln.n <= 60 for ln in extra) else ci


# --- second opinion -------------------------------------------------------------------

#: Below this confidence the chosen container is checked against trafilatura's reading.
LOW_CONFIDENCE = 0.6


def _bigrams(text: str) -> dict[str, int]:
    s = "".join(text.split())
    out: dict[str, int] = {}
    for i in range(len(s) - 1):
        k = s[i:i + 2]
        out[k] = out.get(k, 0) + 1
    return out


def _overlap(a: dict[str, int], b: dict[str, int]) -> int:
    return sum(min(v, b.get(k, 0)) for k, v in a.items())


def second_opinion(root, ours: str) -> str | None:
    """trafilatura's body text when it should replace ``ours`` (a low-confidence pick), else None.

    The rule, over character bigrams (white space removed):

    * ours is under a quarter of trafilatura's text and at least 80 % of ours is inside it:
      ours is a fragment of the article (one item of a list, a caption) -> trafilatura;
    * ours is over 1.5 times trafilatura's text and at least 90 % of trafilatura's is inside
      ours: the same article with furniture around it -> trafilatura, the tighter cut;
    * otherwise the two disagree about *which* text is the article, and ours stays (our
      headline-anchored rules have already looked at the page); an empty body stays empty
      (a page without text is not an article).

    trafilatura (a dependency) is imported on first use; when it fails on a page, None.
    It works on a copy of the tree (it prunes in place). Its fast mode (no fallback
    extractors) answers first: when by the rule its text would not replace ours, that is the
    answer; when it would, its full mode is asked and the rule applied to that text (the
    full mode costs up to several times more on some pages; on the corpus and the shared
    pages the two modes never disagreed about keeping ours).
    """
    import logging

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if _replaces(_trafilatura(root, fast=True), ours) is None:
        return None
    return _replaces(_trafilatura(root, fast=False), ours)


def _trafilatura(root, fast: bool) -> str:
    import copy
    import trafilatura

    try:
        return trafilatura.extract(copy.deepcopy(root), fast=fast, include_comments=False, include_tables=True) or ""
    except Exception:  # a second opinion must not take the field down
        return ""


def _replaces(theirs: str, ours: str) -> str | None:
    """``theirs`` when the rule of :func:`second_opinion` says it replaces ``ours``."""
    bo, bt = _bigrams(ours), _bigrams(theirs)
    so, st = sum(bo.values()), sum(bt.values())
    if not st:
        return None
    common = _overlap(bo, bt)
    if so and so < 0.25 * st and common >= 0.8 * so:
        return theirs
    if so > 1.5 * st and common >= 0.9 * st:
        return theirs
    return None
