"""Property-based tests (hypothesis) and a short extractor fuzz run.

The normalisers and parsers take text from the open web, so they must hold for *any*
input: never raise, return values of the right shape, and be idempotent where a second
pass must change nothing (a re-crawl must not rewrite the archive or the feeds).

CI runs the ``ci`` profile (200 examples per property, registered in tests/conftest.py);
for a long run use ``pytest tests/test_properties.py --hypothesis-profile=long``
(20 000 examples each). The figures line at the end of the module reports how many
examples and fuzz iterations ran.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from aggregator import normalize as N
from aggregator.extract.dates import parse_date
from aggregator.items import Article
from aggregator.normalize import normalize_article

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = ZoneInfo("Asia/Shanghai")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
SAFE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COUNTS: dict[str, int] = {}


def count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def figures(request):
    """Print how many examples ran (docs/reliability.md quotes this line)."""
    yield
    total = sum(v for k, v in COUNTS.items() if k != "fuzz")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if COUNTS and capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\n[figures] property tests: {total} generated examples over {len(COUNTS) - ('fuzz' in COUNTS)} "
                  f"properties; extractor fuzz: {COUNTS.get('fuzz', 0)} mutated pages")


# --- strategies ------------------------------------------------------------------------

# text with the characters that cause trouble: controls, surrogates, CJK, full-width, RTL
nasty_text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(list("\x00\x01\x08\x0b\x0c\x1b\x7f\ufeff\u200b\u3000\u00a0\ufffe\uffff\ud800\udfff"
                             "银川新闻网_|－—·：:年月日时分发布来源<>&\"'/\\.. \t\n\r")),
    ),
    max_size=120,
)


@st.composite
def date_text(draw):
    """A date in one of the ways Chinese pages print it, with its true value."""
    y = draw(st.integers(1995, 2035))
    m = draw(st.integers(1, 12))
    d = draw(st.integers(1, 28))
    hh = draw(st.integers(0, 23))
    mm = draw(st.integers(0, 59))
    fmt = draw(st.sampled_from([
        "{y}年{m}月{d}日 {hh}:{mm:02d}", "{y}年{m:02d}月{d:02d}日{hh:02d}时{mm:02d}分", "{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}",
        "{y}/{m}/{d} {hh}:{mm:02d}", "{y}.{m:02d}.{d:02d} {hh:02d}:{mm:02d}", "发布时间：{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}",
        "{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+08:00",
    ]))
    text = fmt.format(y=y, m=m, d=d, hh=hh, mm=mm)
    if draw(st.booleans()):
        text = text.translate(str.maketrans("0123456789:-", "０１２３４５６７８９：－"))
    return text, datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@st.composite
def urls(draw, plain: bool = False):
    """http(s) URLs with odd hosts, paths, query strings and fragments (``plain``: no port,
    query or fragment)."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP"]))
    host = draw(st.sampled_from(["news.example.cn", "WWW.Example.CN", "www.yinchuan.gov.cn", "127.0.0.1", "xn--fiqs8s.cn"]))
    port = "" if plain else draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    segs = draw(st.lists(st.text(alphabet="abcxyz0129-_.~%银川", min_size=1, max_size=8), max_size=4))
    path = "/" + "/".join(segs) + draw(st.sampled_from(["", "/", ".html", "/index.html", ".shtml"]))
    if plain:
        return f"{scheme}://{host}{path}"
    params = draw(st.lists(st.tuples(st.sampled_from(["id", "page", "p", "cat", "q"]),
                                     st.text(alphabet="abc123银", max_size=5)), max_size=3))
    query = "&".join(f"{k}={v}" for k, v in params)
    frag = draw(st.sampled_from(["", "#top", "#p2"]))
    return f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + frag


TRACKING = st.lists(st.tuples(st.sampled_from(["utm_source", "utm_medium", "spm", "from", "share_token", "isappinstalled",
                                               "fbclid", "gclid"]), st.text(alphabet="abc123", max_size=6)),
                    min_size=1, max_size=3)


def _with(url: str, extra: list[tuple[str, str]], frag: str = "") -> str:
    base, _, old_frag = url.partition("#")
    sep = "&" if "?" in base else "?"
    return base + sep + "&".join(f"{k}={v}" for k, v in extra) + (f"#{frag}" if frag else (f"#{old_frag}" if old_frag else ""))


