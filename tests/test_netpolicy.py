"""The network policy as pure rules (aggregator.netpolicy, aggregator.refresh) and a
jekyll source kept inside its folder (symlinks resolved)."""

from __future__ import annotations

import ipaddress
import shutil
import sqlite3
from pathlib import Path

import pytest

from aggregator.netguard import BlockedLookup, GuardedResolver
from aggregator.netpolicy import AddressPolicy, file_inside, is_public, parse_ip, scheme_allowed
from aggregator.refresh import same_site, why_not_follow
from tests.test_faults import cli


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "::1",
                                "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::",
                                "64:ff9b::a00:1", "ff02::1", "::"])
def test_inside_addresses_are_not_public(ip):
    assert not is_public(ip)


@pytest.mark.parametrize("ip", ["8.8.8.8", "202.108.22.5", "2400:3200::1", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(ip):
    assert is_public(ip)


def test_parse_ip_reads_literals_only():
    assert parse_ip("[::1]") == ipaddress.ip_address("::1")
    assert parse_ip("10.0.0.1") == ipaddress.ip_address("10.0.0.1")
    # odd spellings are names here; they are caught when resolved
    assert parse_ip("2130706433") is None and parse_ip("example.org") is None


def test_a_sources_own_start_hosts_and_its_allowed_entries_are_allowed():
    pol = AddressPolicy.build(["http://127.0.0.1:8000/list.html"], ["intranet.example", ".corp.example", "10.8.0.0/16",
                                                                     "192.168.5.5"])
    assert pol.address_allowed("127.0.0.1", "127.0.0.1")
    assert not pol.address_allowed("127.0.0.2", "127.0.0.2")
    assert not pol.address_allowed("localhost", "127.0.0.1")   # a host name, not an address, is allowed
    assert pol.address_allowed("intranet.example", "10.0.0.5")
    assert pol.address_allowed("news.corp.example", "10.0.0.5") and pol.address_allowed("corp.example", "10.0.0.5")
    assert not pol.address_allowed("evilcorp.example", "10.0.0.5")
    assert pol.address_allowed("anything.example", "10.8.3.4")
    assert not pol.address_allowed("anything.example", "10.9.3.4")
    assert pol.address_allowed("x.example", "192.168.5.5") and not pol.address_allowed("x.example", "192.168.5.6")
    assert pol.address_allowed("public.example", "8.8.8.8")


@pytest.mark.parametrize("bad", ["http://x/", "a b", "10.0.0.0/99"])
def test_a_bad_allowed_entry_is_one_clear_error(bad):
    with pytest.raises(ValueError, match="AGGREGATOR_ALLOWED_HOSTS"):
        AddressPolicy.build([], [bad])


@pytest.mark.parametrize("url,kind,ok", [
    ("https://a.example/x", "listing", True), ("http://a.example/x", "feed", True),
    ("file:///etc/passwd", "listing", False), ("file:///etc/passwd", "sitemap", False),
    ("data:text/html,x", "json", False), ("ftp://a.example/x", "feed", False), ("javascript:alert(1)", "listing", False),
    ("file:///srv/posts/a.md", "jekyll", True), ("http://a.example/x", "jekyll", False),
])
def test_schemes_per_source_type(url, kind, ok):
    assert scheme_allowed(url, kind) is ok


def test_file_inside_resolves_dot_dot_and_symlinks(tmp_path):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    (posts / "a.md").write_text("x")
    (tmp_path / "secret.txt").write_text("s")
    (posts / "link.md").symlink_to(tmp_path / "secret.txt")
    assert file_inside((posts / "a.md").as_uri(), tmp_path / "site")
    assert not file_inside((posts / "link.md").as_uri(), tmp_path / "site")
    assert not file_inside(posts.as_uri() + "/../../secret.txt", tmp_path / "site")
    assert not file_inside("http://a.example/_posts/a.md", tmp_path / "site")
    assert not file_inside((posts / "a.md").as_uri(), None)


def test_the_resolver_refuses_inside_answers_unless_some_source_allows_the_name():
    assert GuardedResolver._check("8.8.8.8", "dns.example") == "8.8.8.8"
    with pytest.raises(BlockedLookup):
        GuardedResolver._check("127.0.0.1", "rebind.example")


@pytest.mark.parametrize("target,reason", [
    ("javascript:alert(1)", "unsafe"), ("data:text/html,x", "unsafe"), ("file:///etc/passwd", "unsafe"),
    ("http://other.example/a.html", "offsite"), ("http://news.example.org/b.html", None),
    ("https://www.news.example.org/b.html", None), ("http://m.news.example.org/b.html", None),
    ("http://news.example.org/a.html", "loop"),
])
def test_which_meta_refreshes_are_followed(target, reason):
    assert why_not_follow("http://news.example.org/a.html", target, 0, 100, False) == reason


def test_a_refresh_is_followed_once_and_not_when_slow():
    assert why_not_follow("http://n.example/a", "http://n.example/b", 0, 100, True) == "again"
    assert why_not_follow("http://n.example/a", "http://n.example/b", 500, 100, False) == "slow"
    assert same_site("www.n.example", "n.example") and not same_site("n.example", "evil-n.example")


def test_a_jekyll_source_reads_only_inside_its_folder(tmp_path):
    fixtures = Path(__file__).parent / "fixtures" / "jekyll" / "_posts"
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    shutil.copy(fixtures / "2022-01-19-yinchuan-snow-clearing.md", posts)
    outside = tmp_path / "outside.md"
    outside.write_text('---\ntitle: "外部文件不得读取"\ndate: 2022-01-20 10:00:00 +0800\n---\n<p>内部机密资料请勿外传。</p>\n',
                       encoding="utf-8")
    (posts / "2022-01-20-escape.md").symlink_to(outside)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "posts"\ntitle = "新闻汇"\ntype = "jekyll"\npath = "{tmp_path / "site"}"\n',
                       encoding="utf-8")
    proc, _ = cli("crawl", "--sources", sources, "--db", tmp_path / "a.db", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(tmp_path / "a.db")
    titles = [t for (t,) in con.execute("select title from articles")]
    stats = con.execute("select stats from crawl_runs").fetchone()[0]
    con.close()
    assert titles == ["银川连夜清雪保障市民出行：环卫工人坚守一线"]
    assert '"aggregator/blocked_scheme": 1' in stats


def test_the_refresh_middleware_keeps_an_unsafe_refresh_page_and_follows_a_same_site_one():
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from aggregator.refresh import MetaRefreshMiddleware

    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100})
    crawler.stats.open_spider()
    mw = MetaRefreshMiddleware.from_crawler(crawler)
    req = Request("http://news.example.org/a/1.html")

    def page(target, where="head"):
        tag = f'<meta http-equiv="refresh" content="0;url={target}">'
        html = f"<html><head>{tag if where == 'head' else ''}<title>t</title></head><body><p>正文{tag if where == 'body' else ''}</p></body></html>"
        return HtmlResponse(url=req.url, body=html.encode(), encoding="utf-8", request=req)

    for target, where in [("javascript:alert(1)", "body"), ("file:///etc/passwd", "head"),
                          ("http://127.0.0.2/x.html", "head")]:
        resp = page(target, where)
        assert mw.process_response(req, resp) is resp
    follow = mw.process_response(req, page("/a/2.html"))
    assert isinstance(follow, Request) and follow.url == "http://news.example.org/a/2.html"
    assert follow.meta["redirect_urls"] == [req.url]
    again = HtmlResponse(url=follow.url, body=page("/a/3.html").body, encoding="utf-8", request=follow)
    assert mw.process_response(follow, again) is again          # followed once, not twice
    stats = crawler.stats.get_stats()
    assert stats["aggregator/meta_refresh_kept"] == 4 and stats["aggregator/meta_refresh_followed"] == 1
