"""index.html in a real headless browser (Debian's chromium).

The page must render (the DOM after scripts ran is dumped with ``--dump-dom``), show
Chinese text correctly decoded, list every category and source, and every feed link on
it must resolve to a file the exporter wrote, both opened from disk (``file://``, no base
URL: relative links) and served over HTTP from 127.0.0.1 (absolute links from the base
URL). Skips, saying so, only when chromium is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest

from aggregator.export import export_all
from aggregator.sources import FeedDefinition

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (Debian package chromium; .ci/install --test)")

NOW = datetime(2022, 1, 20, 12, 0, tzinfo=timezone.utc)
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json", "text/x-opml"}
CUSTOM = [FeedDefinition(name="xiangcun", title="乡村振兴", query="乡村振兴")]


def fixture_data() -> dict:
    return json.loads((Path(__file__).parent / "golden" / "export_archive.json").read_text("utf-8"))


def dump_dom(url: str, profile: Path, extra_script: str | None = None) -> lxml.html.HtmlElement:
    """The DOM of ``url`` after load and scripts, as headless chromium sees it."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--no-default-browser-check",
         f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url],
        capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    html = proc.stdout.decode("utf-8")
    assert "<html" in html, proc.stderr.decode("utf-8", "replace")[-2000:]
    return lxml.html.fromstring(html)


def check_page(doc: lxml.html.HtmlElement, page_url: str, to_path, data: dict) -> None:
    """Assertions shared by the file:// and http:// runs."""
    assert doc.get("lang") == "zh-CN"
    assert doc.xpath("//meta[@charset]")[0].get("charset").lower() == "utf-8"
    assert doc.findtext(".//h1") == "地方新闻订阅"
    # every category and every source has its section with its display name
    cat_titles = [s.findtext("h3") for s in doc.xpath("//section[@data-kind='category']")]
    assert cat_titles == [c["name"] for c in sorted(data["categories"], key=lambda c: c["slug"])]
    src_titles = {s.findtext("h3") for s in doc.xpath("//section[@data-kind='source']")}
    assert src_titles == {s["title"] for s in data["sources"]}
    assert [s.findtext("h3") for s in doc.xpath("//section[@data-kind='custom']")] == ["乡村振兴"]
    # headlines are decoded Chinese text (a wrong charset would show mojibake here)
    headlines = doc.xpath("//section[@id='all']//ol[@class='headlines']/li/a/text()")
    assert headlines[:2] == ["银川至固原高速公路改扩建工程通过交工验收", "银川市启动春节文化惠民活动 百余场演出进社区"]
    # every feed link resolves to an existing file of the export
    links = doc.xpath("//a[@type]")
    feed_links = [a for a in links if a.get("type") in FEED_TYPES]
    # three formats per feed, plus index.opml, sources.opml and custom.opml (one custom feed)
    assert len(feed_links) == 3 * len(doc.xpath("//section[@class='feed']")) + 3
    for a in feed_links:
        target = to_path(urljoin(page_url, a.get("href")))
        assert target.is_file(), a.get("href")
    # the copy fields hold absolute URLs after the script ran, pointing at existing RSS files
    inputs = doc.xpath("//input[@class='feed-url']")
    assert len(inputs) == len(doc.xpath("//section[@class='feed']"))
    for inp in inputs:
        value = inp.get("value")
        assert urlsplit(value).scheme in ("file", "http", "https") and value.endswith(".xml")
        assert to_path(value).is_file(), value
        button = doc.xpath(f"//button[@data-target='{inp.get('id')}']")
        assert button and button[0].text == "复制"


def test_index_html_from_disk(export_archive, tmp_path):
    data = fixture_data()
    out = tmp_path / "feeds"
    export_all(export_archive(data), out, now=NOW, feeds=CUSTOM)
    page = (out / "index.html").resolve().as_uri()
    doc = dump_dom(page, tmp_path / "profile")

    def to_path(url: str) -> Path:
        parts = urlsplit(url)
        assert parts.scheme == "file", url
        return Path(unquote(parts.path))

    check_page(doc, page, to_path, data)
    # without a base URL the page's links are relative; the script made the copy URL absolute
    assert doc.xpath("//section[@id='all']//a[@type='application/rss+xml']/@href") == ["all.xml"]
    assert doc.xpath("//input[@id='url-all']/@value") == [(out / "all.xml").resolve().as_uri()]


@pytest.fixture
def http_server(tmp_path):
    """A static server on 127.0.0.1 (port 0) serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_index_html_served_with_base_url(export_archive, tmp_path, http_server):
    root, base = http_server
    data = fixture_data()
    out = root / "nx"
    export_all(export_archive(data), out, base_url=base + "nx/", now=NOW, feeds=CUSTOM)
    page = base + "nx/index.html"
    doc = dump_dom(page, tmp_path / "profile")

    def to_path(url: str) -> Path:
        assert url.startswith(base + "nx/"), url
        return out / unquote(url[len(base + "nx/"):])

    check_page(doc, page, to_path, data)
    assert doc.xpath("//input[@id='url-cat-sannong']/@value") == [base + "nx/sannong.xml"]
    assert doc.xpath("//head/link[@rel='alternate']/@href") == [base + "nx/all.xml", base + "nx/all.atom"]


def test_copy_button_selects_or_copies_the_url(export_archive, tmp_path):
    out = tmp_path / "feeds"
    export_all(export_archive(), out, now=NOW)
    # a copy of the page with a probe that clicks the first copy button and records the outcome
    probe = out / "probe.html"
    probe.write_text((out / "index.html").read_text("utf-8").replace("</body>", """<script>
window.addEventListener("error", function (e) { document.body.setAttribute("data-error", e.message); });
var button = document.querySelector("button.copy-url");
button.click();
setTimeout(function () {
  document.body.setAttribute("data-result", button.textContent + "|" + window.getSelection().toString() + "|" +
    (document.activeElement ? document.activeElement.id : ""));
}, 500);
</script>
</body>"""), "utf-8")
    doc = dump_dom(probe.resolve().as_uri(), tmp_path / "profile")
    body = doc.find("body")
    assert body.get("data-error") is None
    label, selected, focused = body.get("data-result").split("|")
    url = (out / "all.xml").resolve().as_uri()
    # copied (button says so) or, without clipboard access, the URL is selected for Ctrl+C
    assert label == "已复制" or (selected == url and focused == "url-all")
