"""The bundled demo site: deterministic, really GBK where it says so, complete, self-consistent."""

from __future__ import annotations

import http.client
import itertools
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from aggregator.demo import build_site, render_sources, site_files, site_info, sources_toml
from aggregator.server import StaticSiteServer
from aggregator.sources import load_sources

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    return build_site(root, BASE)


def _read_page(info, path: str) -> str:
    """Decoded text of a site page, by the encoding its article truth declares."""
    data = (info.root / unquote(path).lstrip("/")).read_bytes()
    return data.decode("gb18030" if path.startswith("/news/") else "utf-8")


def _text(info, path: str) -> str:
    doc = lxml.html.fromstring(_read_page(info, path))
    return doc.text_content()


# -- determinism ------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[bytes, float]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_is_deterministic(tmp_path):
    a = build_site(tmp_path / "a", BASE)
    b = build_site(tmp_path / "b", BASE)
    snap_a, snap_b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert snap_a == snap_b
    assert a.articles == b.articles and a.sources == b.sources
    # the pure function gives the same bytes as the written files
    files = site_files(BASE)
    assert {k.lstrip("/") for k in files} == set(snap_a)
    assert all(snap_a[k.lstrip("/")][0] == v for k, v in files.items())
    # rebuilding in place changes nothing, not even mtimes
    build_site(tmp_path / "a", BASE)
    assert _snapshot(tmp_path / "a") == snap_a


def test_no_clock_in_mtimes(built):
    mtimes = {p.stat().st_mtime for p in built.root.rglob("*") if p.is_file()}
    assert max(mtimes) <= 1648728000  # 2022-03-31 20:00 +08:00, the site's newest moment


def test_base_url_only_changes_absolute_links():
    one, two = site_files("http://127.0.0.1:8000"), site_files("http://127.0.0.1:9999/")
    changed = {k for k in one if one[k] != two[k]}
    assert "/rss.xml" in changed and "/api/list_1.json" in changed
    assert "/news/index.html" not in changed and "/category/ningxiaribao.html" not in changed
    assert b"127.0.0.1:9999/wenlv" in two["/rss.xml"] and b"9999//" not in two["/rss.xml"]


# -- encodings -----------------------------------------------------------------------------------


def test_portal_pages_are_really_gbk_and_declare_it(built):
    portal = [p for p in built.files if p.startswith("/news/") and p.endswith(".html")]
    assert len(portal) >= 26 + 1 + 3  # articles, second page, list pages
    for path in portal:
        data = (built.root / unquote(path).lstrip("/")).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gb18030")
        assert text.encode("gbk") == data, path  # GBK proper, no 4-byte GB18030 sequences
        head = text[: text.index("</head>")]
        assert re.search(r'charset="?(gb2312|gbk)"?', head, re.I), path
    # a character outside GB2312 (喆) proves the declared gb2312 must be read as GB18030
    page2 = (built.root / built.multi_page[1].lstrip("/")).read_bytes()
    assert "喆".encode("gbk") in page2
    with pytest.raises(UnicodeDecodeError):
        page2.decode("gb2312")


def test_other_pages_are_utf8_and_declare_it(built):
    for path in built.files:
        if path.endswith(".html") and not path.startswith("/news/"):
            text = (built.root / path.lstrip("/")).read_bytes().decode("utf-8")
            assert re.search(r'<meta charset="(utf-8|UTF-8)">', text), path


def test_wrong_charset_header_sidecar(built):
    side = built.root / (built.wrong_charset_header.lstrip("/") + ".headers")
    assert side.read_text(encoding="utf-8").splitlines()[-1] == "Content-Type: text/html; charset=utf-8"
    assert built.article(built.wrong_charset_header).encoding == "gbk"


# -- size and shape ------------------------------------------------------------------------------


def test_counts_categories_and_structures(built):
    assert len(built.articles) >= 130
    assert len({a.path for a in built.articles}) == len(built.articles)
    assert len(built.categories) >= 6
    assert set(built.structures) == {"jekyll", "portal", "feed", "json"}
    assert len(built.sources) >= 4
    assert sum(built.per_source.values()) == len(built.articles)
    assert sum(built.per_category.values()) == len(built.articles)
    # the dual-listed article counts once per source that lists it
    assert sum(built.listed_per_source.values()) == len(built.articles) + 1
    jekyll = [s for s in built.sources if s.structure == "jekyll"]
    assert len(jekyll) >= 3 and {s.category for s in jekyll} >= {"yinchuanxinwenwang", "ningxiaribao"}
    for s in built.sources:
        assert built.per_source[s.name] >= 10, s.name


