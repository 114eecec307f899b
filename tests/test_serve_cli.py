"""`aggregator serve`: the real command in a subprocess serves a feeds folder right."""

import http.client
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def test_serve_command_content_types_304_and_no_traversal(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "all.xml").write_text('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                                   "<title>全部</title></channel></rss>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for readers", encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "aggregator", "serve", "--dir", str(feeds), "--port", "0", "--quiet"],
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        port = int(m.group(1))

        def get(path, headers=None):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            body = r.read()
            c.close()
            return r, body

        r, body = get("/all.xml")
        assert r.status == 200 and r.getheader("Content-Type").startswith("application/rss+xml")
        etag = r.getheader("ETag")
        assert etag and r.getheader("Last-Modified")
        r, body = get("/all.xml", {"If-None-Match": etag})
        assert r.status == 304 and body == b""
        for bad in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"):
            r, body = get(bad)
            assert r.status in (403, 404) and b"not for readers" not in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