_TAGS = ["p", "div", "span", "a", "img", "script", "style", "iframe", "svg", "b", "table", "td", "tr", "br", "math",
         "form", "object", "base", "meta", "noscript", "template", "textarea", "select", "option", "xmp", "plaintext"]
_ATTRS = ["href", "src", "onclick", "onerror", "style", "data-src", "srcdoc", "class", "title", "xlink:href", "action"]
_VALUES = ["javascript:alert(1)", " JaVa\tScRiPt:x", "data:text/html,<b>", "/a/b.html", "http://x.test/", "&#106;avascript:1",
           "x\" onmouseover=\"alert(1)", "vbscript:x", "mailto:a@b.c", "", "<script>", "expression(alert(1))"]


@st.composite
def html_fragments(draw):
    """Random, often broken, HTML built from hostile parts."""
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            parts.append(draw(st.text(max_size=12)))
        elif kind == 1:
            tag = draw(st.sampled_from(_TAGS))
            attrs = "".join(f' {draw(st.sampled_from(_ATTRS))}="{draw(st.sampled_from(_VALUES))}"'
                            for _ in range(draw(st.integers(0, 3))))
            parts.append(f"<{tag}{attrs}>")
        elif kind == 2:
            parts.append(f"</{draw(st.sampled_from(_TAGS))}>")
        elif kind == 3:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<", ">", "&", "&#0;", "&lt;", "\x00", "\ud800"])))
        else:
            parts.append("银川市新闻")
    return "".join(parts)


# --- dates -------------------------------------------------------------------------------


