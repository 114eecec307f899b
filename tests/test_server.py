"""StaticSiteServer: files, content types, validators, gzip, refusals, routes, request log."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from aggregator.server import StaticSiteServer
from aggregator.server_routes import bytes_route, redirect_route, reset_route, slow_route, status_route

PAGE = "<!doctype html><html><head><meta charset=utf-8><title>测试</title></head><body>" + "<p>银川新闻</p>" * 40 + "</body></html>"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    (root / "feeds").mkdir()
    (root / "empty").mkdir()
    (root / "api").mkdir()
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "news" / "index.html").write_text("<html><body>list</body></html>", encoding="utf-8")
    (root / "news" / "gbk.html").write_bytes('<meta charset="gbk"><p>宁夏日报</p>'.encode("gbk"))
    (root / "news" / "gbk.html.headers").write_text("# wrong on purpose\nContent-Type: text/html; charset=utf-8\nX-Demo: 1\n")
    (root / "feeds" / "yinchuan.xml").write_text("<rss version='2.0'><channel></channel></rss>" * 3, encoding="utf-8")
    (root / "feeds" / "yinchuan.atom").write_text("<feed xmlns='http://www.w3.org/2005/Atom'/>", encoding="utf-8")
    (root / "feeds" / "yinchuan.json").write_text('{"version": "https://jsonfeed.org/version/1.1"}', encoding="utf-8")
    (root / "feeds" / "index.opml").write_text("<opml version='2.0'/>", encoding="utf-8")
    (root / "api" / "list_1.json").write_text('{"data": {"list": []}}', encoding="utf-8")
    (root / "README.md").write_text("# 说明\n", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    (tmp_path / "secret.txt").write_text("outside the root", encoding="utf-8")
    return root


@pytest.fixture()
def server(site: Path):
    with StaticSiteServer(site) as srv:
        yield srv


def fetch(srv: StaticSiteServer, path: str, method: str = "GET", headers: dict | None = None):
    """Raw request (http.client sends the target exactly as given)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_port_zero_binds_a_real_port_and_base_url(site: Path):
    with StaticSiteServer(site, port=0) as a, StaticSiteServer(site, port=0) as b:
        assert a.port > 0 and b.port > 0 and a.port != b.port
        assert a.base_url == f"http://127.0.0.1:{a.port}"
        assert a.url("news/index.html") == f"{a.base_url}/news/index.html"
        assert a.url("/固原.html") == f"{a.base_url}/%E5%9B%BA%E5%8E%9F.html"
        assert fetch(a, "/")[0] == 200
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", a.port), timeout=1).close()


def test_base_url_before_start_is_an_error(site: Path):
    srv = StaticSiteServer(site)
    with pytest.raises(RuntimeError):
        srv.base_url
    srv.start()
    srv.stop()
    srv.stop()  # idempotent


def test_wait_blocks_until_stopped(site: Path):
    srv = StaticSiteServer(site).start()
    assert srv.wait(timeout=0.1) is False
    threading.Timer(0.1, srv.stop).start()
    assert srv.wait(timeout=5) is True
    assert not srv.running


def test_root_must_exist(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        StaticSiteServer(tmp_path / "missing").start()


@pytest.mark.parametrize(
    "path, ctype",
    [
        ("/feeds/yinchuan.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/yinchuan.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds/yinchuan.json", "application/feed+json; charset=utf-8"),
        ("/api/list_1.json", "application/json; charset=utf-8"),
        ("/feeds/index.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "text/html"),
        ("/README.md", "text/markdown; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/image.png", "image/png"),
    ],
)
def test_content_types(server, site, path, ctype):
    status, headers, body = fetch(server, path)
    assert status == 200
    assert headers["content-type"] == ctype
    assert body == (site / path.lstrip("/")).read_bytes()


def test_content_type_overrides(site: Path):
    with StaticSiteServer(site, content_types={".json": "application/x-test", ".html": "text/html; charset=utf-8"}) as srv:
        assert fetch(srv, "/feeds/yinchuan.json")[1]["content-type"] == "application/x-test"
        assert fetch(srv, "/index.html")[1]["content-type"] == "text/html; charset=utf-8"


def test_json_feed_detected_when_root_is_the_feeds_folder(site: Path):
    (site / "feeds" / "plain.json").write_text("[]", encoding="utf-8")
    with StaticSiteServer(site / "feeds") as srv:
        assert fetch(srv, "/plain.json")[1]["content-type"] == "application/feed+json; charset=utf-8"


def test_headers_sidecar_overrides_content_type_and_is_not_served(server, site):
    status, headers, body = fetch(server, "/news/gbk.html")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-demo"] == "1"
    assert body == (site / "news" / "gbk.html").read_bytes()
    assert fetch(server, "/news/gbk.html.headers")[0] == 404


def test_strong_etag_and_last_modified(server, site):
    os.utime(site / "index.html", (1_642_566_000, 1_642_566_000))
    status, headers, _ = fetch(server, "/index.html")
    assert status == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])
    assert email.utils.parsedate_to_datetime(headers["last-modified"]).timestamp() == 1_642_566_000
    # same bytes -> same tag; changed bytes -> new tag
    assert fetch(server, "/index.html")[1]["etag"] == headers["etag"]
    (site / "index.html").write_text(PAGE + "<!-- changed -->", encoding="utf-8")
    assert fetch(server, "/index.html")[1]["etag"] != headers["etag"]


