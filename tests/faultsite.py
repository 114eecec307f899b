"""A fault-injection news site for end-to-end reliability tests (our own text, written here).

:func:`fault_site` starts two :class:`~aggregator.server.StaticSiteServer` instances:

* the **portal** on ``127.0.0.1:<port>``: a listing page whose links lead to good articles
  among every fault we inject (see :data:`FAULTS`), an endless chain of listing pages, a
  robots.txt that forbids ``/private/``;
* **another host**, addressed as ``localhost:<port>`` (a different host name for Scrapy:
  its own robots.txt, its own download slot): the target of a cross-host redirect, a few
  good articles and a forbidden ``/private/`` folder of its own.

Each fault is one :class:`Fault`: where it lives, what it does and how the crawl must
account for it (an error kind in ``crawl_runs.error_kinds``, a drop reason in
``crawl_runs.dropped``, or a stored article). Tests read :attr:`FaultSite.good` for the
articles that must be stored and :attr:`FaultSite.never_fetched` for paths that must not
appear in any request log.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.server import StaticSiteServer
from aggregator.server_routes import redirect_route, reset_route, status_route
from tests.sitegen import toml_value

#: Size of the "huge page" (DOWNLOAD_MAXSIZE is 8 MB).
HUGE_BYTES = 20 * 1024 * 1024
#: How long the "never finishes" response stalls (far beyond the test's DOWNLOAD_TIMEOUT).
STALL_SECONDS = 15
#: Good articles on the first listing page and on each later (endless) listing page.
GOOD_ON_FIRST_PAGE = 12
GOOD_PER_LATER_PAGE = 3
#: max_pages of the fault source: listing pages 1..MAX_PAGES are read, never page MAX_PAGES+1.
MAX_PAGES = 3

_LEADS = [
    "市政部门对主干道沿线的排水管网进行了全面检修，预计本月底完工。",
    "本地农业合作社引进滴灌设备，节水效果明显，种植面积进一步扩大。",
    "社区卫生服务中心开展义诊活动，为老年居民免费测量血压血糖。",
    "图书馆延长周末开放时间，新增自习座位两百余个，受到学生欢迎。",
    "公交公司调整三条线路走向，方便新建小区居民出行换乘。",
    "文化馆举办民俗摄影展，展出作品记录了乡村生活的变迁。",
    "消防救援支队走进中小学，讲解家庭用火用电安全常识。",
    "环保志愿者在河道两岸清理垃圾，呼吁市民共同守护水环境。",
]


def article_page(title: str, n: int, date_line: str | None = "2022年03月15日 10:30", charset: str = "utf-8",
                 h1: str | None = None) -> str:
    """One article page: a headline, an info line (date, 来源) and four paragraphs."""
    lead = _LEADS[n % len(_LEADS)]
    paras = "".join(f"<p>{lead}这是第{n}号稿件的第{k + 1}段，记者进行了实地采访并记录了现场情况。</p>" for k in range(4))
    info = f"发布时间：{date_line}　" if date_line else ""
    head_title = title if h1 is None else h1
    return f"""<!doctype html><html><head><meta charset="{charset}"><title>{head_title}</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/index.html">本地新闻</a></div>