@given(nasty_text, st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Taipei", "America/New_York"]))
def test_parse_date_never_raises_and_returns_aware_datetimes(text, tz):
    count("parse_date")
    now = datetime(2022, 3, 15, 12, 0, tzinfo=timezone.utc)
    dt = parse_date(text, tz=tz, now=now)
    assert dt is None or (isinstance(dt, datetime) and dt.tzinfo is not None and dt.utcoffset() is not None)


@given(date_text())
def test_parse_date_reads_printed_dates_exactly(case):
    count("parse_date_exact")
    text, expected = case
    dt = parse_date(text, tz="Asia/Shanghai", now=datetime(2036, 1, 1, tzinfo=timezone.utc))
    assert dt == expected, text


@given(nasty_text)
def test_date_parser_needs_no_safety_net(text):
    """parse_date swallows exceptions (a field must never take a page down); the parser
    underneath should not rely on that: garbage gives None, not an exception."""
    from aggregator.extract import dates

    count("parse_date_internal")
    dates._parse_date(text, "Asia/Shanghai", datetime(2022, 3, 15, tzinfo=timezone.utc))


# --- URLs ----------------------------------------------------------------------------------


@given(urls())
def test_canonical_url_is_idempotent(url):
    count("canonical_url")
    once = N.canonical_url(url)
    assert N.canonical_url(once) == once
    assert "#" not in once
    assert N.url_key(once) == N.url_key(url)


@given(urls(), TRACKING, st.sampled_from(["", "comment", "p3"]))
def test_url_key_ignores_tracking_parameters_and_fragments(url, tracking, frag):
    count("url_key")
    assert N.url_key(_with(url, tracking, frag)) == N.url_key(url)
    assert N.canonical_url(_with(url, tracking, frag)) == N.canonical_url(url.split("#")[0])


@given(urls(plain=True))
def test_url_key_is_stable_under_scheme_www_and_index_page(url):
    count("url_key_variants")
    key = N.url_key(url)
    assert N.url_key(url.replace("https://", "http://", 1)) == N.url_key(url.replace("http://", "https://", 1))
    if url.endswith("/"):
        assert N.url_key(url + "index.html") == key
    host = url.split("/")[2]
    if not host.lower().startswith("www.") and not host[0].isdigit():
        assert N.url_key(url.replace(host, "www." + host, 1)) == key


@given(st.text(max_size=60))
@example("http://x.test:99999/a.html")
@example("http://[::1/a")
def test_canonical_url_never_raises(text):
    """An invalid port or IPv6 host in one href must not take a listing page down."""
    count("canonical_url_any")
    N.canonical_url(text)
    N.url_key(text)


# --- titles, text ----------------------------------------------------------------------------


@given(nasty_text)
def test_clean_title_is_clean(title):
    count("clean_title")
    once = N.clean_title(title)
    assert not XML_ILLEGAL.search(once)
    assert not re.search(r"[\t\n\r\u3000]|  ", once)
    assert once == once.strip()
    assert len(once) <= N.MAX_TITLE_CHARS


@given(nasty_text)
@example("0000-0-_-")
@example("城区道路改造工程全面完工_银川新闻_宁夏新闻_新闻中心_首页")
def test_clean_title_is_idempotent(title):
    """Titles with four or more site-name suffixes once needed a second pass."""
    count("clean_title_idempotent")
    once = N.clean_title(title)
    assert N.clean_title(once) == once


@given(nasty_text, st.sampled_from(["银川新闻网", "宁夏日报", "Example News"]))
@example("0000-_-", "银川新闻网")
def test_clean_title_with_site_name_is_idempotent(title, site):
    count("clean_title_site")
    once = N.clean_title(f"{title}_{site}", (site,))
    assert N.clean_title(once, (site,)) == once


@given(st.one_of(html_fragments(), nasty_text))
@example("<html></html>")
def test_html_to_text_never_raises_and_gives_clean_lines(html):
    count("html_to_text")
    text = N.html_to_text(html)
    assert not XML_ILLEGAL.search(text)
    for line in text.split("\n") if text else []:
        assert line and line == line.strip() and "  " not in line


@given(nasty_text)
def test_xml_safe_leaves_only_xml_characters(text):
    count("xml_safe")
    out = N.xml_safe(text)
    assert not XML_ILLEGAL.search(out)
    out.encode("utf-8")  # no lone surrogates
    assert N.xml_safe(out) == out


# --- slugs -----------------------------------------------------------------------------------


@given(st.one_of(nasty_text, st.text(min_size=200, max_size=2000), st.sampled_from([
    "../../etc/passwd", "a/b", "a\\b", "..", ".", ".hidden", " 空格 名称 ", "CON", "Ελληνικά νέα", "Русские новости",
    "العربية", "日本のニュース", "한국어 뉴스", "🚀📰", "银川/新闻", "银川..新闻", "-", "_x"])))
@example("㠻:0")   # a CJK character pypinyin cannot read, then punctuation
def test_slugify_is_always_a_safe_file_name(text):
    count("slugify")
    slug = N.slugify(text)
    assert N.slugify(text) == slug
    if text.strip():
        assert SAFE_SLUG.match(slug), (text, slug)
        assert len(slug) <= N.MAX_SLUG
        assert N.slugify(slug) == slug
    else:
        assert slug == ""


def test_hostile_names_become_distinct_safe_file_names():
    names = ["../../etc/passwd", "a/b", "a\\b", "..", ".hidden", "空格 名称", "x" * 1000, "x" * 999 + "y",
             "Ελληνικά", "Русские", "العربية", "日本のニュース", "한국어", "🚀", "银川/新闻", "银川新闻", "CON"]
    slugs = [N.slugify(n) for n in names]
    assert all(SAFE_SLUG.match(s) and len(s) <= N.MAX_SLUG for s in slugs), slugs
    assert len(set(slugs)) == len(slugs) - 1, slugs   # only 银川/新闻 and 银川新闻 meet (same words)
    assert N.slugify("x" * 1000) != N.slugify("x" * 999 + "y")


def test_hostile_category_and_source_names_export_to_distinct_files_inside_the_folder(export_archive, tmp_path):
    from aggregator.export import export_all

    hostile = ["../../escape", "a/b", "a b", ".hidden", "x" * 500, "x" * 499 + "y", "Ελληνικά", "العربية", "all",
               "index", "CON", "银川/新闻"]
    data = {"sources": [], "categories": [], "articles": []}
    for i, name in enumerate(hostile):
        data["categories"].append({"slug": name, "name": name})
        data["sources"].append({"name": name, "title": name, "type": "listing", "category": name, "start_urls": "[]",
                                "config": "{}"})
        data["articles"].append({"id": i + 1, "url": f"https://news.example.cn/a{i}.html", "title": f"稿件{i}",
                                 "published": "2022-03-01T00:00:00+00:00", "category": name, "spider": name,
                                 "body_html": "<p>正文</p>", "body_text": "正文", "fetched_at": "2022-03-01T00:00:00+00:00",
                                 "first_seen_at": "2022-03-01T00:00:00+00:00", "updated_at": "2022-03-01T00:00:00+00:00",
                                 "content_hash": f"h{i}", "categories": [name]})
    db = export_archive(data, name="names.db", raw=True)   # names no validator would let through
    out = tmp_path / "out" / "feeds"
    export_all(db, out, base_url="https://feeds.example.org/")
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".xml", ".atom", ".json")]
    assert all(out in p.parents for p in files), "a feed escaped the output folder"
    for p in files:
        stem = p.name.rsplit(".", 1)[0]
        assert SAFE_SLUG.match(stem) and len(stem) <= 110, p
    top = {p.name for p in out.glob("*.xml")}
    per_source = {p.name for p in (out / "source").glob("*.xml")}
    assert len(top) == len(hostile) + 1, sorted(top)          # every category + all.xml, no collision
    assert len(per_source) == len(hostile), sorted(per_source)


