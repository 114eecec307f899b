"""Nothing from the web reaches inside (docs/security.md): end-to-end crawls of a hostile site.

The site runs on 127.0.0.1 (the source's own start URL host, so it is allowed). The
"inside" host is a second server on 127.0.0.2, and a third server on 127.0.0.1 is
addressed by the *name* ``localhost`` (a DNS name that resolves inside). A secret file
lies on the local disk. Every path a site can point the crawler along — feed items,
sitemap entries, JSON list items, a redirecting listing page, redirecting articles, meta
refreshes — points at all three; none of them may be requested, stored or exported,
while every normal article of the same sources is stored.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import brotli
import pytest

from aggregator.export.opml import NO_BASE_NOTE
from aggregator.server import StaticSiteServer
from aggregator.server_routes import redirect_route, slow_route
from tests.faultsite import article_page, listing_html
from tests.test_faults import cli

SECRET = "内部机密资料请勿外传"
FAST = {"AUTOTHROTTLE_ENABLED": "false", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "0"}


def _settings(**extra) -> str:
    return "".join(f"{k} = {v}\n" for k, v in {**FAST, **extra}.items())
#: normal articles of each source (all must be stored)
GOOD = {"feed": 3, "sitemap": 3, "json": 3, "listing": 3}
#: refresh pages that must be stored as they are (their refresh is not followed)
KEPT_REFRESH = ("file", "inside", "name", "js", "offsite")


def _secret_page(what: str) -> str:
    return article_page(f"{SECRET}{what}", 1).replace("版权所有", SECRET)


def _with_refresh(page: str, target: str, in_body: bool = False) -> str:
    tag = f'<meta http-equiv="refresh" content="0;url={target}">'
    return page.replace('<div class="content">', f'<div class="content">{tag}', 1) if in_body \
        else page.replace("<head>", f"<head>{tag}", 1)


def _bomb(kind: str, size: int) -> bytes:
    raw = b"<html><body>" + b"0" * size + b"</body></html>"
    return gzip.compress(raw) if kind == "gzip" else brotli.compress(raw)


def _bomb_route(kind: str, size: int):
    body = _bomb(kind, size)

    def handler(req):
        req.respond(200, body, content_type="text/html; charset=utf-8", headers={"Content-Encoding": kind})

    return handler


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Serve the hostile site and the inside hosts, crawl once, export; yields a namespace."""
    tmp = tmp_path_factory.mktemp("hostile")
    site_dir, inside_dir, named_dir, secret_dir = (tmp / d for d in ("site", "inside", "named", "secret"))
    for d in (site_dir / "a", site_dir / "sm", inside_dir, named_dir, secret_dir):
        d.mkdir(parents=True)
    (secret_dir / "a").mkdir()
    secret_file = secret_dir / "a" / "secret.html"
    secret_file.write_text(_secret_page("本地文件"), encoding="utf-8")
    file_url = secret_file.resolve().as_uri()
    for d in (inside_dir, named_dir):
        (d / "a").mkdir()
        for name in ("feed", "sitemap", "json", "redirect", "refresh", "list"):
            (d / "a" / f"{name}.html").write_text(_secret_page(name), encoding="utf-8")
        (d / "a" / "list.html").write_text(listing_html(f'<li><a href="/a/feed.html">{SECRET}</a></li>', None),
                                           encoding="utf-8")

    with StaticSiteServer(inside_dir, host="127.0.0.2") as inside, StaticSiteServer(named_dir) as named:
        inside_base, named_base = f"http://127.0.0.2:{inside.port}", f"http://localhost:{named.port}"

        def hostile_targets(name: str) -> list[str]:
            # every target matches the sources' article_url ('/a/')
            return [file_url, f"{inside_base}/a/{name}.html", f"{named_base}/a/{name}.html",
                    "data:text/html,/a/secret.html",
                    # 127.0.0.2 spelt as one number, and wrapped in IPv6
                    f"http://2130706434:{inside.port}/a/{name}.html", f"http://[::ffff:127.0.0.2]:{inside.port}/a/{name}.html"]

        titles = {}
        n = 0

        def good(kind: str, k: int) -> str:
            nonlocal n
            n += 1
            title = f"{ {'feed': '订阅', 'sitemap': '站点地图', 'json': '接口', 'listing': '列表'}[kind] }正常稿件第{k}篇"
            (site_dir / "a" / f"{kind}-{k}.html").write_text(article_page(title, n), encoding="utf-8")
            titles[f"/a/{kind}-{k}.html"] = title
            return f"/a/{kind}-{k}.html"

        routes = {}
        # listing: good articles, redirecting articles, meta refresh pages
        links = [good("listing", k) for k in range(GOOD["listing"])]
        for name, target in zip(("file", "inside", "name"), hostile_targets("redirect")):
            routes[f"/a/redirect-{name}.html"] = redirect_route(target)
            links.append(f"/a/redirect-{name}.html")
        refresh_targets = dict(zip(("file", "inside", "name"), hostile_targets("refresh")))
        refresh_targets["js"] = "javascript:alert(document.cookie)"
        refresh_targets["offsite"] = "http://example.invalid/elsewhere.html"
        for k, (name, target) in enumerate(refresh_targets.items()):
            title = f"自动跳转页面保留第{k}篇"
            page = _with_refresh(article_page(title, 30 + k), target, in_body=name == "js")
            (site_dir / "a" / f"refresh-{name}.html").write_text(page, encoding="utf-8")
            titles[f"/a/refresh-{name}.html"] = title
            links.append(f"/a/refresh-{name}.html")
        (site_dir / "a" / "refresh-stub.html").write_text(
            '<html><head><meta http-equiv="refresh" content="0; url=/a/refresh-target.html"><title>跳转</title>'
            "</head><body>正在跳转</body></html>", encoding="utf-8")
        (site_dir / "a" / "refresh-target.html").write_text(article_page("同站跳转到达的正式稿件", 50),
                                                              encoding="utf-8")
        links.append("/a/refresh-stub.html")
        for kind in ("gzip", "br"):
            routes[f"/a/bomb-{kind}.html"] = _bomb_route(kind, 3 * 1024 * 1024)
            links.append(f"/a/bomb-{kind}.html")
        items = "".join(f'<li><a href="{p}">{titles.get(p, "稿件标题" + p[-12:])}</a><span>2022-03-15</span></li>'
                        for p in links)
        (site_dir / "list.html").write_text(listing_html(items, None), encoding="utf-8")
        routes["/list-moved.html"] = redirect_route(f"{inside_base}/a/list.html")
        (site_dir / "deep.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
        routes["/loop-a.xml"] = redirect_route("/loop-b.xml")
        routes["/loop-b.xml"] = redirect_route("/loop-a.xml")
        routes["/slow.json"] = slow_route(4, '{"list": []}', "application/json")
        (site_dir / "big-feed.xml").write_text(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            + "<item><title>大</title><link>/a/feed-0.html</link></item>" * 40000 + "</channel></rss>",
            encoding="utf-8")
        with StaticSiteServer(site_dir, routes=routes, gzip=False) as site:
            base = site.url("").rstrip("/")
            # feed
            items = [f"<item><title>{titles.get(p, 'x')}</title><link>{base}{p}</link></item>"
                     for p in [good("feed", k) for k in range(GOOD["feed"])]]
            items += [f"<item><title>外链</title><link>{t}</link></item>" for t in hostile_targets("feed")]
            (site_dir / "feed.xml").write_text(
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{"".join(items)}'
                "</channel></rss>", encoding="utf-8")
            # sitemap
            locs = [f"{base}{good('sitemap', k)}" for k in range(GOOD["sitemap"])] + hostile_targets("sitemap")
            (site_dir / "sitemap.xml").write_text(
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>{u.replace('&', '&amp;')}</loc></url>" for u in locs) + "</urlset>",
                encoding="utf-8")
            # JSON list
            rows = [{"title": titles[p], "url": p} for p in [good("json", k) for k in range(GOOD["json"])]]
            rows += [{"title": "外链", "url": t} for t in hostile_targets("json")]
            (site_dir / "list.json").write_text(json.dumps({"data": {"list": rows}}, ensure_ascii=False),
                                                encoding="utf-8")
            # a gzip bomb as a sitemap file (not Content-Encoding: the spider unpacks it)
            (site_dir / "bomb.xml.gz").write_bytes(gzip.compress(
                b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + b" " * (3 * 1024 * 1024) + b"</urlset>"))
            # a sitemap index fanning out to 10 sitemaps (max_pages = 3)
            for k in range(10):
                (site_dir / "sm" / f"child-{k}.xml").write_text(
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{base}/a/feed-0.html</loc></url></urlset>", encoding="utf-8")
            (site_dir / "sitemap-index.xml").write_text(
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<sitemap><loc>{base}/sm/child-{k}.xml</loc></sitemap>" for k in range(10))
                + "</sitemapindex>", encoding="utf-8")

            def src(name, type_, urls, extra="", **settings):
                quoted = ", ".join(f'"{base}{u}"' for u in urls)
                conf = _settings(DOWNLOAD_MAXSIZE="1048576", DOWNLOAD_WARNSIZE="0", **settings)
                return (f'[[source]]\nname = "{name}"\ntitle = "{name}测试站"\ntype = "{type_}"\n'
                        f"start_urls = [{quoted}]\narticle_url = '/a/'\n{extra}[source.settings]\n{conf}")

            sources = tmp / "sources.toml"
            sources.write_text("\n".join([
                src("hfeed", "feed", ["/feed.xml"]),
                src("hsitemap", "sitemap", ["/sitemap.xml"]),
                src("hjson", "json", ["/list.json"]),
                src("hlisting", "listing", ["/list.html", "/list-moved.html"]),
                src("hbomb", "sitemap", ["/bomb.xml.gz"]),
                src("hindex", "sitemap", ["/sitemap-index.xml"], "max_pages = 3\n"),
                # the download limits hold for feed, sitemap and JSON responses too
                src("hbigfeed", "feed", ["/big-feed.xml"]),
                src("hloopsitemap", "sitemap", ["/loop-a.xml"]),
                src("hslowjson", "json", ["/slow.json"], DOWNLOAD_TIMEOUT="1"),
                src("hdeepjson", "json", ["/deep.json"]),
            ]), encoding="utf-8")
            db = tmp / "a.db"
            proc, seconds = cli("crawl", "--sources", sources, "--db", db, cwd=tmp)
            site_requests = site.requests
        inside_requests, named_requests = inside.requests, named.requests
    export, _ = cli("export", "--db", db, "--out", tmp / "feeds", cwd=tmp)
    status, _ = cli("status", "--db", db, "--json", cwd=tmp)
    status_text, _ = cli("status", "--db", db, cwd=tmp)

    class NS:
        pass

    ns = NS()
    ns.__dict__.update(tmp=tmp, proc=proc, db=db, titles=titles, inside=inside_requests, named=named_requests,
                       site=site_requests, export=export, status=status, status_text=status_text.stdout, feeds=tmp / "feeds", base=base)
    print(f"\n[figures] hostile site crawled in {seconds:.1f} s; site requests {len(site_requests)}, "
          f"inside requests {len(inside_requests)}, named-inside requests {len(named_requests)}")
    return ns


def _stats(db: Path) -> dict[str, dict]:
    con = sqlite3.connect(db)
    try:
        return {name: json.loads(stats) for name, stats in con.execute("select spider, stats from crawl_runs")}
    finally:
        con.close()


def test_the_crawl_finishes_without_a_traceback(hostile):
    assert "Traceback" not in hostile.proc.stderr, hostile.proc.stderr[-3000:]
    assert hostile.export.returncode == 0, hostile.export.stderr


def test_no_inside_host_is_ever_requested(hostile):
    assert hostile.inside == [], hostile.inside
    assert hostile.named == [], hostile.named


def test_every_normal_article_and_every_kept_refresh_page_is_stored(hostile):
    con = sqlite3.connect(hostile.db)
    stored = {t for (t,) in con.execute("select title from articles")}
    con.close()
    missing = sorted(t for t in hostile.titles.values() if t not in stored)
    assert not missing, f"not stored: {missing}"
    assert "同站跳转到达的正式稿件" in stored    # a same-site refresh is followed


def test_nothing_of_the_inside_hosts_or_the_disk_is_stored_or_exported(hostile):
    con = sqlite3.connect(hostile.db)
    rows = con.execute("select url, title, body_html, body_text from articles").fetchall()
    con.close()
    for url, title, html, text in rows:
        assert url.startswith(hostile.base), url
        assert SECRET not in (title + html + text), url
    files = [p for p in hostile.feeds.rglob("*") if p.is_file()]
    assert files
    own_folder = hostile.feeds.resolve().as_uri() + "/"   # OPML without a base URL lists the feeds folder itself
    for p in files:
        data = p.read_text("utf-8", "replace").replace(own_folder, "").replace(NO_BASE_NOTE, "")
        assert SECRET not in data and "127.0.0.2" not in data and "file:" not in data, p


def test_refresh_pages_are_stored_sanitised(hostile):
    con = sqlite3.connect(hostile.db)
    bodies = dict(con.execute("select url, body_html from articles where url like '%/refresh-%' and url not like '%target%'").fetchall())
    con.close()
    assert len(bodies) == len(KEPT_REFRESH)
    for url, html in bodies.items():
        assert "refresh" not in html.lower() and "javascript" not in html.lower(), (url, html)


def test_refused_requests_are_counted_skips_not_failures(hostile):
    stats = _stats(hostile.db)
    for name in ("hfeed", "hsitemap", "hjson"):
        # file: and data: skipped at the link, the inside hosts (4 spellings) refused before sending
        assert stats[name].get("aggregator/blocked_scheme") == 2, (name, stats[name])
        assert stats[name].get("aggregator/blocked_address") == 4, (name, stats[name])
        assert not stats[name].get("aggregator/article_errors"), (name, stats[name])
    listing = stats["hlisting"]
    # a redirect to file:, redirects inside (2 + the moved listing page), refreshes kept
    assert listing.get("aggregator/blocked_scheme") == 1, listing
    assert listing.get("aggregator/blocked_address") == 3, listing
    assert listing.get("aggregator/article_errors") == 2, listing   # the two bombs
    assert listing.get("aggregator/meta_refresh_kept") == len(KEPT_REFRESH), listing
    assert listing.get("aggregator/meta_refresh_followed") == 1, listing
    rows = {json.loads(line)["name"]: json.loads(line) for line in hostile.status.stdout.splitlines()}
    for name in ("hfeed", "hsitemap", "hjson", "hlisting"):
        assert rows[name]["verdict"] in ("ok", "silent") or rows[name]["reason"], rows[name]
        assert rows[name]["last_run_status"] != "failed", rows[name]
        assert rows[name]["blocked"].get("blocked_address"), rows[name]


def test_download_limits_hold_for_feed_sitemap_and_json_responses(hostile):
    stats = _stats(hostile.db)
    assert stats["hbigfeed"].get("aggregator/errors/cancelled") == 1, stats["hbigfeed"]      # DOWNLOAD_MAXSIZE
    assert stats["hloopsitemap"].get("aggregator/errors/redirect_loop") == 1, stats["hloopsitemap"]
    assert stats["hslowjson"].get("aggregator/errors/timeout") == 1, stats["hslowjson"]
    # nesting deeper than Python's stack is "not JSON", not a crash of the callback
    assert stats["hdeepjson"].get("aggregator/errors/bad_json") == 1, stats["hdeepjson"]
    assert not any(k.startswith("spider_exceptions/") for st in stats.values() for k in st), stats


def test_a_refused_host_is_logged_once(hostile):
    # hlisting meets 127.0.0.2 three times (its robots.txt, a redirecting article, the moved listing)
    lines = [ln for ln in hostile.proc.stderr.splitlines() if "hlisting: not requesting http://127.0.0.2:" in ln]
    assert len(lines) == 1 and "WARNING" in lines[0] and "AGGREGATOR_ALLOWED_HOSTS" in lines[0], lines


def test_status_shows_the_blocked_requests(hostile):
    line = next(ln for ln in hostile.status_text.splitlines() if ln.startswith("hlisting "))
    assert "blocked_address: 3" in line and "blocked_scheme: 1" in line, line


def test_compressed_bombs_are_dropped_and_counted(hostile):
    stats = _stats(hostile.db)
    assert stats["hlisting"].get("aggregator/errors/too_large") == 2, stats["hlisting"]   # gzip + brotli
    assert stats["hbomb"].get("aggregator/errors/too_large") == 1, stats["hbomb"]


def test_a_sitemap_index_cannot_fan_out_past_max_pages(hostile):
    children = [p for _, p, _ in hostile.site if p.startswith("/sm/")]
    assert len(children) == 3, children


def test_a_source_naming_the_inside_host_as_allowed_crawls_it(tmp_path):
    site_dir, inside_dir = tmp_path / "site", tmp_path / "inside"
    (inside_dir / "a").mkdir(parents=True)
    site_dir.mkdir()
    (inside_dir / "a" / "portal-1.html").write_text(article_page("内网门户允许抓取的通知", 3), encoding="utf-8")
    with StaticSiteServer(inside_dir, host="127.0.0.2") as inside, StaticSiteServer(site_dir) as site:
        link = f"http://127.0.0.2:{inside.port}/a/portal-1.html"
        (site_dir / "list.html").write_text(
            listing_html(f'<li><a href="{link}">内网门户允许抓取的通知</a><span>2022-03-15</span></li>', None),
            encoding="utf-8")
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "intranet"\ntitle = "内网门户"\nstart_urls = ["{site.url("/list.html")}"]\n'
            f"article_url = '/a/'\n[source.settings]\n{_settings()}AGGREGATOR_ALLOWED_HOSTS = [\"127.0.0.2\"]\n",
            encoding="utf-8")
        proc, _ = cli("crawl", "--sources", sources, "--db", tmp_path / "a.db", "--quiet", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        fetched = [p for _, p, _ in inside.requests]
    assert "/a/portal-1.html" in fetched
    con = sqlite3.connect(tmp_path / "a.db")
    assert con.execute("select title from articles").fetchall() == [("内网门户允许抓取的通知",)]
    con.close()