def test_article_truth_is_plausible(built):
    titles = [a.title for a in built.articles if a.path != built.syndicated[1]]
    assert len(set(titles)) == len(titles)  # only the syndicated copy repeats a headline
    with_subheads = 0
    for a in built.articles:
        assert 3 <= len(a.paragraphs) <= 10, a.path
        with_subheads += any(k == "h" for k, _ in a.blocks)
        if a.published:
            assert re.fullmatch(r"2022-0[1-3]-\d\dT\d\d:\d\d:00\+08:00", a.published), a.published
            assert a.published_utc.endswith("+00:00")
        assert a.title == a.title.strip() and "  " not in a.title
        for junk in a.body_without:
            assert junk not in a.body_text, (a.path, junk)
    assert with_subheads >= 20


def test_templated_articles_are_not_near_duplicates(built):
    def shingles(text, k=5):
        return {text[i:i + k] for i in range(len(text) - k + 1)}

    sh = {a.path: shingles(a.body_text) for a in built.articles}
    syndicated = set(built.syndicated)
    for a, b in itertools.combinations(built.articles, 2):
        x, y = sh[a.path], sh[b.path]
        jaccard = len(x & y) / len(x | y)
        if {a.path, b.path} == syndicated:
            assert jaccard > 0.9
        else:
            assert jaccard < 0.6, (a.path, b.path, jaccard)


# -- pages agree with the truth ------------------------------------------------------------------


def test_every_article_page_shows_its_truth(built):
    for a in built.articles:
        text = "".join(_text(built, p) for p in a.pages)
        norm = re.sub(r"\s+", "", text)
        assert a.title in text, a.path
        for block in a.paragraphs + tuple(t for k, t in a.blocks if k == "h"):
            assert re.sub(r"\s+", "", block) in norm, (a.path, block[:20])
        for junk in a.body_without:
            assert re.sub(r"\s+", "", junk) in norm or junk in _read_page(built, a.pages[0]), (a.path, junk)
        if a.source != a.spider:
            assert a.source in text
        if a.author:
            assert a.author in text


def test_dates_on_pages(built):
    for a in built.articles:
        raw = _read_page(built, a.path)
        text = _text(built, a.path)
        if a.structure == "portal":
            if a.published:
                assert f"发布时间：{a.published[:4]}年{a.published[5:7]}月{a.published[8:10]}日 {a.published[11:16]}" in text
            else:
                assert "发布时间" not in text
                assert not re.search(r"20\d\d[-年/]", text), a.path  # no date anywhere a reader sees
        elif a.structure == "feed":
            assert f'<meta property="article:published_time" content="{a.published}">' in raw
        elif a.structure == "jekyll":
            assert f'datetime="{a.published}"' in raw
        else:
            assert f"{a.published[:10]} {a.published[11:16]}" in text
    assert built.article(built.no_date).url_date is None and built.article(built.no_date).listing_date is None
    only_url = built.article(built.url_date_only)
    assert only_url.published is None and only_url.listing_date is None
    assert only_url.url_date.replace("-", "")[4:] in only_url.path.replace("/", "")


def test_special_cases(built):
    first, second = built.multi_page
    assert second == first.replace(".html", "_2.html")
    p1, p2 = _read_page(built, first), _read_page(built, second)
    assert re.search(rf'<a href="{re.escape(second.rsplit("/", 1)[1])}">下一页</a>', p1)
    assert "上一页" in p2
    article = built.article(first)
    assert article.pages == (first, second) and built.article(second) is article
    # the second page is not listed; the first is
    portal = built.source("saishang")
    assert first in portal.listed and second not in portal.listed
    # dual-listed: same URL on two category pages
    dual = built.article(built.dual_listed)
    assert len(dual.categories) == 2
    for src in built.sources:
        if src.category_slug in dual.categories:
            assert built.dual_listed in src.listed
            assert any(dual.url_path in _read_page(built, p) for p in src.listing_paths)
    # syndicated: same story, two sources, two URLs
    a, b = (built.article(p) for p in built.syndicated)
    assert a.title == b.title and a.spider != b.spider and a.path != b.path
    # Jekyll post with a Chinese slug is linked percent-encoded
    assert re.search(r"[^\x00-\x7f]", built.non_ascii_path)
    guyuan = built.source("guyuan")
    assert any(built.article(built.non_ascii_path).url_path in _read_page(built, p) for p in guyuan.listing_paths)


