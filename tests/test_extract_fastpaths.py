"""Fast paths of the article extractor give exactly the results of the plain code they replace."""

from __future__ import annotations

import random
import re

from aggregator.extract import article as A
from aggregator.extract import patterns as pt

# Words the class/id hint patterns look for, and some they do not.
_WORDS = ["comment", "comments", "share", "nav", "navbar", "related", "recommended", "side", "footer",
          "content", "article", "main", "post", "title", "headline", "tit", "bt", "h1", "tt", "reply",
          "pinglun", "pl-list", "relate", "disclaimer", "banquan", "page-nav", "prevnext", "author-info", "text", "show", "wrapper", "col",
          "md", "row", "x", "icon", "Ad", "ADS", "Tags", "\u017ftitle", "\u212aeywords", "t\u0130tle",
          "新闻", "正文"]
_SEPS = ["", "-", "_", " ", "  ", "\t", "1", "-2", "\u3000"]


def _reference_bits(key: str) -> int:
    return ((1 if pt.BOILERPLATE_HINTS.search(key) else 0) | (2 if pt.CONTENT_HINTS.search(key) else 0)
            | (8 if pt.TITLE_HINTS.search(key) else 0) | (17 if pt.FURNITURE_ALWAYS_HINTS.search(key) else 0))


def _keys(n: int = 5000):
    rng = random.Random(11)
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 5)):
            w = rng.choice(_WORDS)
            w = "".join(c.upper() if rng.random() < 0.3 else c for c in w)
            parts.append(rng.choice(_SEPS) + w + rng.choice(_SEPS))
        yield "".join(parts)


def test_hint_bits_match_the_case_insensitive_patterns():
    assert A._HINT_RES_ASCII is not None  # the fast path is in use
    for key in _keys():
        assert A._hint_bits(key) == _reference_bits(key), key


def test_white_space_regex_is_str_split_white_space_plus_zero_width():
    # what _collapse/_nows rely on, over every code point
    zero_width = set("\u200b\u200c\u200d\ufeff")
    for cp in range(0x110000):
        c = chr(cp)
        assert bool(A._WS.fullmatch(c)) == (c.isspace() or c in zero_width), hex(cp)
        assert (len(("a" + c + "b").split()) == 2) == c.isspace(), hex(cp)


def test_collapse_and_nows_match_the_white_space_regex():
    samples = ["", " a  b ", "\u200ba\u200c b\u200d\ufeff", "\u3000标题\u00a0正文\u2028x\x1cy\x85",
               "a\tb\nc\r\nd", "\ufeff", "  \u200b  ", "plain"]
    rng = random.Random(5)
    alphabet = "ab中 \t\n\u3000\u00a0\u200b\u200c\u200d\ufeff\u2029\x1f\x85\u1680"
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for s in samples:
        assert A._collapse(s) == A._WS.sub(" ", s).strip(), repr(s)
        assert A._nows(s) == A._WS.sub("", s), repr(s)
    assert A._collapse(None) == ""


def test_script_date_lookahead_keeps_the_matches():
    plain = re.compile(pt.SCRIPT_DATE.pattern.replace("(?=[cpdrna])", "", 1), pt.SCRIPT_DATE.flags)
    assert plain.pattern != pt.SCRIPT_DATE.pattern
    scripts = [
        'var ct = "1581517074"; var publish_time = "2020-02-12 22:11";',
        "{publishTime: '2021-03-04 10:00', PUBDATE: \"2019/1/2\"}",
        '"datePublished":"2022-01-19T12:20:06+08:00","createTime":1600000000000',
        "x.releaseTime='2018年5月6日 12:00'; ptime=1500000000; news_time = 2017-01-02",
        "ArticleTime: '2016.07.08'; acct = 1581517074; publicTime=\"2015-1-1\"",
        "var a = 1; function ct() {}; // nothing here",
    ]
    for text in scripts:
        assert [m.span() for m in plain.finditer(text)] == [m.span() for m in pt.SCRIPT_DATE.finditer(text)]
