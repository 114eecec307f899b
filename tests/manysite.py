"""A one-host site with many categories, for many-source runs (our own text, written here).

:class:`ManySite` serves, from memory on ``127.0.0.1``, ``/robots.txt``, one listing page
per category (``/c/<k>/index.html``) and its article pages (``/c/<k>/a<j>.html``). It
counts what a polite crawler must be judged by: the most requests it ever had in flight
at once (:attr:`ManySite.max_in_flight`), how often robots.txt was fetched and every
path requested. ``delay`` holds each answer that long, so concurrency shows.
"""

from __future__ import annotations

import collections
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.sitegen import TOPICS, toml_value


def listing(k: int, links: list[str]) -> str:
    items = "".join(f'<li><a href="{p}">{TOPICS[(k + j) % len(TOPICS)][0]}（{k}-{j}）</a><span>2022-03-{1 + j % 28:02d}</span></li>'
                    for j, p in enumerate(links))
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>栏目{k}_多栏目测试网</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div><ul class="list">{items}</ul>'
            f'<div class="footer">版权所有</div></body></html>')


def article(k: int, j: int) -> str:
    title, lead = TOPICS[(k + j) % len(TOPICS)]
    paras = "".join(f"<p>{lead}栏目{k}第{j}篇第{n + 1}段，记者在现场进行了采访。</p>" for n in range(4))
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}（{k}-{j}）_多栏目测试网</title></head>'
            f'<body><div class="article"><h1>{title}（{k}-{j}）</h1>'
            f'<div class="info">发布时间：2022年03月{1 + j % 28:02d}日 09:{j % 60:02d}　来源：测试日报</div>'
            f'<div class="content"><p>{lead}</p>{paras}</div></div><div class="footer">版权所有</div></body></html>')


class CountingServer:
    """A threaded HTTP/1.1 server on ``127.0.0.1`` answering from :meth:`page`, counting what a
    polite crawler is judged by: requests in flight at once (:attr:`max_in_flight`), hits per
    path (:attr:`hits`) and when each came (:attr:`times`). ``delay`` holds every answer."""

    delay = 0.0

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.hits: collections.Counter = collections.Counter()
        self.times: list[tuple[float, str]] = []   # (monotonic time, path) of every request
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def page(self, path: str) -> bytes | None:
        """The body served at ``path``, or None for a 404."""
        raise NotImplementedError

    def content_type(self, path: str, status: int) -> str:
        """The Content-Type header of an answer."""
        return "text/plain" if path.endswith(".txt") or status == 404 else "text/html; charset=utf-8"

    def reset(self) -> None:
        """Forget the counts (between two crawls against one server)."""
        with self.lock:
            self.max_in_flight = 0
            self.hits.clear()
            self.times.clear()

    @property
    def total(self) -> int:
        return sum(self.hits.values())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                with site.lock:
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                    site.hits[path] += 1
                    site.times.append((time.monotonic(), path))
                try:
                    if site.delay:
                        time.sleep(site.delay)
                    body = site.page(path)
                    status = 200 if body is not None else 404
                    body = body if body is not None else b"not found"
                    ctype = site.content_type(path, status)
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:   # the client went away
                    pass
                finally:
                    with site.lock:
                        site.in_flight -= 1

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ManySite(CountingServer):
    """``categories`` listing pages of ``per_category`` articles each, on one host."""

    def __init__(self, categories: int, per_category: int, delay: float = 0.0, robots: str = ""):
        super().__init__()
        self.pages: dict[str, bytes] = {"/robots.txt": f"User-agent: *\nDisallow: /private/\n{robots}".encode()}
        for k in range(categories):
            links = [f"/c/{k}/a{j}.html" for j in range(per_category)]
            self.pages[f"/c/{k}/index.html"] = listing(k, links).encode()
            for j, p in enumerate(links):
                self.pages[p] = article(k, j).encode()
        self.categories = categories
        self.delay = delay

    def page(self, path: str) -> bytes | None:
        return self.pages.get(path)

    def listing_url(self, k: int) -> str:
        return f"{self.base_url}/c/{k}/index.html"

    def sources_toml(self, names: list[tuple[str, int]] | None = None, per_source: dict | None = None,
                     **settings) -> str:
        """One listing source per category (``names``: (name, category)); ``settings`` go to
        every source's ``[source.settings]``, ``per_source[name]`` over them."""
        names = names or [(f"cat{k}", k) for k in range(self.categories)]
        out = []
        for name, k in names:
            conf = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0,
                    **settings, **(per_source or {}).get(name, {})}
            lines = "\n".join(f"{key} = {toml_value(v)}" for key, v in conf.items())
            out.append(f'[[source]]\nname = "{name}"\ntitle = "多栏目测试网{k}"\ncategory = "lanmu{k}"\n'
                       f'start_urls = ["{self.listing_url(k)}"]\nmax_pages = 1\n[source.settings]\n{lines}\n')
        return "\n".join(out)