<div class="article"><h1>{title if h1 is None else h1}</h1>
<div class="info">{info}来源：故障测试日报</div>
<div class="content">{paras}</div>
<div class="editor">责任编辑：李编辑</div></div>
<div class="footer">版权所有 故障测试网</div></body></html>"""


#: title of the megabyte page: this sentence repeated to about 1 MB of UTF-8
MEGA_TITLE_UNIT = "超长标题测试"
#: body limit the fault source sets (AGGREGATOR_MAX_BODY_CHARS)
MAX_BODY_CHARS = 200_000


def megabyte_page() -> bytes:
    """An article with a 1 MB title and a 5 MB body (under DOWNLOAD_MAXSIZE)."""
    title = MEGA_TITLE_UNIT * (1024 * 1024 // len(MEGA_TITLE_UNIT.encode()))
    para = "<p>" + "银川市持续推进老旧小区改造，居民生活条件不断改善。" * 40 + "</p>"
    page = article_page(title, 7).replace('<div class="content">', '<div class="content">' + para * 1400)
    return page.encode("utf-8")


def good_title(n: int) -> str:
    """Headline of good article number ``n`` (unique)."""
    return f"故障测试站第{n}号正常稿件：{_LEADS[n % len(_LEADS)][:10]}"


# --- routes that misbehave ---------------------------------------------------------------


def stalled_route(seconds: float = STALL_SECONDS):
    """Headers and the first bytes of a body, then nothing for ``seconds`` (a hung response)."""

    def handler(req):
        body = article_page("永远不会传完的稿件", 99).encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(body) * 4))
        req.end_headers()
        try:
            req.wfile.write(body[:200])
            req.wfile.flush()
        except OSError:
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and req.site.running:
            time.sleep(0.1)

    return handler


def truncated_route():
    """``Content-Length`` larger than the body, then the connection closes."""

    def handler(req):
        body = article_page("只传了一半的稿件", 98).encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(body) + 5000))
        req.end_headers()
        req.wfile.write(body[: len(body) // 2])
        req.close_connection = True

    return handler


def huge_route(with_length: bool):
    """A 20 MB page; with ``Content-Length`` (cancelled at once) or without (cancelled mid-stream)."""
    chunk = ("<p>" + "超长页面的填充文字。" * 200 + "</p>\n").encode()

    def handler(req):
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            req.send_header("Content-Length", str(HUGE_BYTES))
        req.end_headers()
        sent = 0
        try:
            while sent < HUGE_BYTES:
                piece = chunk[: HUGE_BYTES - sent]
                req.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client gave up: that is the point
        req.close_connection = True

    return handler


def flaky_route(body: str, status: int = 503, retry_after: str = "1"):
    """``status`` with ``Retry-After`` on the first request, the article on the next ones.

    ``handler.times`` records when each request arrived (to check the client waited).
    """
    times: list[float] = []
    lock = threading.Lock()

    def handler(req):
        with lock:
            times.append(time.monotonic())
            first = len(times) == 1
        if first:
            req.respond(status, "busy, come back later\n", headers={"Retry-After": retry_after})
        else:
            req.respond(200, body, content_type="text/html; charset=utf-8")

    handler.times = times
    return handler


def bytes_body_route(body: bytes, content_type: str):
    """200 with exactly ``body`` and this Content-Type."""

    def handler(req):
        req.respond(200, body, content_type=content_type)

    return handler


def endless_listing_route():
    """``/news/list_<N>.html`` for every N: three new articles and a link to page N+1."""

    def handler(req):
        n = int(req.path.split("list_")[1].split(".")[0])
        first = GOOD_ON_FIRST_PAGE + (n - 2) * GOOD_PER_LATER_PAGE
        items = "".join(
            f'<li><a href="/a/good/g{k}.html">{good_title(k)}</a><span>2022-03-{1 + k % 28:02d}</span></li>'
            for k in range(first, first + GOOD_PER_LATER_PAGE))
        req.respond(200, listing_html(items, f"list_{n + 1}.html"), content_type="text/html; charset=utf-8")

    return handler


def good_article_route():
    """``/a/good/g<N>.html`` for every N: a good article."""

    def handler(req):
        n = int(req.path.rsplit("/g", 1)[1].split(".")[0])
        req.respond(200, article_page(good_title(n), n, f"2022年03月{1 + n % 28:02d}日 10:{n % 60:02d}"),
                    content_type="text/html; charset=utf-8")

    return handler


def listing_html(items: str, next_href: str | None) -> str:
    """A listing page around ``<li>`` items, with a 下一页 link when ``next_href``."""
    nxt = f'<div class="pages"><a href="{next_href}">下一页</a></div>' if next_href else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>本地新闻_故障测试网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news/index.html">本地新闻</a></div>
<ul class="list">{items}</ul>{nxt}<div class="footer">版权所有</div></body></html>"""


# --- the site ------------------------------------------------------------------------------


@dataclass
class Fault:
    """One injected fault: its link, and how a crawl must account for it.

    ``expect`` is ``"error:<kind>"`` (a ``crawl_runs.error_kinds`` count),
    ``"drop:<Reason>"`` (a ``crawl_runs.dropped`` count), ``"stored"`` (the article must be
    stored, correctly) or ``"never_fetched"`` (no request may reach the server).
    """

    name: str
    url: str
    expect: str
    note: str = ""