def test_control_characters_in_archive_rows_never_reach_the_feeds(export_archive, tmp_path):
    """Rows written by another tool may hold characters XML cannot carry: every feed still
    parses with a strict parser and carries none of them."""
    from aggregator.export import export_all

    bad = "\x00\x01\x07\x0b\x0c\x1b\x1f\x7f\ufffe\uffff"
    data = {"sources": [{"name": "ctl", "title": f"来源{bad}网", "type": "listing", "category": "ctl",
                         "start_urls": "[]", "config": "{}"}],
            "categories": [{"slug": "ctl", "name": f"分类{bad}"}],
            "articles": [{"id": 1, "url": "https://news.example.cn/c.html", "title": f"标题{bad}含控制字符",
                          "published": "2022-03-01T00:00:00+00:00", "category": "ctl", "spider": "ctl",
                          "source": f"日报{bad}", "author": f"记者{bad}", "origin_url": None,
                          "body_html": f"<p>正文{bad}第一段</p><p title='{bad}'>第二段</p>", "body_text": f"正文{bad}",
                          "fetched_at": "2022-03-01T00:00:00+00:00", "first_seen_at": "2022-03-01T00:00:00+00:00",
                          "updated_at": "2022-03-01T00:00:00+00:00", "content_hash": "h", "categories": ["ctl"]}]}
    db = export_archive(data, name="ctl.db", raw=True)
    out = tmp_path / "feeds"
    export_all(db, out, base_url="https://feeds.example.org/")
    strict = etree.XMLParser(recover=False)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 8
    for path in files:
        text = path.read_text("utf-8")
        assert not XML_ILLEGAL.search(text), path.name
        if path.suffix in (".xml", ".atom", ".opml"):
            etree.fromstring(path.read_bytes(), strict)
        elif path.suffix == ".json":
            assert not XML_ILLEGAL.search(json.dumps(json.loads(text), ensure_ascii=False)), path.name
    assert "标题含控制字符" in (out / "all.xml").read_text("utf-8")


# --- the sanitiser --------------------------------------------------------------------------------


_ON_ATTR = re.compile(r"<[^>]*\son\w+\s*=", re.I)


