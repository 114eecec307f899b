"""Dates printed on Chinese (and other) news pages -> aware datetimes.

Owns parsing of one date expression (:func:`parse_date`), finding the publication date
in a line of page text (:func:`find_date_in_text`) and reading a date out of an article
URL (:func:`date_from_url`). Dates without an offset are read in the source's time zone
(default Asia/Shanghai); dates without a year take it from ``now`` (never in the future);
relative dates (3小时前, 昨天 08:30, 刚刚) are resolved against ``now``. Nothing here
raises on bad input: garbage gives None. Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from aggregator.extract.patterns import DATE_LABELS, DATE_LABELS_WEAK
from aggregator.project import DEFAULT_TZ, DEFAULT_TZ_NAME

__all__ = ["parse_date", "find_date_in_text", "date_from_url", "find_dates", "to_tz"]

# Full-width digits and punctuation (common in Chinese typesetting) -> ASCII.
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９：－／．　\u00a0＋",
    "0123456789:-/.  +",
)

_TIME = (
    r"(?:[,，]?\s*(?P<tzpre>格林尼治标准时间|格林威治标准时间|北京时间|台北时间|GMT|UTC|HKT|BJT|SGT|JST|KST)\s*)?"
    r"(?:(?P<ampm>上午|下午|晚上|早上|凌晨|中午|[AaPp]\.?[Mm]\.?)\s*)?"
    r"(?P<H>[01]?\d|2[0-3])\s*[:：时時點点]\s*(?P<M>[0-5]\d)"
    r"(?:\s*[:：分]\s*(?P<S>[0-5]\d)(?:\.\d+)?\s*秒?)?\s*分?"
    r"(?:\s*(?P<ampm2>[AaPp]\.?[Mm]\.?)(?![a-zA-Z]))?"
    r"(?:\s*(?P<tz>Z(?![a-zA-Z])|[+-](?:0\d|1[0-4]):?[0-5]\d|(?:GMT|UTC)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|格林尼治标准时间|格林威治标准时间|北京时间))?"
)

# One date expression; alternatives tried left to right at each position.
_DATE = re.compile(
    r"(?:"
    # 2022-01-19 12:20:06, 2022年1月19日 12时20分, 2022/1/19, 2022.01.19, ISO 8601.
    # (a two-digit year only before 年: 14年12月15日)
    r"(?<![\d.])(?P<y>(?:19|20)\d{2}|\d{2}(?=\s*年))(?:\s*(?P<sep>[-/.年])\s*|\s+(?=(?:1[0-2]|0?[1-9])\s*/))"
    r"(?P<m>1[0-2]|0?[1-9])\s*[-/.月]\s*"
    r"(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*[日号號]?"
    r"(?:\s*(?:星期|周|週)[一二三四五六日天])?(?:\s*[（(][^)）\d]{1,4}[)）])?"
    # the time, also in brackets: 2014-12-17 (16:31)
    r"(?:\s*T?\s*[（(]?\s*" + _TIME + r")?"
    r"|"
    # 1月19日 12:20 / 01-19 12:20 (no year: taken from now).
    r"(?<![\d./-])(?P<m2>1[0-2]|0?[1-9])\s*(?:(?P<sep2>月)\s*(?P<d2a>3[01]|[12]\d|0?[1-9])\s*[日号號]"
    r"|[-/](?P<d2b>3[01]|[12]\d|0?[1-9])(?![\d/-])(?=\s*(?:[01]?\d|2[0-3])\s*:|\s*[\]】)）]))"
    r"(?:\s*" + _TIME.replace("(?P<", "(?P<x") + r")?"
    r"|"
    # 3小时前, 5分钟前, 2天前, 刚刚, 昨天 08:30, 今天, 前天.
    r"(?P<rel_n>\d{1,3})\s*(?P<rel_u>秒|分钟|分鐘|分|小时|小時|个?小时|天|日|周|週|星期|个月|個月|月)前"
    r"|(?P<just>刚刚|剛剛|刚才)"
    r"|(?P<day>今天|今日|昨天|昨日|前天)(?:\s*" + _TIME.replace("(?P<", "(?P<r") + r")?"
    r")"
)

_UNIX = re.compile(r"^\s*(?P<ts>1\d{9}|1\d{12})\s*$")
_EN_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
_URL_DATE = re.compile(
    r"(?<![0-9])(?P<y>20[0-3]\d|19[89]\d)"
    r"(?:(?P<s>[-/_]?)(?P<m>0[1-9]|1[0-2])(?P=s)(?P<d>0[1-9]|[12]\d|3[01])"
    r"|(?P<s2>[-/_])(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12]\d|3[01]))"
    r"(?![0-9])"
)
# /2022/0119/ /20220119/ /2022-01-19/ t20220119_ /2022_01/19/
_URL_YM_D = re.compile(r"(?<![0-9])(?P<y>20[0-3]\d|19[89]\d)[-_/]?(?P<m>0[1-9]|1[0-2])/(?P<d>0[1-9]|[12]\d|3[01])(?![0-9])")
# /2019/6/26/: unpadded month and day between slashes
_URL_Y_M_D = re.compile(r"/(?P<y>20[0-3]\d|19[89]\d)/(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])(?=/|$|[-_.])")

# Month names of the common European languages (lower case, without the trailing dot).
_MONTHS = {}
for _n, _names in enumerate((
    "january jan januar janvier enero ene gennaio genn gen janeiro januari jänner jän",
    "february feb februar février fevrier févr fevr febrero febbraio fevereiro fev februari",
    "march mar märz maerz mär mars marzo março marco maart mrt",
    "april apr avril abril aprile abr",
    "may mai mayo maggio mag maio mei",
    "june jun juni juin junio giugno giu junho",
    "july jul juli juillet juil julio luglio lug julho",
    "august aug august août aout agosto ago augustus",
    "september sep sept septembre septiembre setiembre settembre set setembro",
    "october oct oktober octobre octubre ottobre ott outubro out okt",
    "november nov novembre noviembre novembro",
    "december dec dezember déc dec décembre decembre diciembre dic dicembre dezembro dez",
), start=1):
    for _w in _names.split():
        _MONTHS.setdefault(_w, _n)
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_INTL_TIME = (
    r"(?:\s*(?:,|at|um|à|a las|alle|às|om|-|–|\||·)?\s*(?P<H>[01]?\d|2[0-3])[:h](?P<M>[0-5]\d)"
    r"(?::(?P<S>[0-5]\d))?(?:\s*(?P<ampm>[ap]\.?\s?m\.?)(?![a-z]))?"
    r"(?:\s*(?P<tz>Z|[+-](?:0\d|1[0-4]):?[0-5]\d|(?:GMT|UTC)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)(?![a-zA-Z]))?)?"
)
# Human dates of other languages: 19 Oct 2022, Oct 19, 2022, 19. Oktober 2022 (also glued to a
# Han character: 于November 21, 2012),
# 19 de octubre de 2022, 10.11.2017 / 23-01-2021 (day first), 01/23/2021 (month first).
_INTL = re.compile(
    r"(?:"
    r"(?<![A-Za-z0-9_.])(?P<d1>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|er|º|\.)?,?\s*(?:de\s+|of\s+)?(?P<mon1>" + _MONTH_ALT + r")(?![a-zé])\.?"
    r",?\s*(?:de\s+|del\s+)?(?P<y1>(?:19|20)\d{2})(?!\d)"
    r"|(?<![A-Za-z0-9_.])(?P<mon2>" + _MONTH_ALT + r")(?![a-zé])\.?\s+(?P<d2>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d{2})(?!\d)"
    r"|(?<![A-Za-z0-9_./-])(?P<a>3[01]|[12]\d|0?[1-9])(?P<s>[./-])(?P<b>3[01]|[12]\d|0?[1-9])(?P=s)(?P<y3>(?:19|20)\d{2})(?![\d]|[./-]\d)"
    r")" + _INTL_TIME,
    re.I,
)

_REL_UNITS = {
    "秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "分鐘": timedelta(minutes=1),
    "分": timedelta(minutes=1), "小时": timedelta(hours=1), "小時": timedelta(hours=1),
    "个小时": timedelta(hours=1), "天": timedelta(days=1), "日": timedelta(days=1),
    "周": timedelta(weeks=1), "週": timedelta(weeks=1), "星期": timedelta(weeks=1),
    "个月": timedelta(days=30), "個月": timedelta(days=30), "月": timedelta(days=30),
}
_DAY_OFFSET = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_PM = ("下午", "晚上", "pm", "p.m.", "p.m")


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return DEFAULT_TZ
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except Exception:  # unknown zone name: fall back rather than fail a field
            return DEFAULT_TZ
    return tz


def _now(now: datetime | None, zone: tzinfo) -> datetime:
    if now is None:
        return datetime.now(zone)
    if now.tzinfo is None:
        return now.replace(tzinfo=zone)
    return now.astimezone(zone)


def to_tz(dt: datetime, tz: str | tzinfo | None) -> datetime:
    """``dt`` expressed in ``tz`` (naive datetimes are taken to be in ``tz``)."""
    zone = _zone(tz)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=zone)
    return dt.astimezone(zone)


def _offset(tztext: str | None, zone: tzinfo) -> tzinfo:
    if not tztext:
        return zone
    t = tztext.strip()
    if t in ("Z", "格林尼治标准时间", "格林威治标准时间"):
        return timezone.utc
    if t == "北京时间":
        return DEFAULT_TZ
    if t == "台北时间":
        return ZoneInfo("Asia/Taipei")
    if t in ("HKT", "BJT", "SGT"):
        return timezone(timedelta(hours=8))
    if t in ("JST", "KST"):
        return timezone(timedelta(hours=9))
    if t.upper().startswith(("GMT", "UTC")):
        rest = t[3:].replace(" ", "")
        if not rest:
            return timezone.utc
        t = rest
    m = re.match(r"([+-])(\d{1,2}):?(\d{2})?$", t)
    if not m:
        return zone
    sign = -1 if m.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))


def _hour(h: str, ampm: str | None) -> int:
    hour = int(h)
    if ampm:
        a = ampm.lower()
        if a in _PM or a.startswith("p"):
            if hour < 12:
                hour += 12
        elif a in ("凌晨", "早上", "上午") or a.startswith("a"):
            if hour == 12:
                hour = 0
        elif a == "中午" and hour < 11:
            hour += 12
    return hour


def _build(y: int, mo: int, d: int, g: dict, prefix: str, zone: tzinfo) -> datetime | None:
    try:
        if g.get(prefix + "H") is not None:
            hour = _hour(g[prefix + "H"], g.get(prefix + "ampm") or g.get(prefix + "ampm2"))
            dt = datetime(y, mo, d, hour, int(g[prefix + "M"]), int(g.get(prefix + "S") or 0))
        else:
            dt = datetime(y, mo, d)
    except ValueError:
        return None
    return dt.replace(tzinfo=_offset(g.get(prefix + "tz") or g.get(prefix + "tzpre"), zone))


def _from_match(m: re.Match, zone: tzinfo, now: datetime) -> tuple[datetime, bool, bool, bool] | None:
    """(datetime, has_time, has_year, relative) for one _DATE match."""
    g = m.groupdict()
    if g["y"]:
        y = int(g["y"])
        if y < 100:   # 14年: this century unless that is in the future
            y += 2000 if 2000 + y <= now.year + 1 else 1900
        if g["sep"] == "." and g["H"] is None and len(g["m"]) == 1 and len(g["d"]) == 1:
            pass  # 2022.1.9 is still a date
        dt = _build(y, int(g["m"]), int(g["d"]), g, "", zone)
        if dt is None or not (1990 <= y <= now.year + 1):
            return None
        return dt, g["H"] is not None, True, False
    if g["m2"]:
        d = g["d2a"] or g["d2b"]
        mo = int(g["m2"])
        y = now.year
        dt = _build(y, mo, int(d), g, "x", zone)
        if dt is None:
            return None
        if dt - now > timedelta(days=1):
            dt = _build(y - 1, mo, int(d), g, "x", zone)
            if dt is None:
                return None
        return dt, g["xH"] is not None, False, False
    if g["rel_n"]:
        n = int(g["rel_n"])
        return now - n * _REL_UNITS[g["rel_u"]], g["rel_u"] not in ("天", "日", "周", "週", "星期", "个月", "個月", "月"), False, True
    if g["just"]:
        return now, True, False, True
    if g["day"]:
        base = now - timedelta(days=_DAY_OFFSET[g["day"]])
        if g["rH"] is not None:
            hour = _hour(g["rH"], g.get("rampm") or g.get("rampm2"))
            dt = base.replace(hour=hour, minute=int(g["rM"]), second=int(g["rS"] or 0), microsecond=0)
            return dt, True, False, True
        dt = base.replace(hour=0, minute=0, second=0, microsecond=0)
        return dt, False, False, True
    return None


# A time printed before its date: "14:36 2018/07/27", "16:31 | 2014-12-17", "15:43 - 13th, Jan 2008".
_TIME_BEFORE = re.compile(r"(?<![\d:.])(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?"
                          r"(?:\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?\s*[-–,，|｜·]?\s*$")


def _with_time_before(r, s: str, start: int, lo: int = 0):
    """``r`` (a _from_match result) with the time printed just before the date (after
    ``lo``, the end of the previous date), if any."""
    if r is None or r[1] or r[3]:
        return r
    m = _TIME_BEFORE.search(s, max(lo, start - 14), start)
    if m is None:
        return r
    dt = r[0].replace(hour=_hour(m.group("H"), m.group("ampm")), minute=int(m.group("M")),
                      second=int(m.group("S") or 0))
    return (dt, True) + tuple(r[2:])


def _clean(text: str) -> str:
    return text.translate(_FULLWIDTH)


def parse_date(text: str | None, tz: str | tzinfo | None = DEFAULT_TZ_NAME,
               now: datetime | None = None) -> datetime | None:
    """Parse one date expression into an aware datetime, or None.

    Understands Chinese and numeric forms (``2022年01月19日 12:20``, ``2022-01-19 12:20:06``,
    ``2022/1/19``, ``2022.01.19``, ``01-19 12:20``), relative forms (``3小时前``, ``昨天
    08:30``, ``刚刚``) against ``now``, ISO 8601 with offsets, RFC 822, Unix timestamps
    (10 or 13 digits) and full-width digits. Never raises.
    """
    if not text or not isinstance(text, str):
        return None
    try:
        return _parse_date(text, tz, now)
    except Exception:  # a parser must not take a field down; garbage -> None
        return None


def _parse_date(text: str, tz, now) -> datetime | None:
    zone = _zone(tz)
    ref = _now(now, zone)
    s = _clean(text).strip()
    if len(s) > 200:
        s = s[:200]
    m = _UNIX.match(s)
    if m:
        ts = int(m.group("ts"))
        if len(m.group("ts")) == 13:
            ts //= 1000
        return datetime.fromtimestamp(ts, zone)
    m = _DATE.match(s)
    if m and m.group("y"):
        r = _from_match(m, zone, ref)
        if r:
            return r[0]
    r = _intl_dates(s, zone, ref, first=True)
    if r:
        return r[0][0]
    if _EN_MONTH.search(s):
        dt = _parse_english(s, zone)
        if dt is not None:
            return dt
    m = _DATE.search(s)
    if m:
        r = _with_time_before(_from_match(m, zone, ref), s, m.start())
        if r:
            return r[0]
    return None


def _parse_english(s: str, zone: tzinfo) -> datetime | None:
    try:
        dt = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        dt = None
    if dt is None:
        try:
            import warnings

            from dateutil import parser as du

            with warnings.catch_warnings():
                # "IST", "CST" …: ambiguous zone names; the date still counts, in the source zone
                warnings.simplefilter("ignore", du.UnknownTimezoneWarning)
                dt = du.parse(s, fuzzy=True, default=datetime(1900, 1, 1))
        except (ValueError, OverflowError, TypeError):
            return None
        if dt.year == 1900:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt


def _intl_dates(s: str, zone: tzinfo, now: datetime, first: bool = False
                ) -> list[tuple[datetime, int, int, bool]]:
    """Human dates of other languages in ``s``: ``(dt, start, end, has_time)``."""
    out = []
    for m in _INTL.finditer(s):
        g = m.groupdict()
        if g["y1"]:
            y, mo, d = int(g["y1"]), _MONTHS.get(g["mon1"].lower()), int(g["d1"])
        elif g["y2"]:
            y, mo, d = int(g["y2"]), _MONTHS.get(g["mon2"].lower()), int(g["d2"])
        else:
            a, b, y = int(g["a"]), int(g["b"]), int(g["y3"])
            if g["s"] == "/" and a <= 12:
                mo, d = a, b      # 01/23/2021: month first with slashes (unless impossible)
            else:
                mo, d = b, a      # 10.11.2017, 23-01-2021, 23/01/2021: day first
            if mo > 12:
                mo, d = d, mo
        if not mo or not (1990 <= y <= now.year + 1):
            continue
        dt = _build(y, mo, d, g, "", zone)
        if dt is None:
            continue
        out.append((dt, m.start(), m.end(), g["H"] is not None))
        if first:
            break
    return out


def find_dates(text: str, tz: str | tzinfo | None = DEFAULT_TZ_NAME,
               now: datetime | None = None) -> list[tuple[datetime, str, int, bool, bool, bool]]:
    """Every date expression in ``text``: ``(dt, matched, start, has_time, has_year, relative)``."""
    if not text:
        return []
    try:
        zone = _zone(tz)
        ref = _now(now, zone)
        s = _clean(text)
        out = []
        spans = []
        for m in _DATE.finditer(s):
            r = _with_time_before(_from_match(m, zone, ref), s, m.start(), spans[-1][1] if spans else 0)
            if r:
                out.append((r[0], text[m.start():m.end()].strip(), m.start(), r[1], r[2], r[3]))
                spans.append((m.start(), m.end()))
        if _HAS_YEAR.search(s):
            extra = []
            prev = 0
            for dt, a, b, has_time in _intl_dates(s, zone, ref):
                if not any(a < e and b > st for st, e in spans):
                    dt, has_time = _with_time_before((dt, has_time, True, False), s, a, prev)[:2]
                    extra.append((dt, text[a:b].strip(), a, has_time, True, False))
                prev = b
            if extra:
                out = sorted(out + extra, key=lambda d: d[2])
        return out
    except Exception:
        return []


def find_date_in_text(text: str | None, tz: str | tzinfo | None = DEFAULT_TZ_NAME,
                      now: datetime | None = None, labelled_only: bool = False
                      ) -> tuple[datetime, str] | None:
    """The publication date in a line of page text: ``(datetime, matched_text)`` or None.

    A date right after a publication label (``发布时间：``, ``发稿时间``, ``时间：``, ``日期：``,
    ``发表于`` ...) wins; labels are tried in the order of ``patterns.DATE_LABELS``
    (publication before update times). Without a label the first date in the text is
    returned, unless ``labelled_only``.
    """
    if not text:
        return None
    try:
        s = _clean(text)
        dates = find_dates(s, tz, now)
        if not dates:
            return None
        best = None
        for rank, label_re in enumerate(_LABEL_RES):
            for m in label_re.finditer(s):
                for d in dates:
                    if m.end() <= d[2] <= m.end() + 3:
                        best = (rank, d)
                        break
                if best:
                    break
            if best:
                break
        if best:
            d = best[1]
            return d[0], d[1]
        if labelled_only:
            return None
        d = dates[0]
        return d[0], d[1]
    except Exception:
        return None


_HAS_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")
_LABEL_RES = [re.compile(r"(?:%s)\s*[:：]?\s*" % lab) for lab in DATE_LABELS + DATE_LABELS_WEAK]


def date_from_url(url: str | None, tz: str | tzinfo | None = DEFAULT_TZ_NAME) -> datetime | None:
    """Date encoded in an article URL (``/2022/0119/``, ``/20220119/``, ``/2022-01-19/``,
    ``t20220119_``), at midnight in ``tz``; None when the URL has none."""
    if not url:
        return None
    try:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        zone = _zone(tz)
        for rx in (_URL_YM_D, _URL_DATE, _URL_Y_M_D):
            for m in rx.finditer(path):
                g = m.groupdict()
                y = int(g["y"])
                mo = int(g.get("m") or g.get("m2"))
                d = int(g.get("d") or g.get("d2"))
                try:
                    day = date(y, mo, d)
                except ValueError:
                    continue
                if day > date.today() + timedelta(days=2):
                    continue
                return datetime(day.year, day.month, day.day, tzinfo=zone)
        return None
    except Exception:
        return None