def test_jekyll_posts_end_with_source_line_then_origin_and_back_links(built):
    for a in (x for x in built.articles if x.structure == "jekyll"):
        doc = lxml.html.fromstring(_read_page(built, a.path))
        body = doc.cssselect("div.post-content")[0]
        assert body[-1].get("class") == "em_media"
        assert body[-1].text_content() == f"（文章来源：{a.source}）"
        after = [e.text_content() for e in body.itersiblings()]
        assert after[0] == a.origin_url
        assert after[1].startswith("[返回")


def test_portal_article_containers_hold_the_traps(built):
    for a in (x for x in built.articles if x.structure == "portal"):
        doc = lxml.html.fromstring(_read_page(built, a.pages[-1]))
        box = doc.get_element_by_id("zoom")
        assert box.cssselect("script") and box.cssselect("div.ad")
        assert "责任编辑：" in box.text_content()
        assert "分享到：" in doc.text_content()
    lazy = [p for p in built.files if p.startswith("/news/") and p.endswith(".html") and 'data-src="../' in _read_page(built, p)]
    assert lazy


# -- links ------------------------------------------------------------------------------------------


def _internal_links(info):
    """(page, URL as written) for every href/src/data-* value in HTML, RSS and JSON files."""
    for path in info.files:
        if path.endswith(".html"):
            doc = lxml.html.fromstring(_read_page(info, path))
            for el in doc.iter():
                for attr in ("href", "src", "data-src", "data-original"):
                    value = el.get(attr)
                    if not value or value.startswith(("javascript:", "#", "mailto:")):
                        continue
                    yield path, value
        elif path == "/rss.xml":
            tree = lxml.etree.fromstring((info.root / "rss.xml").read_bytes())
            for link in tree.iter("link"):
                yield path, link.text
        elif path.startswith("/api/"):
            data = json.loads((info.root / path.lstrip("/")).read_text(encoding="utf-8"))
            for item in data["data"]["list"]:
                yield path, item["link"]
            if data["data"]["next"]:
                yield path, data["data"]["next"]


def test_all_internal_links_resolve(built):
    host = urlsplit(built.base_url).netloc
    checked = 0
    for page, value in _internal_links(built):
        url = urljoin(built.base_url + page, value)
        parts = urlsplit(url)
        if parts.netloc != host:
            assert parts.netloc.endswith(".example"), (page, value)  # invented origin URLs only
            continue
        target = unquote(parts.path)
        if target.endswith("/"):
            target += "index.html"
        assert (built.root / target.lstrip("/")).is_file(), (page, value)
        checked += 1
    assert checked > 1000


def test_feed_and_api_list_every_article_once(built):
    tree = lxml.etree.fromstring((built.root / "rss.xml").read_bytes())
    links = [urlsplit(i.findtext("link")) for i in tree.iter("item")]
    feed = built.source("huanghe")
    assert [unquote(u.path) for u in links] == list(feed.listed)
    assert all(u.query == "utm_source=rss&utm_medium=feed" for u in links)
    api = built.source("fengcheng")
    seen = []
    for page in api.listing_paths:
        data = json.loads((built.root / page.lstrip("/")).read_text(encoding="utf-8"))
        for item in data["data"]["list"]:
            a = built.article(urlsplit(item["link"]).path)
            assert (item["title"], item["source"]) == (a.title, a.source)
            assert item["time"] == a.published[:19].replace("T", " ")
            seen.append(a.path)
    assert seen == list(api.listed)


def test_listing_pages_link_every_listed_article(built):
    for src in (s for s in built.sources if s.type == "listing"):
        found = []
        for page in src.listing_paths:
            doc = lxml.html.fromstring(_read_page(built, page))
            for a in doc.iter("a"):
                href = unquote(urlsplit(urljoin(built.base_url + page, a.get("href", ""))).path)
                if href in src.listed and href not in found:
                    found.append(href)
        assert found == list(src.listed), src.name
        for page in src.listing_paths[:-1]:
            assert "下一页" in _read_page(built, page)
        assert "下一页" not in _read_page(built, src.listing_paths[-1])