@dataclass
class FaultSite:
    """The running fault site: servers, the listing URL, faults and good articles."""

    portal: StaticSiteServer
    other: StaticSiteServer
    listing_url: str
    faults: list[Fault] = field(default_factory=list)
    good: dict[str, str] = field(default_factory=dict)    # url -> title of articles that must be stored
    never_fetched: list[tuple[StaticSiteServer, str]] = field(default_factory=list)
    flaky: object = None

    def other_url(self, path: str) -> str:
        """URL of ``path`` on the other host, addressed by the host name ``localhost``."""
        return f"http://localhost:{self.other.port}{path}"

    def sources_toml(self, name: str = "faults", **settings) -> str:
        """A sources file for the fault site: short timeouts, one retry, capped Retry-After."""
        conf = {
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1,
            "AGGREGATOR_RETRY_MAX_WAIT": 1, "AGGREGATOR_RETRY_BACKOFF": 0.2,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "AGGREGATOR_MAX_BODY_CHARS": MAX_BODY_CHARS,
        # the other host is "localhost", not a start URL host: allowed like an intranet host
        "AGGREGATOR_ALLOWED_HOSTS": ["localhost"], **settings,
        }
        lines = "\n".join(f"{k} = {toml_value(v)}" for k, v in conf.items())
        return (f'[[source]]\nname = "{name}"\ntitle = "故障测试网"\nstart_urls = ["{self.listing_url}"]\n'
                f"max_pages = {MAX_PAGES}\narticle_url = '/a/[\\w/-]+\\.html$'\n"
                f"[source.settings]\n{lines}\n")



