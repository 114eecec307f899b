"""Date parsing: table-driven, all against a fixed ``now`` (never the real clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from aggregator.extract.dates import date_from_url, find_date_in_text, find_dates, parse_date

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2022, 1, 20, 15, 30, tzinfo=SH)


@pytest.mark.parametrize("text, expected", [
    ("2022年01月19日 12:20", "2022-01-19T12:20:00+08:00"),
    ("2022年1月19日12时20分", "2022-01-19T12:20:00+08:00"),
    ("2022年1月19日", "2022-01-19T00:00:00+08:00"),
    ("2022-01-19 12:20:06", "2022-01-19T12:20:06+08:00"),
    ("2022/1/19", "2022-01-19T00:00:00+08:00"),
    ("2022.01.19", "2022-01-19T00:00:00+08:00"),
    ("2022-01-19T12:20:06+08:00", "2022-01-19T12:20:06+08:00"),
    ("2022-01-19T04:20:06Z", "2022-01-19T04:20:06+00:00"),
    ("2022-01-19T12:20:06.123+0800", "2022-01-19T12:20:06+08:00"),
    ("Wed, 19 Jan 2022 04:20:06 GMT", "2022-01-19T04:20:06+00:00"),
    ("Wed, 19 Jan 2022 12:20:06 +0800", "2022-01-19T12:20:06+08:00"),
    ("1642566006", "2022-01-19T12:20:06+08:00"),
    ("1642566006000", "2022-01-19T12:20:06+08:00"),
    ("２０２２年０１月１９日　１２：２０", "2022-01-19T12:20:00+08:00"),
    ("01-19 12:20", "2022-01-19T12:20:00+08:00"),
    ("12-30 08:00", "2021-12-30T08:00:00+08:00"),  # no year, would be in the future: last year
    ("1月19日 12:20", "2022-01-19T12:20:00+08:00"),
    ("3小时前", "2022-01-20T12:30:00+08:00"),
    ("5分钟前", "2022-01-20T15:25:00+08:00"),
    ("2天前", "2022-01-18T15:30:00+08:00"),
    ("刚刚", "2022-01-20T15:30:00+08:00"),
    ("昨天 08:30", "2022-01-19T08:30:00+08:00"),
    ("今天 10:00", "2022-01-20T10:00:00+08:00"),
    ("前天", "2022-01-18T00:00:00+08:00"),
    ("2022年1月19日 下午3:05", "2022-01-19T15:05:00+08:00"),
    ("2020/03/12 下午 08:19", "2020-03-12T20:19:00+08:00"),
    ("2012年12月10日, 格林尼治标准时间10:41", "2012-12-10T10:41:00+00:00"),
    ("发布时间：2022-01-19 12:20 来源：宁夏日报", "2022-01-19T12:20:00+08:00"),
])
def test_parse_date(text, expected):
    dt = parse_date(text, "Asia/Shanghai", now=NOW)
    assert dt is not None and dt.isoformat() == expected


@pytest.mark.parametrize("text", [
    None, "", "   ", "garbage", "第2022期", "2022", "13:45", "版权所有 © 2008-2022",
    "2022-13-45", "2022年2月30日", "12345", "1-2月期统一发票", "NaN", "9" * 400, "<script>",
    "0000-00-00 00:00:00",
])
def test_garbage_gives_none(text):
    assert parse_date(text, now=NOW) is None


def test_never_raises_on_odd_input():
    for value in (b"2022-01-19", 20220119, object(), "2022-01-19\x00", "\ud800"):
        assert parse_date(value, now=NOW) is None or isinstance(parse_date(value, now=NOW), datetime)


def test_other_time_zones_and_naive_now():
    dt = parse_date("2022-01-19 12:20", "Europe/Paris", now=datetime(2022, 1, 20))
    assert dt.utcoffset() == timedelta(hours=1)
    assert parse_date("2022-01-19 12:20", "No/Such_Zone", now=NOW).utcoffset() == timedelta(hours=8)
    assert parse_date("2022-01-19 12:20", timezone.utc).isoformat() == "2022-01-19T12:20:00+00:00"


def test_result_is_always_aware():
    for text in ("2022-01-19", "01-19 12:20", "3小时前", "1642566006"):
        assert parse_date(text, now=NOW).tzinfo is not None


@pytest.mark.parametrize("line, expected", [
    ("发布时间：2022-01-19 12:20", "2022-01-19T12:20:00+08:00"),
    ("发稿时间:2022年01月19日 08:00 来源：新华网", "2022-01-19T08:00:00+08:00"),
    ("时间：2022-01-19", "2022-01-19T00:00:00+08:00"),
    ("日期：2022/01/19", "2022-01-19T00:00:00+08:00"),
    ("admin 发表于 2021-11-03 09:15", "2021-11-03T09:15:00+08:00"),
    # the publication label wins over an earlier unlabelled or update date
    ("更新时间：2022-01-20 10:00 发布时间：2022-01-19 09:00", "2022-01-19T09:00:00+08:00"),
    ("成文日期：2022-01-10 发布日期：2022-01-12", "2022-01-12T00:00:00+08:00"),
    ("2022-01-18 浏览 300 次", "2022-01-18T00:00:00+08:00"),
])
def test_find_date_in_text(line, expected):
    dt, matched = find_date_in_text(line, "Asia/Shanghai", NOW)
    assert dt.isoformat() == expected
    assert matched and matched in line


def test_find_date_in_text_labelled_only_and_empty():
    assert find_date_in_text("会议于2022年1月19日召开", now=NOW, labelled_only=True) is None
    assert find_date_in_text("没有日期的一行", now=NOW) is None
    assert find_date_in_text(None) is None


def test_find_dates_reports_precision():
    (dt, text, start, has_time, has_year, relative), = find_dates("时间：01-19 12:20", now=NOW)
    assert (has_time, has_year, relative) == (True, False, False)
    assert text == "01-19 12:20" and start == 3


@pytest.mark.parametrize("url, expected", [
    ("http://a.example/news/2022/0119/c123.html", "2022-01-19"),
    ("http://a.example/20220119/abc.html", "2022-01-19"),
    ("http://a.example/2022-01-19/abc.html", "2022-01-19"),
    ("http://a.example/zwgk/202201/t20220119_3301.html", "2022-01-19"),
    ("http://a.example/html/2021-12/08/content_1.htm", "2021-12-08"),
    ("http://a.example/2022/01/19/story.html", "2022-01-19"),
    ("http://a.example/news/123456.html", None),
    ("http://a.example/2022/1399/x.html", None),
    (None, None),
])
def test_date_from_url(url, expected):
    dt = date_from_url(url, "Asia/Shanghai")
    assert (dt.date().isoformat() if dt else None) == expected
    if dt:
        assert dt.utcoffset() == timedelta(hours=8)