def test_robots_txt(built):
    assert (built.root / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow: /admin/\n"
    assert (built.root / "admin" / "login.html").is_file()


# -- sources file -----------------------------------------------------------------------------------


def test_render_sources_loads_and_matches_the_site(tmp_path, built):
    path = render_sources("http://127.0.0.1:4321/", tmp_path)
    assert path == tmp_path / "sources.toml"
    sources = load_sources(path)
    assert [s.name for s in sources] == [s.name for s in built.sources]
    for src, demo in zip(sources, built.sources):
        assert src.type == demo.type
        assert src.category == demo.category_slug
        assert src.category_name == built.categories[demo.category_slug]
        assert src.start_urls == tuple(f"http://127.0.0.1:4321{p}" for p in demo.start_paths)
        assert not src.selectors and src.article_url is None and src.encoding is None
        if src.type == "listing":
            assert src.max_pages >= len(demo.listing_paths)
    fengcheng = next(s for s in sources if s.type == "json")
    assert fengcheng.json_items == "data.list"
    assert dict(fengcheng.json_fields) == {"url": "link", "title": "title", "published": "time", "source": "source"}
    assert render_sources(BASE, tmp_path / "x" / "demo.toml") == tmp_path / "x" / "demo.toml"
    assert sources_toml(BASE) == (tmp_path / "x" / "demo.toml").read_text(encoding="utf-8")


def test_site_info_without_writing_matches_build(built):
    info = site_info(BASE)
    assert info.root is None and info.articles == built.articles and info.files == built.files


# -- served -----------------------------------------------------------------------------------------


def test_served_by_static_server(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    with StaticSiteServer(root) as srv:
        info = build_site(root, srv.base_url)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)

        def get(path):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            conn.connect()
            return resp.status, resp.getheader("Content-Type"), body

        assert get("/rss.xml")[:2] == (200, "application/rss+xml; charset=utf-8")
        assert get("/api/list_1.json")[:2] == (200, "application/json; charset=utf-8")
        status, ctype, body = get(info.source("saishang").start_paths[0])
        assert (status, ctype) == (200, "text/html")
        assert "塞上在线".encode("gbk") in body
        assert get(info.wrong_charset_header)[1] == "text/html; charset=utf-8"
        assert get(info.article(info.non_ascii_path).url_path)[0] == 200
        for a in info.articles:
            assert get(a.url_path)[0] == 200, a.path
        assert get("/robots.txt")[1] == "text/plain; charset=utf-8"
        rss = lxml.etree.fromstring(get("/rss.xml")[2])
        assert rss.findtext("channel/item/link").startswith(srv.base_url + "/wenlv/article/")
        conn.close()
    logged = {path for method, path, status in srv.requests if status == 200}
    assert {a.url_path for a in info.articles} <= logged


# -- checking a crawled archive against the truth ------------------------------------------------


def test_compare_archive_counts_matches_and_mismatches(tmp_path):
    from aggregator.archive import Archive
    from aggregator.demo.run import compare_archive
    from aggregator.items import Article

    info = site_info(BASE)
    db = tmp_path / "archive.db"
    wrong_title, missing = info.articles[0], info.articles[1]
    rows = []
    for a in info.articles:
        if a is missing:
            continue
        spider = "nxdaily" if a.path == info.dual_listed else a.spider  # either lister may store it
        rows.append(Article(url=info.base_url + a.url_path + ("?utm_source=rss" if a.structure == "feed" else ""),
                            title="错误标题" if a is wrong_title else a.title,
                            published=a.published_utc or "2022-04-01T00:00:00+00:00",
                            source=a.source, spider=spider, body_text=a.body_text))
    rows.append(Article(url=info.url(info.multi_page[1]), title="第二页", source="", spider="saishang"))
    with Archive(db) as archive:
        archive.store_articles(rows)
    check = compare_archive(db, info)
    n = len(info.articles)
    assert (check["expected"], check["stored"], check["unexpected"]) == (n, n - 1, 1)
    assert check["missing"] == [missing.path]
    assert check["title"] == n - 2 and check["source"] == n - 1 and check["spider"] == n - 1 and check["body"] == n - 1
    dated = sum(1 for a in info.articles if a.published and a is not missing)
    assert check["dated"] == dated and check["published"] == dated
    assert check["mismatches"] == [(wrong_title.path, "title", "错误标题", wrong_title.title)]