def test_if_none_match_gives_304(server):
    _, headers, _ = fetch(server, "/feeds/yinchuan.xml")
    status, h304, body = fetch(server, "/feeds/yinchuan.xml", headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    assert h304["etag"] == headers["etag"]
    # a list, a weak tag and * also match (weak comparison)
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-None-Match": f'"x", W/{headers["etag"]}'})[0] == 304
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-None-Match": "*"})[0] == 304
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-None-Match": '"other"'})[0] == 200


def test_if_modified_since_gives_304(server, site):
    os.utime(site / "feeds" / "yinchuan.xml", (1_642_566_000, 1_642_566_000))
    _, headers, _ = fetch(server, "/feeds/yinchuan.xml")
    lm = headers["last-modified"]
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-Modified-Since": lm})[0] == 304
    older = email.utils.formatdate(1_642_566_000 - 60, usegmt=True)
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-Modified-Since": older})[0] == 200
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-Modified-Since": "garbage"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
    assert fetch(server, "/feeds/yinchuan.xml", headers={"If-None-Match": '"other"', "If-Modified-Since": lm})[0] == 200


def test_gzip_when_accepted(server, site):
    status, headers, body = fetch(server, "/index.html", headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == (site / "index.html").read_bytes()
    plain = fetch(server, "/index.html")
    assert "content-encoding" not in plain[1] and plain[1]["vary"] == "Accept-Encoding"
    # the gzip representation has its own strong tag, and either one revalidates
    assert headers["etag"] != plain[1]["etag"]
    assert fetch(server, "/index.html", headers={"Accept-Encoding": "gzip", "If-None-Match": plain[1]["etag"]})[0] == 304
    # q=0 refuses gzip; images are never gzipped
    assert "content-encoding" not in fetch(server, "/index.html", headers={"Accept-Encoding": "gzip;q=0"})[1]
    assert "content-encoding" not in fetch(server, "/image.png", headers={"Accept-Encoding": "gzip"})[1]


def test_gzip_can_be_switched_off(site: Path):
    with StaticSiteServer(site, gzip=False) as srv:
        assert "content-encoding" not in fetch(srv, "/index.html", headers={"Accept-Encoding": "gzip"})[1]


def test_head_has_headers_but_no_body(server, site):
    status, headers, body = fetch(server, "/index.html", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == len((site / "index.html").read_bytes())
    assert headers["content-type"] == "text/html"


def test_other_methods_are_refused(server):
    status, headers, _ = fetch(server, "/index.html", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/news/../../secret.txt",
        "/news/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/../etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/%00index.html",
    ],
)
def test_traversal_is_refused(server, path):
    status, _, body = fetch(server, path)
    assert status in (403, 404)
    assert b"outside the root" not in body and b"root:" not in body


def test_absolute_form_target_is_confined(server):
    status, _, body = fetch(server, "http://127.0.0.1/../secret.txt")
    assert status in (403, 404) and b"outside" not in body


def test_dot_segments_inside_root_are_normalised(server):
    assert fetch(server, "/news/../index.html")[0] == 200
    assert fetch(server, "/./news/./index.html")[0] == 200


def test_symlink_out_of_root_is_refused(server, site, tmp_path):
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    assert fetch(server, "/leak.txt")[0] == 403
    assert fetch(server, "/leakdir/secret.txt")[0] == 403
    # a symlink that stays inside the root is fine
    (site / "alias.html").symlink_to(site / "index.html")
    assert fetch(server, "/alias.html")[0] == 200


def test_no_directory_listing(server):
    assert fetch(server, "/empty/")[0] == 404
    status, _, body = fetch(server, "/news/")
    assert status == 200 and body == b"<html><body>list</body></html>"
    status, headers, _ = fetch(server, "/news?x=1")
    assert status == 301 and headers["location"] == "/news/?x=1"
    assert fetch(server, "/")[0] == 200
    assert fetch(server, "/missing.html")[0] == 404


def test_query_strings_are_ignored_for_files(server):
    assert fetch(server, "/news/index.html?utm_source=rss")[0] == 200


def test_routes_exact_regex_and_fault_helpers(site: Path):
    calls = []

    def custom(req):
        calls.append(req.path)
        req.respond(418, "teapot", headers={"X-Route": "yes"})

    routes = {
        "/status/500": status_route(500),
        "/custom": custom,
        "/api/list?page=2": bytes_route(b'{"page": 2}', "application/json"),
        re.compile(r"/loop/(a|b)"): None,  # replaced below, regexes match the whole path
        "/no-charset": bytes_route("<p>无声明</p>".encode("gb18030"), "text/html"),
        "/index.html": status_route(503),  # routes win over files
    }
    routes[re.compile(r"/loop/(a|b)")] = redirect_route("/loop/a")
    with StaticSiteServer(site, routes=routes) as srv:
        assert fetch(srv, "/status/500")[0] == 500
        status, headers, body = fetch(srv, "/custom?q=1", method="POST")
        assert (status, headers["x-route"], body) == (418, "yes", b"teapot")
        assert calls == ["/custom?q=1"]
        assert fetch(srv, "/api/list?page=2")[2] == b'{"page": 2}'
        status, headers, _ = fetch(srv, "/loop/b")
        assert status == 302 and headers["location"] == "/loop/a"
        assert fetch(srv, "/loop/bb")[0] == 404
        assert fetch(srv, "/no-charset")[2] == "<p>无声明</p>".encode("gb18030")
        assert fetch(srv, "/index.html")[0] == 503
        srv.add_route("/added", status_route(204))
        assert fetch(srv, "/added")[0] == 204
        srv.remove_route("/added")
        assert fetch(srv, "/added")[0] == 404
        assert srv.errors == []


def test_slow_route_and_client_timeout(site: Path):
    with StaticSiteServer(site, routes={"/slow": slow_route(1.0)}) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=0.2)
        conn.request("GET", "/slow")
        with pytest.raises(TimeoutError):
            conn.getresponse()
        conn.close()
        # other requests are served meanwhile (threaded)
        t0 = time.monotonic()
        assert fetch(srv, "/index.html")[0] == 200
        assert time.monotonic() - t0 < 0.5
    # leaving the block does not wait for the sleeping handler


def test_reset_route_closes_without_answer(site: Path):
    with StaticSiteServer(site, routes={"/reset": reset_route()}) as srv:
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
            fetch(srv, "/reset")
        for _ in range(50):
            if ("GET", "/reset", 0) in srv.requests:
                break
            time.sleep(0.02)
        assert ("GET", "/reset", 0) in srv.requests
        assert fetch(srv, "/index.html")[0] == 200


def test_route_errors_are_collected_not_printed(site: Path, capsys):
    def broken(req):
        raise ValueError("bug in route")

    with StaticSiteServer(site, routes={"/broken": broken}) as srv:
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            fetch(srv, "/broken")
        for _ in range(50):
            if srv.errors:
                break
            time.sleep(0.02)
        assert [type(e) for e in srv.errors] == [ValueError]
    assert capsys.readouterr().err == ""


def test_request_log(server):
    fetch(server, "/index.html")
    fetch(server, "/missing.html")
    fetch(server, "/index.html", method="HEAD", headers={"User-Agent": "probe/1"})
    assert server.requests == [
        ("GET", "/index.html", 200),
        ("GET", "/missing.html", 404),
        ("HEAD", "/index.html", 200),
    ]
    assert server.records[2].headers["User-Agent"] == "probe/1"
    snapshot = server.requests
    server.clear_log()
    assert server.requests == [] and len(snapshot) == 3


def test_request_log_is_thread_safe(server):
    def hammer():
        for _ in range(10):
            fetch(server, "/robots.txt")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert server.requests.count(("GET", "/robots.txt", 200)) == 80


def test_quiet_by_default_and_verbose_logs(site: Path, capfd):
    with StaticSiteServer(site) as srv:
        fetch(srv, "/index.html")
        fetch(srv, "/nope")
    assert capfd.readouterr().err == ""
    with StaticSiteServer(site, verbose=True) as srv:
        fetch(srv, "/nope")
    assert '"GET /nope HTTP/1.1" 404' in capfd.readouterr().err


def test_percent_encoded_non_ascii_file(server, site):
    (site / "固原.html").write_text("<p>固原</p>", encoding="utf-8")
    assert fetch(server, "/%E5%9B%BA%E5%8E%9F.html")[0] == 200
    assert fetch(server, "/%E5%9B%BA%FF.html")[0] == 404  # not UTF-8
