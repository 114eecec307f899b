"""Fast paths of the crawl give exactly what the plain Scrapy code they replace gives.

* The extraction processes parse a page without Scrapy (``offload.parsed_page``): the
  same text, tree and base URL as ``HtmlResponse(...).selector``, so the same fields.
* ``aggregator.middlewares.HttpCompressionMiddleware`` decompresses like Scrapy's, without
  guessing the charset of the compressed bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware as ScrapyCompression
from scrapy.http import Headers, HtmlResponse, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from aggregator import offload
from aggregator.extract.article import extract_article
from aggregator.extract.links import discover_links
from aggregator.middlewares import HttpCompressionMiddleware
from aggregator.sources import Source

FIXTURES = Path(__file__).parent / "fixtures"
NOW = __import__("datetime").datetime(2024, 6, 30, 12, 0)
SOURCE = Source(name="t", title="测试新闻网", start_urls=("http://example.org/",))

_ZH = "<p>银川市今日召开会议，研究部署相关工作。会议指出，要切实抓好各项任务落实。</p>" * 5
PAGES = {
    "utf-8": f'<html><head><meta charset="utf-8"><title>标题 - 测试新闻网</title></head><body><h1>标题</h1>'
             f'<div class="content">{_ZH}<a href="a.html">下一篇</a></div></body></html>'.encode(),
    "bom": b"\xef\xbb\xbf" + f"<html><body><h1>标题</h1><div>{_ZH}</div></body></html>".encode(),
    "base": f'<html><head><base href="/sub/dir/"></head><body><h1>标题</h1><div>{_ZH}<img src="x.jpg">'
            f'<a href="../list_2.html">下一页</a></div></body></html>'.encode(),
    "gb": f'<html><head><meta charset="gb2312"></head><body><h1>标题</h1><div>{_ZH}</div></body></html>'
          .encode("gb18030"),
    "broken": b"<html><body><h1>\xff\xfe bad \x80 bytes</h1><div>" + _ZH.encode() + b"\x00</div>",
}


def _fixture_pages(limit: int = 12):
    return sorted((FIXTURES / "pages").rglob("*.html"))[:limit]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "cp1252"])
def test_parsed_page_is_the_tree_scrapy_would_build(encoding):
    pages = list(PAGES.values()) + [p.read_bytes() for p in _fixture_pages()]
    for i, body in enumerate(pages):
        url = f"http://example.org/news/{i}/page.html"
        ours = offload.parsed_page(body, url, encoding)
        scrapy_sel = HtmlResponse(url=url, body=body, encoding=encoding).selector
        assert ours.root.base_url == scrapy_sel.root.base_url
        assert ours.get() == scrapy_sel.get()
        assert extract_article(ours, SOURCE, url=url, now=NOW) == extract_article(
            HtmlResponse(url=url, body=body, encoding=encoding), SOURCE, url=url, now=NOW)
        assert discover_links(ours, SOURCE, base_url=url, now=NOW) == discover_links(
            HtmlResponse(url=url, body=body, encoding=encoding), SOURCE, base_url=url, now=NOW)


def test_extraction_process_does_not_import_scrapy():
    import subprocess
    import sys

    code = ("import sys, aggregator.offload as o; o.extract_page(%r, 'http://example.org/a.html', 'utf-8', None, "
            "None, 10000); o.listing_links(%r, 'http://example.org/', 'utf-8', None, None); "
            "print(any(m.split('.')[0] in ('scrapy', 'twisted') for m in sys.modules))") % (PAGES["utf-8"], PAGES["base"])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "False"


def _compressed(body: bytes, content_type: str, url: str = "http://example.org/a.html"):
    headers = Headers({"Content-Type": content_type, "Content-Encoding": "gzip"})
    data = gzip.compress(body)
    cls = responsetypes.from_args(headers=headers, url=url, body=data)
    return cls(url=url, body=data, headers=headers, status=200, flags=["cached"], ip_address=None, protocol="HTTP/1.1")


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=gbk", "application/xml",
                                          "application/octet-stream", "application/json"])
def test_compression_middleware_gives_scrapys_response(content_type, monkeypatch):
    crawler = get_crawler(settings_dict={})
    ours_mw, scrapy_mw = HttpCompressionMiddleware.from_crawler(crawler), ScrapyCompression.from_crawler(crawler)
    for body in PAGES.values():
        request = Request("http://example.org/a.html")
        expected = scrapy_mw.process_response(request, _compressed(body, content_type))
        guesses = []
        real = TextResponse._auto_detect_fun
        monkeypatch.setattr(TextResponse, "_auto_detect_fun", lambda self, text: guesses.append(1) or real(self, text))
        got = ours_mw.process_response(request, _compressed(body, content_type))
        monkeypatch.undo()
        assert not guesses   # no charset guess over the compressed bytes
        assert type(got) is type(expected)
        assert got.body == expected.body == body
        assert got.headers == expected.headers and b"Content-Encoding" not in got.headers
        for name in (*Response.attributes, "encoding"):
            if name not in ("body", "headers") and hasattr(expected, name):
                assert getattr(got, name) == getattr(expected, name), name


def test_compression_middleware_leaves_head_and_plain_responses_alone():
    mw = HttpCompressionMiddleware.from_crawler(get_crawler(settings_dict={}))
    plain = HtmlResponse(url="http://example.org/", body=PAGES["utf-8"])
    assert mw.process_response(Request("http://example.org/"), plain) is plain
    head = _compressed(PAGES["utf-8"], "text/html")
    assert mw.process_response(Request("http://example.org/", method="HEAD"), head) is head


def test_the_project_uses_the_compression_middleware():
    from aggregator import settings

    assert settings.DOWNLOADER_MIDDLEWARES["aggregator.middlewares.HttpCompressionMiddleware"] == 590
    assert settings.DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] is None


# --- normalize: fast paths against the plain regex code they replace ----------------------

_WS_CHARS = [chr(c) for c in range(0x3100) if chr(c).isspace()] + ["\u3000", "\u200b", "\u200c", "\u200d", "\ufeff",
                                                                    "\x00", "\x1f", "\ud800", "\ufffe"]
_TEXT_CHARS = ["a", "Z", "1", "银", "川", "，", "&", ";", "<", ">", "/", "p", "nbsp", "&nbsp;", "&#160;", "&#xa0;",
               "&NBSP;", "<p>", "</p>", "<b>", "</b>", "<img src=x>", "<br>"]


def _random_texts(n: int = 3000):
    import random

    rng = random.Random(5)
    for _ in range(n):
        yield "".join(rng.choice(_WS_CHARS if rng.random() < 0.4 else _TEXT_CHARS) for _ in range(rng.randint(0, 30)))


def test_collapse_ws_is_the_white_space_regex():
    import re

    from aggregator.normalize import _WS, collapse_ws, xml_safe

    for text in [*_random_texts(), None, "", " \u200b ", "a\u200bb", "\ufeffx"]:
        assert collapse_ws(text) == _WS.sub(" ", xml_safe(text or "")).strip(), repr(text)
    assert all(bool(re.match(r"\s", c)) == c.isspace() for c in map(chr, range(0x3100)))   # what str.split() relies on


def test_sanitizer_fast_checks_are_the_plain_regexes():
    import re

    from aggregator.normalize import _EMPTY_PARAS, _TAG_NOT_IMG, _VISIBLE

    for text in _random_texts():
        assert _EMPTY_PARAS.sub("", text) == re.sub(r"(<p>\s*</p>\s*)+", "", text), repr(text)
        shown = _TAG_NOT_IMG.sub("", text)
        assert (not shown or bool(_VISIBLE.fullmatch(shown))) == (not _VISIBLE.sub("", shown)), repr(text)


def test_content_hash_ignores_the_white_space_the_regex_ignored():
    import hashlib
    import re

    from aggregator.normalize import content_hash

    texts = list(_random_texts(500))
    for title, body in zip(texts, reversed(texts)):
        norm = re.sub(r"\s+", "", title) + "\x1f" + re.sub(r"\s+", "", body)
        assert content_hash(title, body) == hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def test_fold_list_is_the_fold_table():
    from aggregator import search

    table, listed = search._fold_table(), search._fold_list()
    assert all(listed[code] == table.get(code, code) for code in range(0x10000))
    every_bmp = "".join(map(chr, range(0x10000)))
    assert search.fold(every_bmp) == every_bmp.translate(table)
    mixed = "繁體\U00020000ＡＢ\U0002f800x\ud800"
    assert search.fold(mixed) == mixed.translate(table) and len(search.fold(mixed)) == len(mixed)