@contextlib.contextmanager
def fault_site(root: Path):
    """Write and serve the fault site under ``root``; yields a :class:`FaultSite`."""
    root = Path(root)
    portal_dir, other_dir = root / "portal", root / "other"
    for d in (portal_dir / "news", portal_dir / "a" / "f", other_dir / "a", other_dir / "pub" / "a",
              other_dir / "private" / "a"):
        d.mkdir(parents=True, exist_ok=True)
    robots = "User-agent: *\nDisallow: /private/\n"
    (portal_dir / "robots.txt").write_text(robots, encoding="utf-8")
    (other_dir / "robots.txt").write_text(robots, encoding="utf-8")

    with StaticSiteServer(other_dir) as other:
        other_base = f"http://localhost:{other.port}"
        # the other host: a moved article, public articles, forbidden ones
        (other_dir / "a" / "moved.html").write_text(article_page("稿件迁移到新域名后照常发布", 200), encoding="utf-8")
        for k in range(4):
            (other_dir / "pub" / "a" / f"p{k}.html").write_text(
                article_page(f"合作网站转载稿件第{k}篇：社区新闻", 210 + k), encoding="utf-8")
            (other_dir / "private" / "a" / f"x{k}.html").write_text(
                article_page(f"合作网站内部稿件第{k}篇", 220 + k), encoding="utf-8")

        flaky = flaky_route(article_page("服务器忙时稍后重试即可取回的稿件", 300))
        routes = {
            "/a/f/500.html": status_route(500),
            "/a/f/404.html": status_route(404),
            "/a/f/429.html": status_route(429, headers={"Retry-After": "3600"}),
            "/a/f/503.html": flaky,
            "/a/f/stall.html": stalled_route(),
            "/a/f/reset.html": reset_route(),
            "/a/f/truncated.html": truncated_route(),
            "/a/f/empty.html": bytes_body_route(b"", "text/html; charset=utf-8"),
            "/a/f/garbage.html": bytes_body_route(os.urandom(3000) + bytes(range(256)) * 8, "text/html"),
            "/a/f/huge.html": huge_route(with_length=True),
            "/a/f/huge-stream.html": huge_route(with_length=False),
            "/a/f/loop1.html": redirect_route("/a/f/loop2.html"),
            "/a/f/loop2.html": redirect_route("/a/f/loop1.html"),
            "/a/f/offsite.html": redirect_route(f"{other_base}/a/moved.html", 301),
            "/a/f/megabyte.html": bytes_body_route(megabyte_page(), "text/html; charset=utf-8"),
            "/a/f/gbk.html": bytes_body_route(
                article_page("标签写着UTF-8实际是GBK编码的稿件", 301, charset="utf-8").encode("gbk"),
                "text/html; charset=utf-8"),
        }
        routes[re.compile(r"/news/list_\d+\.html")] = endless_listing_route()
        routes[re.compile(r"/a/good/g\d+\.html")] = good_article_route()

        (portal_dir / "a" / "f" / "nodate.html").write_text(
            article_page("没有任何日期信息的稿件也要保存", 302, date_line=None), encoding="utf-8")
        (portal_dir / "a" / "f" / "blanktitle.html").write_text(
            article_page("", 303, h1=" \u3000\u00a0 \t "), encoding="utf-8")
        (portal_dir / "private" / "a").mkdir(parents=True, exist_ok=True)
        for k in range(2):
            (portal_dir / "private" / "a" / f"s{k}.html").write_text(
                article_page(f"本站禁止抓取的内部稿件第{k}篇", 310 + k), encoding="utf-8")

        with StaticSiteServer(portal_dir, routes=routes) as portal:
            base = portal.base_url
            site = FaultSite(portal=portal, other=other, listing_url=f"{base}/news/index.html", flaky=flaky)
            F = lambda name, path, expect, note="": site.faults.append(  # noqa: E731
                Fault(name, path if path.startswith("http") else base + path, expect, note))
            F("http 500", "/a/f/500.html", "error:http_500")
            F("http 404", "/a/f/404.html", "error:http_404")
            F("http 429 (Retry-After: 3600, capped)", "/a/f/429.html", "error:http_429")
            F("http 503 + Retry-After, then 200", "/a/f/503.html", "stored", "retried after the wait")
            F("response never finishes", "/a/f/stall.html", "error:timeout")
            F("connection reset", "/a/f/reset.html", "error:connection_lost")
            F("truncated body", "/a/f/truncated.html", "error:data_loss")
            F("200 with empty body", "/a/f/empty.html", "error:empty_response")
            F("binary garbage as text/html", "/a/f/garbage.html", "error:not_html")
            F("20 MB page with Content-Length", "/a/f/huge.html", "error:cancelled")
            F("20 MB page streamed", "/a/f/huge-stream.html", "error:cancelled")
            F("redirect loop", "/a/f/loop1.html", "error:redirect_loop")
            F("redirect to another host", "/a/f/offsite.html", "stored", "followed; stored under the new URL")
            F("GBK bytes labelled UTF-8", "/a/f/gbk.html", "stored", "decoded as GB18030")
            F("1 MB title, 5 MB body", "/a/f/megabyte.html", "stored", "title and body cut to their limits")
            F("article without a date", "/a/f/nodate.html", "stored", "published_guessed = 1")
            F("title all white space", "/a/f/blanktitle.html", "drop:MissingTitle")
            F("robots.txt forbids /private/", "/private/a/s0.html", "never_fetched")
            F("robots.txt forbids /private/ (2)", "/private/a/s1.html", "never_fetched")
            for k in range(4):
                F(f"other host's robots.txt forbids /private/ ({k + 1})", other_base + f"/private/a/x{k}.html",
                  "never_fetched")
            F("endless pagination", f"/news/list_{MAX_PAGES + 1}.html", "never_fetched", f"max_pages = {MAX_PAGES}")

            items = []
            for k in range(GOOD_ON_FIRST_PAGE):
                items.append(f'<li><a href="/a/good/g{k}.html">{good_title(k)}</a><span>2022-03-{1 + k % 28:02d}</span></li>')
            titles = {
                "/a/f/503.html": "服务器忙时稍后重试即可取回的稿件",
                "/a/f/gbk.html": "标签写着UTF-8实际是GBK编码的稿件",
                "/a/f/nodate.html": "没有任何日期信息的稿件也要保存",
            }
            linked = [f for f in site.faults if not f.url.endswith(f"list_{MAX_PAGES + 1}.html")]
            for i, f in enumerate(linked):
                # listing text is a title fallback: the blank-title page gets none
                text = "" if "blanktitle" in f.url else titles.get(f.url.replace(base, ""), f"故障稿件{i}：{f.name}")
                date = "" if "nodate" in f.url else f"<span>2022-03-{10 + i % 18:02d}</span>"
                items.insert(min(len(items), 2 * i + 1), f'<li><a href="{f.url}">{text}</a>{date}</li>')
            for k in range(4):
                items.append(f'<li><a href="{other_base}/pub/a/p{k}.html">合作网站转载稿件第{k}篇：社区新闻</a>'
                             f"<span>2022-03-2{k}</span></li>")
            (portal_dir / "news" / "index.html").write_text(listing_html("".join(items), "list_2.html"), encoding="utf-8")

            for k in range(GOOD_ON_FIRST_PAGE + (MAX_PAGES - 1) * GOOD_PER_LATER_PAGE):
                site.good[f"{base}/a/good/g{k}.html"] = good_title(k)
            for path, title in titles.items():
                site.good[base + path] = title
            site.good[other_base + "/a/moved.html"] = "稿件迁移到新域名后照常发布"
            for k in range(4):
                site.good[other_base + f"/pub/a/p{k}.html"] = f"合作网站转载稿件第{k}篇：社区新闻"
            for f in site.faults:
                if f.expect == "never_fetched":
                    srv = other if f.url.startswith(other_base) else portal
                    site.never_fetched.append((srv, f.url.split(str(srv.port), 1)[1]))
            yield site