@given(st.one_of(html_fragments(), nasty_text))
@example("<img>\xa0")     # once gave "&nbsp;", then ""
@example("<HTML>")         # lxml asserted ("too many bodies")
def test_sanitize_html_is_idempotent_and_inert(html):
    count("sanitize_html")
    base = "https://news.example.cn/a/1.html"
    once = N.sanitize_html(html, base)
    assert N.sanitize_html(once, base) == once
    low = once.lower()
    assert "<script" not in low and "<iframe" not in low and "<style" not in low and "<svg" not in low
    assert not _ON_ATTR.search(once)
    for tag in re.findall(r"<[^>]+>", low):   # text is escaped: every "<...>" is a real tag
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):""", tag), tag
    assert "&amp;lt;" not in once or "&amp;lt;" in html, "markup came out double-escaped"
    assert not XML_ILLEGAL.search(once)


# --- whole articles ------------------------------------------------------------------------------------


@given(title=nasty_text, body=st.one_of(html_fragments(), nasty_text), source=nasty_text, author=nasty_text,
       category=nasty_text)
def test_normalize_article_output_is_always_storable_and_xml_safe(title, body, source, author, category):
    count("normalize_article")
    art = Article(url="https://news.example.cn/a/1.html?utm_source=x#top", title=title, published="2022-03-01 08:00",
                  source=source, author=author, category=category or "bendi", categories=[category],
                  category_name=category, spider="t", body_html=body, fetched_at="2022-03-01T00:00:00+00:00")
    out, _ = normalize_article(art, max_body_chars=5000)
    for field in ("url", "title", "source", "author", "category", "category_name", "body_html", "body_text"):
        value = getattr(out, field)
        if value:
            assert not XML_ILLEGAL.search(value), field
            value.encode("utf-8")
    assert len(out.title) <= N.MAX_TITLE_CHARS and len(out.body_html) <= 5000
    assert out.url == "https://news.example.cn/a/1.html"
    for c in out.categories:
        assert SAFE_SLUG.match(c)


def test_a_megabyte_title_and_a_huge_body_are_bounded():
    import time

    para = "<p>" + "银川市持续推进老旧小区改造，居民生活条件不断改善。" * 40 + "</p>"
    body = para * (3_000_000 // len(para))
    art = Article(url="https://news.example.cn/a/big.html", title="超长标题" * 250_000, published="2022-03-01 08:00",
                  category="bendi", categories=["bendi"], category_name="本地", spider="t", body_html=body,
                  fetched_at="2022-03-01T00:00:00+00:00")
    t0 = time.monotonic()
    out, truncated = normalize_article(art, max_body_chars=200_000)
    assert time.monotonic() - t0 < 20
    assert truncated and len(out.body_html) <= 200_000 and out.body_text
    assert len(out.title) <= N.MAX_TITLE_CHARS and out.title.endswith("…")
    assert N.sanitize_html(out.body_html, out.url) == out.body_html


# --- extractor fuzz ----------------------------------------------------------------------------------

_PAGES = sorted((FIXTURES / "pages").rglob("*.html")) + sorted((FIXTURES / "listings").glob("*.html"))
_PAGE_TEXT = {}


def _page(i: int) -> str:
    from aggregator.extract.encoding import decode_html

    path = _PAGES[i % len(_PAGES)]
    if path not in _PAGE_TEXT:
        _PAGE_TEXT[path] = decode_html(path.read_bytes())[0]
    return _PAGE_TEXT[path]


@st.composite
def mutated_pages(draw):
    """A fixture page with a few random cuts, duplications, swaps and hostile insertions."""
    text = _page(draw(st.integers(0, 10_000)))
    for _ in range(draw(st.integers(1, 6))):
        n = len(text)
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 4000)))
        op = draw(st.sampled_from(["cut", "dup", "insert", "truncate", "swap", "tagsoup"]))
        if op == "cut":
            text = text[:a] + text[b:]
        elif op == "dup":
            text = text[:b] + text[a:b] + text[b:]
        elif op == "insert":
            text = text[:a] + draw(st.one_of(html_fragments(), nasty_text)) + text[a:]
        elif op == "truncate":
            text = text[:a]
        elif op == "swap":
            c = draw(st.integers(0, n))
            text = text[:a] + text[c:] + text[a:c] if c > a else text[c:a] + text[:c] + text[a:]
        else:
            text = text[:a] + re.sub(r"</?(div|p|span|td|li)\b", lambda m: "<" + draw(st.sampled_from(_TAGS)), text[a:b]) + text[b:]
    return text


class _Failures(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@given(mutated_pages(), st.booleans())
def test_extractor_survives_mutated_pages(text, as_bytes):
    """extract_article never raises, and no field extractor needs its safety net."""
    from parsel import Selector
    from scrapy.http import HtmlResponse

    from aggregator.extract.article import FIELDS, extract_article

    count("fuzz")
    url = "https://news.example.cn/yinchuan/2022/03/15/a1.html"
    text = N.xml_safe(text)
    page = HtmlResponse(url=url, body=text.encode("utf-8", "replace"), encoding="utf-8") if as_bytes \
        else Selector(text=text or "<html></html>")
    handler = _Failures()
    log = logging.getLogger("aggregator.extract")
    log.addHandler(handler)
    try:
        out = extract_article(page, None, url=url, now=datetime(2022, 3, 16, tzinfo=timezone.utc))
    finally:
        log.removeHandler(handler)
    assert set(FIELDS) <= set(out)
    failed = [r.getMessage() for r in handler.records if "failed" in r.getMessage()]
    assert failed == [], failed
    if out.get("published"):
        assert datetime.fromisoformat(out["published"]).tzinfo is not None
