"""The publication date of an article page (one field of :mod:`aggregator.extract.article`).

Signals, most trusted first:

1. the source's ``published`` selector;
2. the date printed between headline and body (Chinese rules first: labelled 发布时间 …,
   then the first date; then human dates of other languages, ``Wed, 19 Oct 2022``,
   ``10.11.2017``), else in the headline's own element after it (a table cell with
   headline, ``<br>`` and time) or, for a headline read from ``<title>``, on the line
   showing it; a date printed after an *update* label (``Updated``, ``修改时间``…)
   is taken only when the header prints no other date. An unlabelled day there yields to a
   labelled date in the metadata above the text (``发文日期：`` then ``日期：``, not
   ``成文日期``). A relative date (``今日 09:18``) without a fetch time (``now``) and
   without a machine-readable date is no date: the clock never stands in for the page.
   A day read without its time (a date-only line, the URL, a script) takes the time printed
   with the same day near the headline; an ambiguous ``10/04/2011`` takes the order of
   day and month the URL's date agrees with;
3. machine-readable dates: publication meta tags (``article:published_time``, ``DC.date*``,
   ``dc:created``, ``pubdate``, ``sailthru.date``, ``parsely-pub-date``…), JSON-LD
   ``datePublished``/``dateCreated`` (also inside ``@graph``), microdata
   ``itemprop=datePublished|dateCreated`` and ``<time datetime>`` elements of the article
   (not those marked as updated or sitting in navigation/related boxes). *Modified* dates
   never stand for the publication date; they only supply a year to a printed ``10-08``;
4. a labelled date anywhere on the page, a date the text carries (a dateline opening the
   first paragraph, a labelled or short dated line just after the text, not a related
   item), a date in an inline script, a date in the URL
   (``/2022/0119/``, ``/2019/6/26/``, ``2019-05-05``), then in the path of an image of the
   article text;
5. when all of these find nothing on a non-Chinese page: htmldate without its extensive
   free-text search (its markup and URL rules; the free-text pass found a few more right
   dates on the development pages but as many wrong ones and cost half the extraction
   time); its bare-year and bare-month guesses (the 1st at midnight) and dates on an
   update day are dropped. It runs on a copy of the tree, on about one page in ten, so its cost
   is small (measured in tests/benchmarks/extraction.py).

The context ``ctx`` is the extractor's ``_Ctx`` (see article.py): ``doc`` (the line view),
``meta``, ``jsonld``, ``tz``, ``now``, ``url``, ``title_idx``, ``header()`` and
``line_starts``.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from contextlib import contextmanager
from datetime import datetime, timedelta

from aggregator.extract import patterns as pt
from aggregator.extract.dates import date_from_url, find_date_in_text, find_dates, parse_date, to_tz

__all__ = ["extract_published", "is_zh"]

logger = logging.getLogger(__name__)

_LABEL_STRONG_END = re.compile(r"(?:%s)\s*[:：]?\s*$" % pt.DATE_LABELS[0], re.I)
_LABEL_WEAK_END = re.compile(r"(?:%s)\s*[:：]\s*$" % pt.DATE_LABELS[1])
# A date right after one of these is when the page was changed, not published.
_UPDATE_END = re.compile(
    r"(?:updated?|last\s+updated|modified|edited|revised|aktualisiert|geändert|mis\s+à\s+jour|modifié|"
    r"actualizado|actualización|aggiornato|atualizado|bijgewerkt|修改时间|修改時間|最后更新|最後更新|"
    r"更新于|更新於)\s*(?:on|am|le|el|il|em|op)?\s*[:：]?\s*$", re.I)
_UPDATE_WORDS = re.compile(r"updat|modif", re.I)


def _sane(ctx, dt: datetime | None) -> datetime | None:
    """``dt`` unless it is before 1995 or more than two days in the future."""
    if dt is None or dt.year < 1995:
        return None
    now = ctx.now or datetime.now(dt.tzinfo)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.tzinfo)
    if dt - now > timedelta(days=2):
        return None
    return dt


_HAN = re.compile(r"[\u4e00-\u9fff]")


def is_zh(ctx) -> bool:
    """A Chinese page: a Chinese headline, or declared so."""
    if _HAN.search(ctx.title or ctx.page_title() or ""):
        return True   # a Chinese headline (whatever a template's lang attribute says)
    lang = (ctx.root.get("lang") or ctx.root.get("xml:lang") or "").lower()
    return lang.startswith("zh")


def _meta_dates(ctx, names) -> list[tuple[datetime, str]]:
    out = []
    meta = ctx.meta
    for name in names:
        v = meta.get(name)
        if v:
            dt = _sane(ctx, parse_date(v, ctx.tz, ctx.now))
            if dt is not None:
                out.append((dt, name))
    return out


def _jsonld_date(ctx) -> datetime | None:
    for d in ctx.jsonld:
        v = d.get("datePublished") or d.get("dateCreated")
        if isinstance(v, list) and v:
            v = v[0]
        if isinstance(v, str):
            dt = _sane(ctx, parse_date(v, ctx.tz, ctx.now))
            if dt is not None:
                return dt
    return None


def _element_value(el) -> str:
    for attr in ("datetime", "content", "title", "value"):
        v = el.get(attr)
        if v and v.strip():
            return v
    try:
        return " ".join(el.itertext())[:120]
    except ValueError:
        return ""


def _element_date(ctx) -> datetime | None:
    """Microdata ``itemprop=datePublished|dateCreated`` first, then a ``<time datetime>``
    of the article: the first one from the headline on (else the first on the page)
    that is not marked as updated and not in navigation or a related box."""
    doc = ctx.doc
    props = []
    times = []
    for i in doc.marked:   # elements with itemprop/datetime/pubdate, in document order
        el = doc.els[i]
        prop = (el.get("itemprop") or "").lower()
        if prop in ("datepublished", "datecreated") or el.get("pubdate") is not None:
            props.append(el)
        if doc.tags[i] == "time" and el.get("datetime"):
            times.append(i)
    for el in props:
        if el.tag == "meta":
            continue  # read with the other meta tags
        dt = _sane(ctx, parse_date(_element_value(el), ctx.tz, ctx.now))
        if dt is not None:
            return dt
    if not times:
        return None
    start = ctx.title_idx if ctx.title_idx >= 0 else 0
    best = None
    for i in times:
        el = doc.els[i]
        key = " ".join((el.get("class") or "", el.get("itemprop") or "", el.get("id") or ""))
        if _UPDATE_WORDS.search(key):
            continue
        if doc.zone[i] or doc.ignored[i]:
            continue
        dt = _sane(ctx, parse_date(el.get("datetime"), ctx.tz, ctx.now))
        if dt is None:
            continue
        if i >= start:
            return dt
        if best is None:
            best = dt
    return best


def _script_date(ctx) -> datetime | None:
    tagged = getattr(ctx, "tagged", None)   # the page's scripts, collected once
    for s in (tagged("script") if tagged else ctx.root.iter("script")):
        text = s.text
        if not text or len(text) > 500_000:
            continue
        if (s.get("type") or "").lower() == "application/ld+json":
            continue
        m = pt.SCRIPT_DATE.search(text)
        if m:
            dt = _sane(ctx, parse_date(m.group("v"), ctx.tz, ctx.now))
            if dt is not None:
                return dt
    return None


def _dates_in_lines(ctx, lines) -> tuple[datetime, bool, bool, bool, bool] | None:
    """A labelled date in ``lines`` first, else the first date that is not an update:
    ``(date, has_time, has_year, relative, labelled)``."""
    first = None
    updated = None
    badge = _calendar_badge(lines)
    if badge is not None:
        lines = [badge, *lines]
    for ln in lines:
        if ln.links and ln.links > 2 * ln.n + 10 and ln.n:
            continue   # a link list (a related headline with its date), not a date line
        text = ln.spaced
        found = find_dates(text, ctx.tz, ctx.now)
        for d in found:
            if ln.links and not ln.n and ln.links - len("".join(d[1].split())) > 10:
                continue   # all link: a related headline with its date (a linked date alone is kept)
            pre = text[max(0, d[2] - 16):d[2]]
            if _UPDATE_END.search(pre):
                if updated is None:
                    updated = (d[0], d[3], d[4], d[5], False)
                continue
            if _LABEL_STRONG_END.search(pre) or _LABEL_WEAK_END.search(pre):
                return d[0], d[3], d[4], d[5], True
            if first is None:
                first = (d[0], d[3], d[4], d[5], False)
    return first or updated


_DAY_ONLY = re.compile(r"^(?:0?[1-9]|[12]\d|3[01])$")
_YEAR_MONTH = re.compile(r"^((?:19|20)\d\d)\s*(?:年|[-/.])\s*(0?[1-9]|1[0-2])\s*月?$")


class _Badge:
    """A calendar badge read as one line: the day and the year-month printed as two blocks
    (<div class=day>21</div><div class=year>2024年02月</div>), in either order."""

    links = n = 0

    def __init__(self, text: str):
        self.spaced = self.text = text
        self.n = len(text)


def _calendar_badge(lines) -> _Badge | None:
    for a, b in zip(lines, lines[1:]):
        ta, tb = a.text.strip(), b.text.strip()
        for day, ym in ((ta, tb), (tb, ta)):
            m = _YEAR_MONTH.match(ym)
            if m and _DAY_ONLY.match(day):
                return _Badge(f"{m.group(1)}年{int(m.group(2))}月{int(day)}日")
    return None


def _title_line_dates(ctx):
    """A date printed in the headline's own element after the headline (a table cell
    holding headline, <br> and time), or, when the headline was read from <title>, on the
    line that shows it and the two lines after it."""
    doc = ctx.doc
    fc = ctx.first_content_line
    if ctx.title_idx >= 0:
        t, t_end = ctx.title_idx, doc.end[ctx.title_idx]
        k = bisect_right(ctx.line_starts, t) - 1
        lines = [ln for ln in doc.lines[max(0, k):k + 6] if t < ln.start <= t_end and not ln.zone]
        return _dates_in_lines(ctx, lines[:3])
    key = "".join((ctx.title or "").split())
    if len(key) < 4:
        return None
    for k, ln in enumerate(doc.lines[:fc]):
        if not ln.zone and len(ln.text) <= len(ctx.title) + 40 and "".join(ln.text.split()).startswith(key):
            return _dates_in_lines(ctx, [ln] + [x for x in doc.lines[k + 1:min(k + 3, fc)] if not x.zone])
    return None


def _header_date(ctx) -> tuple[datetime, bool, bool, bool, bool] | None:
    """(date, has_time, has_year, relative, labelled) printed between headline and body,
    else just above the headline (some layouts print the date first)."""
    found = _dates_in_lines(ctx, ctx.header())
    if found is None:
        found = _title_line_dates(ctx)
    if found is None and ctx.title_idx >= 0:
        doc = ctx.doc
        k = bisect_right(ctx.line_starts, ctx.title_idx) - 1
        before = [ln for ln in doc.lines[max(0, k - 4):k + 1]
                  if ln.start < ctx.title_idx and not ln.zone and len(ln.text) <= 80]
        found = _dates_in_lines(ctx, before)
    if found is None:
        # a date line at the top of the text, under a photo and its caption
        top = [ln for ln in ctx.doc.lines_in(ctx.container)[:8] if len(ln.text) <= 40 and ln.sent <= 1]
        top = [ln for ln in top if (ln.start >= (ctx.body_start or 0)) and _is_date_line(ln.text)]
        found = _dates_in_lines(ctx, top[:1])
    if found is not None and _sane(ctx, found[0]) is None:
        return None
    return found


_DATE_LINE_REST = re.compile(r"^[\s\W\d]*(?:发布|發布|时间|時間|日期|更新|published|posted|updated)?[\s\W]*$", re.I)


def _is_date_line(text: str) -> bool:
    """A short line that is a date and little else (2018-07-31 08:19, 发布时间：…)."""
    found = find_dates(text)
    if len(found) != 1 or not found[0][3]:
        return False
    return bool(_DATE_LINE_REST.match(text.replace(found[0][1], " ")))


_META_LABEL = re.compile(r"(?:(?P<strong>%s)|%s)\s*[:：]" % (pt.DATE_LABELS[0], pt.DATE_LABELS[1]))
_NOT_PUBLICATION = re.compile(r"(?:%s|(?:今天|今日|当前|當前|现在|現在)(?:日期|时间|時間))\s*[:：]$" % pt.DATE_LABELS_WEAK[0])


def _labelled_date_before_body(ctx) -> tuple[datetime, bool] | None:
    """(date, has_time) after a publication label in the lines above the article text,
    the value on the same line or in the next cell (the metadata tables of government
    pages): 发布日期：/发文日期： first, else a plain 日期：/时间： (not 成文日期, not an update)."""
    lines = ctx.doc.lines
    stop = min(ctx.first_content_line, len(lines))
    plain = None
    for k in range(stop):
        ln = lines[k]
        if ln.zone or len(ln.text) > 80:
            continue
        text = ln.spaced
        for m in _META_LABEL.finditer(text):
            if _UPDATE_END.search(text[:m.end()]) or _NOT_PUBLICATION.search(text[:m.end()]):
                continue   # an update, a drafting date, today's date in a top bar
            if plain is not None and not m.group("strong"):
                continue
            value = text[:m.end() + 40]
            if not text[m.end():].strip() and k + 1 < stop:
                value = text + " " + lines[k + 1].spaced[:60]
            for d in find_dates(value, ctx.tz, ctx.now):
                if m.end() <= d[2] <= m.end() + 3 and not d[5] and d[4] and _sane(ctx, d[0]):
                    if m.group("strong"):
                        return d[0], d[3]
                    plain = (d[0], d[3])
                    break
    return plain


def _labelled_date_anywhere(ctx) -> datetime | None:
    """A date after a publication label in any non-furniture line (gov pages' metadata
    tables, where label and value sit in neighbouring cells; footers of the article)."""
    label_re = re.compile(r"(?:%s)\s*[:：]" % pt.DATE_LABELS[0])
    lines = ctx.doc.lines
    for k, ln in enumerate(lines):
        if ln.zone or len(ln.text) > 200:
            continue
        m = label_re.search(ln.spaced)
        if not m:
            continue
        text = ln.spaced
        if not ln.spaced[m.end():].strip() and k + 1 < len(lines):
            text = text + " " + lines[k + 1].spaced[:60]
        r = find_date_in_text(text, ctx.tz, ctx.now, labelled_only=True)
        if r and _sane(ctx, r[0]):
            return r[0]
    return None


_DATELINE = re.compile(r"\s*[–—-]\s")


def _linked_item(ln, d) -> bool:
    """``ln`` is a linked headline with date ``d`` and nothing else (a related item)."""
    return ln.links >= 4 and ln.n - len("".join(d[1].split())) <= 2


def _date_around_text(ctx) -> datetime | None:
    """A date the article text itself carries: a dateline opening the first paragraph
    (``16 January 2008 – The Council …``), else a labelled date (时间：…) or a short dated
    line with a time (``（2011年4月15日12時24分 読売新聞）``) just after the text."""
    doc = ctx.doc
    lines = doc.lines
    fc = ctx.first_content_line
    if 0 <= fc < len(lines):
        text = lines[fc].spaced
        for d in find_dates(text[:40], ctx.tz, ctx.now)[:1]:
            if d[4] and not d[5] and d[2] <= 1 and _DATELINE.match(text, d[2] + len(d[1])):
                return _sane(ctx, d[0])
        # a short dated line at the top of the text, up to its first paragraph
        # (``Associated Press - January 11, 2008 4:13 PM ET``, ``Tuesday, January 15, 2008``)
        c = ctx.container
        for ln in lines[max(0, fc - 4):fc + 1]:
            if c <= ln.start <= doc.end[c] and not ln.zone and ln.links * 2 <= ln.n and len(ln.text) <= 60:
                for d in find_dates(ln.spaced, ctx.tz, ctx.now)[:1]:
                    if d[4] and not d[5]:
                        return _sane(ctx, d[0])
    # the last two lines of the container and the six after it
    k = bisect_right(ctx.line_starts, doc.end[ctx.container])
    for ln in lines[max(fc + 1, k - 2):k + 6]:
        if ln.links > ln.n or len(ln.text) > 60:
            continue
        found = [d for d in find_dates(ln.spaced, ctx.tz, ctx.now) if d[4] and not d[5] and not _linked_item(ln, d)]
        for d in found[:1]:
            pre = ln.spaced[max(0, d[2] - 16):d[2]]
            if _UPDATE_END.search(pre):
                continue
            if _LABEL_STRONG_END.search(pre) or _LABEL_WEAK_END.search(pre) or (
                    not ln.zone and d[3] and len(ln.text) <= 40):
                return _sane(ctx, d[0])
    return None


def _image_path_date(ctx) -> datetime | None:
    """A date in the path of an image of the article text (/uploads/2019-05-05/x.jpg)."""
    doc = ctx.doc
    lo, hi = ctx.container, doc.end[ctx.container]
    for i in range(lo, hi + 1):
        if doc.tags[i] == "img" and not doc.zone[i]:
            dt = _sane(ctx, date_from_url(doc.els[i].get("src"), ctx.tz))
            if dt is not None:
                return dt
    return None


@contextmanager
def _furniture_detached(ctx):
    """The page root with the blocks our line view marks as furniture (navigation, comments,
    related boxes) taken out while the block runs, so that htmldate's free-text search does
    not read their dates; they are put back (with their tails) afterwards. htmldate reads
    the tree it is given and searches its own copy of it, so no copy is made here."""
    doc = ctx.doc
    detached = []   # (parent, position, element) in document order
    for i, el in enumerate(doc.els):
        p = doc.parent[i]
        if doc.zone[i] and not (p >= 0 and doc.zone[p]) and doc.tags[i] not in ("html", "body"):
            parent = el.getparent()
            if parent is not None:
                detached.append((parent, parent.index(el), el))
    try:
        for parent, _pos, el in detached:
            parent.remove(el)   # the tail goes with the element
        yield ctx.root
    finally:
        for parent, pos, el in detached:
            if el.getparent() is None:
                parent.insert(pos, el)


def _is_update_day(ctx, dt: datetime) -> bool:
    """``dt`` falls on the day of one of the page's update/modified dates (htmldate falls back
    to those when it finds nothing else; an update is never the publication date)."""
    days = {to_tz(d, ctx.tz).date() for d, _ in _meta_dates(ctx, pt.META_UPDATE_NAMES)}
    try:
        els = ctx.root.xpath("//*[@itemprop='dateModified']|//time[contains(@class,'updat') or "
                             "contains(@class,'modif')]")
    except Exception:
        els = []
    for el in els:
        d = parse_date(_element_value(el), ctx.tz, ctx.now)
        if d is not None:
            days.add(to_tz(d, ctx.tz).date())
    return to_tz(dt, ctx.tz).date() in days


def _htmldate(ctx) -> datetime | None:
    """htmldate's reading of the page (original date, extensive search), or None."""
    try:
        from htmldate import find_date
    except ImportError:  # optional at run time; declared in pyproject
        return None
    try:
        import logging as _logging

        _logging.getLogger("htmldate").setLevel(_logging.ERROR)
        with _furniture_detached(ctx) as root:
            v = find_date(root, url=ctx.url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%dT%H:%M:%S", min_date="1995-01-01")
    except Exception:  # a fallback must not take the field down
        logger.debug("htmldate failed on %s", ctx.url, exc_info=True)
        return None
    if not v:
        return None
    dt = parse_date(v, ctx.tz, ctx.now)
    if dt is not None and (dt.day, dt.hour, dt.minute) == (1, 0, 0):
        return None   # a bare year or month (© 2003-2022, /2005-07/) read as the 1st: no date is better
    return _sane(ctx, dt)


def _same_day_time(ctx, day: datetime) -> datetime | None:
    """A date with a time printed on ``day`` around the headline and the top of the text
    (the byline's ``16th Jan 2008, 09:28am``), for a day read without its time."""
    doc = ctx.doc
    k = bisect_right(ctx.line_starts, ctx.title_idx) - 1 if ctx.title_idx >= 0 else 0
    local = to_tz(day, ctx.tz).date()
    for ln in doc.lines[max(0, k - 6):max(k, ctx.first_content_line) + 4]:
        if ln.zone or ln.links > ln.n or len(ln.text) > 300:
            continue
        for d in find_dates(ln.spaced, ctx.tz, ctx.now):
            if d[3] and not d[5] and to_tz(d[0], ctx.tz).date() == local and not _linked_item(ln, d):
                return d[0]
    return None


def extract_published(ctx, selected: str | None = None) -> tuple[datetime | None, str | None]:
    """(publication datetime, where it came from) of the page; ``selected`` is the text
    the source's ``published`` selector found, if any."""
    dt, src = _published(ctx, selected)
    if dt is None or src == "selector":
        return dt, src
    if src == "text" and dt.day <= 12 and dt.day != dt.month:
        # 10/04/2011: the order of day and month the URL's date (20110410) agrees with
        ud = date_from_url(ctx.url, ctx.tz)
        if ud is not None and (ud.year, ud.month, ud.day) == (dt.year, dt.day, dt.month):
            dt = dt.replace(month=dt.day, day=dt.month)
    local = to_tz(dt, ctx.tz)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        # a day without its time (a date-only line, the URL, a script): the same day printed
        # with a time near the headline is the fuller reading of it
        t = _same_day_time(ctx, dt)
        if t is not None:
            return t, "text"
    return dt, src


def _published(ctx, selected: str | None) -> tuple[datetime | None, str | None]:
    if selected:
        dt = parse_date(selected, ctx.tz, ctx.now)
        if dt is not None:
            return dt, "selector"
    header = _header_date(ctx)
    machine = []
    for dt, _name in _meta_dates(ctx, pt.META_DATE_NAMES):
        machine.append((dt, "meta"))
    jd = _jsonld_date(ctx)
    if jd is not None:
        machine.append((jd, "jsonld"))
    ed = _element_date(ctx)
    if ed is not None:
        machine.append((ed, "meta"))
    if header is not None and header[3] and ctx.now is None and not machine and _script_date(ctx) is None:
        # 今日 09:18 / 3小时前 without a fetch time to read it against: no date (never the clock's)
        header = None
    if header is None or not (header[1] or header[4]):
        # an unlabelled day in the header (a communique's issue date, a related item's date)
        # yields to a labelled date in the metadata above the text (发文日期： 2023-04-18)
        meta_line = _labelled_date_before_body(ctx)
        if meta_line is not None and (header is None or meta_line[0].date() != header[0].date()):
            header = (meta_line[0], meta_line[1], True, False, True)
    if header is not None:
        dt, has_time, has_year, relative, _labelled = header
        if relative and machine:
            return machine[0]
        if relative:
            sd = _script_date(ctx)
            if sd is not None:
                return sd, "script"
        if not has_year:
            # 10-08 12:00: year from a machine-readable date of the same month and day.
            extra = machine + [(d, "meta") for d, _ in _meta_dates(ctx, pt.META_UPDATE_NAMES)]
            sd = _script_date(ctx)
            if sd is not None:
                extra.append((sd, "script"))
            ud = date_from_url(ctx.url, ctx.tz)
            if ud is not None:
                extra.append((ud, "url"))
            for m_dt, _src in extra:
                local = to_tz(m_dt, ctx.tz)
                if (local.month, local.day) == (dt.month, dt.day):
                    try:
                        dt = dt.replace(year=local.year)
                    except ValueError:
                        pass
                    break
        if has_time and machine:
            # 06/02/2022 - 13:48 printed without a zone, <time datetime=2022-02-06T12:48:06Z>:
            # the same minute in another offset (or with day and month read the other way)
            # is the same moment, and the machine date knows the offset.
            alts = [dt]
            if dt.day <= 12 and dt.day != dt.month:
                try:
                    alts.append(dt.replace(month=dt.day, day=dt.month))
                except ValueError:
                    pass
            for m_dt, src in machine:
                if m_dt.minute != dt.minute or m_dt == dt:
                    continue
                for a in alts:
                    gap = abs((m_dt.replace(second=0, microsecond=0)
                               - a.replace(tzinfo=m_dt.tzinfo, second=0, microsecond=0)).total_seconds())
                    if gap > 14 * 3600:
                        continue
                    off = m_dt.utcoffset()
                    if gap or (off and off.total_seconds()) or not is_zh(ctx):
                        # same moment in another offset, or the same wall clock with the
                        # zone the page states (a bare 'Z' on a Chinese page is often a
                        # mislabelled local time: the printed date wins there)
                        return m_dt, src
        if not has_time:
            for m_dt, src in machine:
                local = to_tz(m_dt, ctx.tz)
                # the same day in the source's zone or in the zone the page states
                if dt.date() in (local.date(), m_dt.date()) and (local.hour, local.minute) != (0, 0):
                    return m_dt, src
        return dt, "text"
    if machine:
        return machine[0]
    dt = _labelled_date_anywhere(ctx) or _date_around_text(ctx)
    if dt is not None:
        return dt, "text"
    sd = _script_date(ctx)
    if sd is not None:
        return sd, "script"
    ud = date_from_url(ctx.url, ctx.tz)
    if ud is not None:
        return ud, "url"
    im = _image_path_date(ctx)
    if im is not None:
        return im, "url"
    if not is_zh(ctx):
        # on Chinese pages the rules above are the Chinese conventions; htmldate's guesses
        # there were never right on the development pages, and its free-text pass is slow
        hd = _htmldate(ctx)
        if hd is not None and not _is_update_day(ctx, hd):
            return hd, "htmldate"
    return None, None
