"""Body clean-up after the article container is chosen (see article.py), and its HTML.

``article._classify_body`` decides line by line what of the container is body (headline,
meta lines, 责任编辑/来源 lines, bylines). This module adds the decisions that need the
container's structure or the position of a line in the text:

* :func:`article_parts`: an article that a CMS split in two or more sibling elements with
  the same tag and ``id`` (a gallery widget closed the text's ``<div id=…>`` early and the
  rest of the text follows in another element with the same id) is read from all of them;
* :func:`refine`:

  - widget labels (图集, 看全文, 收起, +1), photo credits (张建 摄, 题图来自 X), staff
    credits (記者︰X, 美術：X) and desk bylines (社會中心／綜合報導) are cut anywhere;
  - image captions in caption/figure markup (``figcaption``, class ``caption``, ``pic-info``,
    ``figure-box``…) are cut when the container holds text outside them;
  - a summary box (class ``abstract``/``summary``/``excerpt``/``zhaiyao``) before the first
    paragraph of the text is cut: it repeats the lede;
  - a 相关阅读/推荐阅读 heading after the text cuts the list of other stories it opens;
  - short widget lines before the block that holds the text (播报文章, 收藏) are cut;
  - the end of the text is trimmed: from the last line backwards, a stream of teasers (each
    summary in a small item with a linked headline), a photo gallery list, promotions (download the
    app, scan the QR code, follow the account), reprint and copyright notices, disclaimers
    (不代表本站立场), public-service boxes (自殺防治專線) and lines that lie after the block
    holding the text and are not prose themselves (a like button, a tooltip) are cut until
    the first line that is none of these;

* :func:`container_html`: the container serialised with the dropped lines removed.

Pure: works on the ``_Doc`` line view of article.py, no network.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from aggregator.extract import patterns as pt
from aggregator.extract.bodypick import RELATED_HEADING, closing_sentence

__all__ = ["article_parts", "refine", "container_html", "is_notice"]

_HAN = re.compile(r"[\u4e00-\u9fff]")
_CREDIT_TRIM = re.compile(r"^[（(【\[]|[)）】\]]?\d{0,8}$")
# Bullets and brackets stripped before a line is compared with the widget labels.
_DECOR = " \t·•●○■□◆◇▲△▼▽►▶◀★☆※→←↑↓|｜丨【】[]()（）<>《》〈〉«»‹›:：!！?？…-—–=~"


def _is_prose(ln) -> bool:
    return ln.n >= 12 and ln.sent >= 1 and ln.links * 2 < ln.n and not ln.zone


def is_notice(text: str) -> bool:
    """A promotion, reprint/copyright notice, disclaimer or public-service line."""
    if len(text) <= 40 and pt.HOTLINE_LINE.match(text):
        return True
    if len(text) <= 300 and _HAN.search(text) and pt.TAIL_NOTICE_WORDS.search(text):
        for m in pt.TAIL_NOTICE.finditer(text):
            clause = pt.CLAUSE_END.split(text[:m.start()])[-1]
            if not pt.NOTICE_WARNED.search(clause):
                return True   # (a warning against scanning or downloading is the report's own text)
    return bool(pt.NOTICE_LINE.search(text[:300]))


def article_parts(doc, ci: int) -> list[int]:
    """``[ci]`` plus the siblings of ``ci`` that have its tag and ``id`` and hold prose, when
    nothing but widgets (no prose) lies between them and ``ci``."""
    el = doc.els[ci]
    ident = el.get("id")
    p = doc.parent[ci]
    if not ident or p < 0:
        return [ci]
    sibs = [c for c in el.getparent().iterchildren() if isinstance(c.tag, str)]
    if sum(1 for c in sibs if c.get("id") == ident) < 2:
        return [ci]
    parts = [ci]
    at = next(n for n, c in enumerate(sibs) if c is el)
    for step in (1, -1):
        n = at + step
        while 0 <= n < len(sibs):
            sib = sibs[n]
            n += step
            j = doc.index_of(sib)
            if j < 0 or doc.ignored[j]:
                continue
            prose = any(_is_prose(ln) for ln in doc.lines_in(j))
            if sib.get("id") == ident and doc.tags[j] == doc.tags[ci] and not doc.zone[j] and prose:
                parts.append(j)
            elif prose:
                break   # other text between: not one article
    return sorted(parts)


# class/id string -> caption (1) / summary (2) bits
_MARK_CACHE: dict[str, int] = {}


def _marks(doc, parts: list[int]) -> dict[int, int]:
    """Elements inside ``parts`` (not the parts themselves) in a caption/figure box (1) or a
    summary box (2), with their bits."""
    out: dict[int, int] = {}
    parent = doc.parent
    els = doc.els
    tags = doc.tags
    for i in (i for c in parts for i in range(c + 1, doc.end[c] + 1)):
        m = out.get(parent[i], 0)
        attrs = els[i].attrib
        if attrs:
            cls, ident = attrs.get("class"), attrs.get("id")
            if cls or ident:
                key = (cls or "") + " " + (ident or "")
                bits = _MARK_CACHE.get(key)
                if bits is None:
                    bits = (1 if pt.CAPTION_HINTS.search(key) else 0) | (2 if pt.SUMMARY_HINTS.search(key) else 0)
                    if len(_MARK_CACHE) > 20000:
                        _MARK_CACHE.clear()
                    _MARK_CACHE[key] = bits
                m |= bits
        if tags[i] == "figcaption":
            m |= 1
        if m:
            out[i] = m
    return out


def _is_credit(t: str) -> bool:
    """A photo, staff or desk credit line (``t`` without white space: 监 制：X)."""
    return bool(len(t) <= 40 and (pt.PHOTO_CREDIT_LINE.match(t) or pt.ROLE_CREDIT_LINE.match(t)
                                  or pt.DESK_BYLINE_LINE.match(t)) or pt.CREDITS_LINE.match(t))


def _bare(text: str) -> str:
    return text.strip(_DECOR)


def refine(doc, parts: list[int], lines: list, keep: list[bool]) -> None:
    """Cut widget labels, credits, captions, a leading summary box and the closing notices
    from the body lines of ``parts`` (``keep`` is updated in place; see the module doc)."""
    if not lines:
        return
    marks = _marks(doc, parts)
    mark = [marks.get(ln.owner, 0) for ln in lines]
    # caption and summary boxes go only when the text outside them is the larger part
    # (a page may be one photo; a "summary" class may hold the whole text)
    prose = [0, 0, 0, 0]
    for k, ln in enumerate(lines):
        if keep[k] and _is_prose(ln):
            prose[mark[k]] += ln.n
    outside = prose[0] + prose[2]
    has_text = outside >= 20 and 2 * outside >= prose[1] + prose[3]
    has_summary = prose[0] + prose[1] > 2 * (prose[2] + prose[3])
    first_text = -1
    summary: set[str] = set()
    for k, ln in enumerate(lines):
        if not keep[k]:
            continue
        text = ln.text
        m = mark[k]
        bare = _bare(text) if len(text) <= 16 and ln.sent <= 1 else ""
        if bare and pt.UI_LINE.match(bare):
            keep[k] = False
        elif len(text) <= 60 and ln.sent <= 1 and _is_credit(_CREDIT_TRIM.sub("", "".join(text.split()))):
            keep[k] = False   # (（編輯：X）1071230: brackets and a date code around a credit)
        elif len(text) <= 40 and pt.WIDGET_TEXT.search(text):
            keep[k] = False
        elif len(text) <= 120 and pt.ORIGINAL_TITLE_LINE.match(text):
            keep[k] = False
        elif m & 1 and has_text and len(text) <= 400:
            keep[k] = False
        elif m & 2 and first_text < 0 and has_summary and len(text) <= 400 and _HAN.search(text[:40]):
            keep[k] = False   # a 摘要 box before the text (English summaries are body)
            summary.add(text)
        elif first_text < 0 and is_notice(text):
            keep[k] = False   # 本文首发于…, 转载请注明… above the text
        elif first_text < 0 and _is_prose(ln):
            first_text = k
    _cut_related_box(doc, lines, keep)
    _cut_comments(lines, keep)
    if summary:
        # the paragraph a summary box repeated was dropped as a repeat: it is the text
        for k, ln in enumerate(lines):
            if not keep[k] and ln.text in summary and not mark[k] & 2:
                keep[k] = True
                summary.discard(ln.text)
    _trim_tail(doc, parts, lines, keep)


def _cut_comments(lines: list, keep: list[bool]) -> None:
    """Readers' comments under the text: from a line that opens them (a "Comments" heading,
    a comment counter, a "Posted by: X on <date>" line; ``pt.COMMENTS_OPENER``) after some
    text, that line and every line after it go."""
    seen = 0
    for k, ln in enumerate(lines):
        # (an opener already dropped as a widget label still opens the comments; a link is a
        # button to comments shown elsewhere, a paragraph may follow it)
        if (seen >= 200 and len(ln.text) <= 80 and ln.links <= ln.n
                and pt.COMMENTS_OPENER.match(_bare(ln.text) or "-")):
            for x in range(k, len(lines)):
                keep[x] = False
            return
        if keep[k] and _is_prose(ln):
            seen += ln.n


def _cut_related_box(doc, lines: list, keep: list[bool]) -> None:
    """A 相关阅读/推荐阅读 heading after some text opens a list of other stories: the heading
    and the lines after it go up to the next paragraph of plain text (a line with a link,
    a short line, or a teaser under a linked headline of the same item belong to the list).
    English 'Read more' labels also sit inside the text as links and are left alone."""
    seen_text = False
    parent = doc.parent
    k, n = 0, len(lines)
    while k < n:
        ln = lines[k]
        if not (seen_text and ln.n + ln.links <= 20 and ln.sent == 0 and _HAN.search(ln.text)
                and RELATED_HEADING.match(_bare(ln.text) or "-")):
            seen_text = seen_text or keep[k] and _is_prose(ln)
            k += 1
            continue
        j = k + 1
        while j < n:
            lj = lines[j]
            if lj.links * 3 >= lj.n or not _is_prose(lj):
                j += 1   # a linked item (a text paragraph with a link in a sentence ends the list)
                continue
            prev = lines[j - 1]
            if prev.links * 2 >= prev.n + prev.links and (
                    prev.owner in (lj.owner, parent[lj.owner]) or parent[prev.owner] == parent[lj.owner]
                    and len(doc.lines_in(parent[lj.owner])) <= 3):
                j += 1   # the summary under a linked headline, in one item with it
                continue
            break
        for x in range(k, j):
            keep[x] = False
        k = j


def _trim_tail(doc, parts: list[int], lines: list, keep: list[bool]) -> None:
    kept = [k for k in range(len(lines)) if keep[k]]
    gallery = _gallery_lines(doc, parts, lines, kept) | _teaser_lines(doc, lines, kept)
    # the last line of the text: prose that is neither a notice nor a gallery caption
    last = next((k for k in reversed(kept) if _is_prose(lines[k]) and k not in gallery
                 and not is_notice(lines[k].text)), -1)
    if last < 0:
        return
    # the block holding the text: the smallest element around its substantial paragraphs
    # in the part that holds the last one
    part = next(c for c in parts if c <= lines[last].owner <= doc.end[c])
    p_end = doc.end[part]
    # notices among the paragraphs just before the last line (a disclaimer above a tooltip)
    notices = set()
    for k in reversed(kept):
        if k >= last:
            continue
        ln = lines[k]
        if ln.n >= 20 and _is_prose(ln):
            if not is_notice(ln.text):
                break
            notices.add(k)
    a = z = -1
    for k in kept:
        if k > last:
            break
        ln = lines[k]
        if ln.n >= 20 and part <= ln.owner <= p_end and k not in gallery and k not in notices and _is_prose(ln):
            if a < 0:
                a = ln.owner
            z = ln.owner
    if a < 0:
        a = z = lines[last].owner
    parent, end = doc.parent, doc.end
    while a >= 0 and not (a <= z <= end[a]):
        a = parent[a]
    block_end = end[a] if a >= 0 else -1
    if a >= 0 and part == parts[0]:
        # before the block: short widget lines (播报文章, 收藏, a lone counter)
        for k in kept:
            ln = lines[k]
            if ln.start >= a:
                break
            if ln.n + ln.links <= 8 and not ln.sent:
                keep[k] = False
    for k in reversed(kept):
        ln = lines[k]
        text = ln.text
        if is_notice(text) or k in gallery:
            keep[k] = False
        elif ln.start > block_end and (ln.n < 20 or not _is_prose(ln)) and not _closing_sentence(ln):
            keep[k] = False   # a widget after the text block (like button, form, short tooltip)
        elif len(text) <= 16 and ln.sent == 0 and text.endswith(("公众号", "公眾號", "微信号", "微信號")):
            keep[k] = False
        else:
            break


def _closing_sentence(ln) -> bool:
    """A short last paragraph after the text's block: a sentence (欢迎市民前往参观。), not a
    widget, credit or end mark."""
    t = ln.text
    return (closing_sentence(ln) and not pt.EDITOR_LABEL_RE.search(t) and not pt.AUTHOR_LABEL_RE.match(t)
            and not is_notice(t))


def _teaser_lines(doc, lines: list, kept: list[int]) -> set[int]:
    """Kept lines at the end that form a stream of teasers: each summary sits in a small
    item with a linked headline (the headline line itself is a link line, dropped), with
    the stream's section labels between them; at least two summaries, and less prose than
    the text above them."""
    out: set[int] = set()
    summaries = 0
    parent, total = doc.parent, doc.total
    for k in reversed(kept):
        ln = lines[k]
        if not _is_prose(ln):
            if ln.n + ln.links > 40:
                break
            out.add(k)   # a section label of the stream ("Headlines")
            continue
        if not _in_teaser_item(doc, ln, parent, total):
            break
        out.add(k)
        summaries += 1
    if summaries < 2:
        return set()
    n_in = sum(lines[k].n for k in out)
    if n_in * 2 > sum(lines[k].n for k in kept if _is_prose(lines[k])):
        return set()
    return out


def _in_teaser_item(doc, ln, parent, total) -> bool:
    u = ln.owner
    for _ in range(3):
        if u < 0 or total[u] > 500:
            return False
        for other in doc.lines_in(u):
            if other is not ln and other.links >= 4 and other.links * 2 >= other.n + other.links:
                return True
        u = parent[u]
    return False


def _gallery_lines(doc, parts: list[int], lines: list, kept: list[int]) -> set[int]:
    """Kept lines at the end that sit in list items holding an image (a photo gallery after
    the text: each item a picture and its caption)."""
    out: set[int] = set()
    lo, hi = parts[0], doc.end[parts[-1]]
    parent, tags, els = doc.parent, doc.tags, doc.els
    for k in reversed(kept):
        o = lines[k].owner
        while o >= lo and tags[o] != "li":
            o = parent[o]
        if o < lo or o > hi or next(els[o].iter("img"), None) is None:
            break
        out.add(k)
    if out:
        # a list of pictures that is most of the text is the article (a photo story)
        n_in = sum(lines[k].n for k in out)
        if n_in * 2 > sum(lines[k].n for k in kept):
            return set()
    return out


# --- HTML ---------------------------------------------------------------------------


def container_html(doc, ci: int, lines: list, keep: list[bool], trusted: bool = False) -> str:
    """Serialise the container with dropped lines and furniture removed (on a copy)."""
    orig = doc.els[ci]
    dup = copy.deepcopy(orig)
    lo, hi = ci, doc.end[ci]
    # Map original element indices to the copy's elements: both iterate in the same order;
    # comments and PIs are skipped the way _Doc skipped them.
    mapping = {}
    idx = lo
    ignored = doc.ignored
    orig_iter = orig.iter()
    for o, c in zip(orig_iter, dup.iter()):
        if not isinstance(o.tag, str):
            continue
        if idx > hi:
            break
        if doc.els[idx] is not o:
            # skipped (ignored) subtrees are not in doc.els: realign
            continue
        mapping[idx] = c
        idx += 1
    drop_elems: set[int] = set()
    blank: list[tuple[int, bool]] = []
    # lines per owner to know when a whole block goes
    by_owner: dict[int, list[int]] = {}
    for k, ln in enumerate(lines):
        by_owner.setdefault(ln.owner, []).append(k)
    for k, ln in enumerate(lines):
        if keep[k]:
            continue
        o = ln.owner
        ks = by_owner[o]
        if o != ci and all(not keep[x] for x in ks) and not _has_kept_descendant(doc, o, keep, by_owner):
            drop_elems.add(o)
            continue
        blank.extend(ln.pieces)
        drop_elems.update(i for i in ln.inlines if doc.end[i] <= ln.end)
    for i in range(lo, hi + 1):
        if ignored[i] or (doc.zone[i] and not doc.zone[ci] and not trusted):
            drop_elems.add(i)
    # Remove the outermost dropped elements only.
    for i in sorted(drop_elems):
        p = doc.parent[i]
        skip = False
        while p >= lo:
            if p in drop_elems:
                skip = True
                break
            p = doc.parent[p]
        if skip:
            continue
        c = mapping.get(i)
        if c is None:
            continue
        _drop_keep_tail(c)
    for i, is_tail in blank:
        c = mapping.get(i)
        if c is None:
            continue
        if is_tail:
            if c.getparent() is not None or c is dup:
                c.tail = None
        else:
            c.text = None
    if dup.tail:
        dup.tail = None
    return etree.tostring(dup, encoding="unicode", method="html")


def _has_kept_descendant(doc, o: int, keep, by_owner) -> bool:
    hi = doc.end[o]
    for owner, ks in by_owner.items():
        if o < owner <= hi and any(keep[x] for x in ks):
            return True
    return False


def _drop_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
