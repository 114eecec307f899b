"""Hostile HTML: known XSS vectors never survive into the archive or any feed format.

The vectors (tests/fixtures/xss/vectors.toml, our own fixtures grouped by the categories
of the OWASP XSS filter-evasion cheat sheet) are embedded in article bodies, run through
the pipeline's normalisation (``normalize_article`` -> ``sanitize_html``), stored in an
archive and exported with ``export_all``. Every HTML payload we produce (the sanitised
body, RSS ``content:encoded`` and ``description``, Atom ``content``/``summary``, JSON Feed
``content_html``, index.html) is scanned with a tokenizer for active content: a tag
outside the allow-list, an ``on*`` attribute, ``style``, a URL attribute whose scheme is
not http/https/mailto (after the entity decoding and white-space stripping a browser
does), comments and processing instructions.
"""

from __future__ import annotations

import json
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree

from aggregator.items import Article
from aggregator.normalize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize_html
from aggregator.normalize import normalize_article

VECTORS = tomllib.loads((Path(__file__).parent / "fixtures" / "xss" / "vectors.toml").read_text("utf-8"))["vector"]
ARTICLE_BASE = "https://news.example.cn/yinchuan/2022/03"
SITE = "https://news.example.cn/"

# attributes the sanitiser/exporter add on purpose
_ADDED = {"a": {"rel"}, "img": {"referrerpolicy", "loading"}}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "background", "poster", "xlink:href", "srcset",
              "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "usemap", "ping", "to", "values", "from"}
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
# a browser ignores these inside a URL scheme (tab, newline, controls) and leading space
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f]+")


class _Scanner(HTMLParser):
    """Tokenise HTML like a browser and record everything that could be active."""

    def __init__(self, allowed_tags, allowed_attrs, allow_scripts: tuple[str, ...] = ()):
        super().__init__(convert_charrefs=True)
        self.allowed_tags, self.allowed_attrs, self.allow_scripts = allowed_tags, allowed_attrs, allow_scripts
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script" and self.allow_scripts:
            self._in_script = True
            if attrs:
                self.problems.append(f"<script> with attributes {attrs}")
            return
        if tag not in self.allowed_tags:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name == "style" or name == "srcdoc":
                self.problems.append(f"attribute {name}= on <{tag}>")
            elif name not in self.allowed_attrs.get(tag, set()):
                self.problems.append(f"attribute {name}= not allowed on <{tag}>")
            if name in _URL_ATTRS:
                url = _URL_JUNK.sub("", value).lower()
                if ":" in url.split("/", 1)[0] and not url.startswith(_SAFE_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in_script and data.strip() and data not in self.allow_scripts:
            self.problems.append(f"unexpected script {data[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_comment(self, data):
        self.problems.append(f"comment <!--{data[:40]}-->")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction <?{data[:40]}>")

    def unknown_decl(self, data):
        self.problems.append(f"declaration <![{data[:40]}>")


def active_content(html: str, *, extra_attrs: dict | None = None, allowed_tags=ALLOWED_TAGS,
                   allow_scripts: tuple[str, ...] = ()) -> list[str]:
    """Everything in ``html`` a browser could execute or that leaves the allow-list."""
    attrs = {t: set(ALLOWED_ATTRIBUTES.get(t, set())) | _ADDED.get(t, set()) | (extra_attrs or {}).get(t, set())
             for t in set(allowed_tags) | set(ALLOWED_ATTRIBUTES) | set(_ADDED)}
    scanner = _Scanner(allowed_tags, attrs, allow_scripts)
    scanner.feed(html)
    scanner.close()
    problems = scanner.problems
    # belt and braces on the raw string: the tags we fear most, by name
    for m in re.finditer(r"<\s*/?\s*(script|iframe|object|embed|svg|math|style|base|meta|link|form|frame|applet|"
                         r"template|noscript|portal)\b", html, re.I):
        if not (m.group(1).lower() == "script" and allow_scripts):
            problems.append(f"raw {m.group(0)!r}")
    return problems


def embed(vector: dict) -> str:
    """An article body with the vector between two ordinary paragraphs."""
    return f"<p>第一段：记者从市政府获悉，城区道路改造工程进展顺利。</p>{vector['html']}<p>最后一段：工程预计年底完工。</p>"


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i:03d}-{v['category'].replace(' ', '_')}" for i, v in enumerate(VECTORS)])
def test_sanitizer_removes_active_content(vector):
    url = f"{ARTICLE_BASE}/a1.html"
    out = sanitize_html(embed(vector), base_url=url)
    assert active_content(out) == [], out
    assert "第一段" in out, "the sanitiser ate the article"
    if vector.get("keep"):
        assert vector["keep"] in out
    # relative links resolve against the article, never against a hostile <base>
    for href in re.findall(r'(?:href|src)="([^"]*)"', out):
        assert not href.startswith("http://evil.test/a/") and "evil.test/pic" not in href, href
    # sanitising the sanitised output changes nothing active (and is stable)
    again = sanitize_html(out, base_url=url)
    assert active_content(again) == []
    assert sanitize_html(again, base_url=url) == again


def test_scanner_flags_every_raw_vector():
    """The checker itself can fail: every vector, unsanitised, is reported as active."""
    missed = [v["html"] for v in VECTORS if not v.get("inert_unsanitised") and not active_content(embed(v))]
    assert missed == []


def test_sanitizer_output_is_deterministic_across_processes():
    """Same input, same bytes in another process (nh3's hash maps must not leak into the
    attribute order: the archive and the feeds would change on every run)."""
    import subprocess
    import sys

    sample = "".join(embed(v) for v in VECTORS[:40]) + '<img src="/a.jpg" loading="eager"><a href="/b">b</a>'
    code = ("import sys; from aggregator.normalize import sanitize_html; "
            "sys.stdout.write(sanitize_html(sys.stdin.read(), 'https://news.example.cn/a.html'))")
    outs = {subprocess.run([sys.executable, "-c", code], input=sample, capture_output=True, text=True,
                           check=True).stdout for _ in range(6)}
    assert len(outs) == 1
    assert outs == {sanitize_html(sample, "https://news.example.cn/a.html")}


def test_vectors_cover_every_category():
    cats = {v["category"] for v in VECTORS}
    assert {"script", "event handler", "javascript url", "vbscript url", "data url", "base", "meta", "svg", "css",
            "frame", "malformed", "unclosed", "comment", "form", "attribute"} <= cats
    assert len(VECTORS) >= 100


# --- the archive and every feed format ----------------------------------------------------------

HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>银川新闻'
HOSTILE_CATEGORY = '<img src=x onerror=alert("cat")>本地</title><script>alert(1)</script>'
HOSTILE_SOURCE_TITLE = '"><svg onload=alert(1)>银川网'


def _hostile_archive(export_archive, vectors, *, raw: bool = False):
    """An archive whose articles carry the vectors (normalised by the pipeline unless ``raw``)."""
    articles = []
    for i, v in enumerate(vectors):
        art = Article(
            url=f"{ARTICLE_BASE}/a{i}.html", title=(HOSTILE_TITLE if i % 7 == 0 else f"第{i}号稿件：道路改造"),
            published="2022-03-01T08:00:00+08:00", source=('<b onclick=alert(1)>日报</b>' if i % 5 == 0 else "银川日报"),
            author=("</author><script>alert(1)</script>" if i % 9 == 0 else None), category="yinchuan",
            categories=["yinchuan"], category_name=HOSTILE_CATEGORY, spider="hostile",
            body_html=embed(v) + f"<p>本稿编号{i}，核对码{i * 7919}。</p>",  # unique: not a syndicated copy
            origin_url=None, fetched_at="2022-03-01T09:00:00+00:00")
        if raw:
            row = {"title": art.title, "body_html": art.body_html, "body_text": "x", "source": art.source,
                   "author": art.author, "url": art.url, "origin_url": None}
        else:
            norm, _ = normalize_article(art, site_names=("银川网",))
            row = {"title": norm.title, "body_html": norm.body_html, "body_text": norm.body_text,
                   "source": norm.source, "author": norm.author, "url": norm.url, "origin_url": norm.origin_url}
        articles.append({**row, "id": i + 1, "published": "2022-03-01T00:00:00+00:00", "published_guessed": 0,
                         "category": "yinchuan", "spider": "hostile", "fetched_at": "2022-03-01T09:00:00+00:00",
                         "first_seen_at": "2022-03-01T09:00:00+00:00", "updated_at": "2022-03-01T09:00:00+00:00",
                         "content_hash": f"h{i}", "categories": ["yinchuan"]})
    data = {
        "sources": [{"name": "hostile", "title": HOSTILE_SOURCE_TITLE, "type": "listing", "category": "yinchuan",
                     "start_urls": json.dumps([SITE]), "config": "{}", "added_at": "2022-03-01T00:00:00+00:00"}],
        "categories": [{"slug": "yinchuan", "name": HOSTILE_CATEGORY}],
        "articles": articles,
    }
    # normalised rows go through Archive.store_articles; raw ones are written with plain SQL
    return export_archive(data, name="raw.db" if raw else "hostile.db", raw=raw)


def _feed_payloads(out: Path) -> dict[str, list[str]]:
    """Every HTML payload of every feed file: {file: [html, ...]}."""
    payloads: dict[str, list[str]] = {}
    ns = {"content": "http://purl.org/rss/1.0/modules/content/", "atom": "http://www.w3.org/2005/Atom"}
    for path in sorted(out.rglob("*.xml")):
        root = etree.parse(str(path)).getroot()
        payloads[str(path.relative_to(out))] = [
            *(el.text or "" for el in root.iterfind(".//item/content:encoded", ns)),
            *(el.text or "" for el in root.iterfind(".//item/description")),
        ]
    for path in sorted(out.rglob("*.atom")):
        root = etree.parse(str(path)).getroot()
        html = []
        for el in root.iterfind(".//atom:entry/atom:content", ns) :
            assert el.get("type") in ("html", "text", None)
            html.append(el.text or "")
        for el in root.iterfind(".//atom:entry/atom:summary", ns):
            html.append(el.text or "")
        for el in root.iterfind(".//atom:entry/atom:title", ns):
            assert el.get("type") in ("text", None), "titles must be text, not HTML"
        payloads[str(path.relative_to(out))] = html
    for path in sorted(out.rglob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        payloads[str(path.relative_to(out))] = [it.get("content_html") or "" for it in doc["items"]] + \
            [f"<p>{_esc(it.get('summary') or '')}</p>" for it in doc["items"]]
    return payloads


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_FOOTER_ATTRS = {"p": {"class"}}


def test_every_feed_format_is_free_of_active_content(export_archive, tmp_path, capsys):
    from aggregator.export import export_all

    db = _hostile_archive(export_archive, VECTORS)
    out = tmp_path / "feeds"
    export_all(db, out, base_url="https://feeds.example.org/")
    payloads = _feed_payloads(out)
    assert {"all.xml", "all.atom", "all.json"} <= set(payloads)
    checked = 0
    for name, htmls in payloads.items():
        for html in htmls:
            problems = active_content(html, extra_attrs=_FOOTER_ATTRS)
            assert problems == [], f"{name}: {problems}\n{html[:500]}"
            checked += 1
    assert checked >= 3 * len(VECTORS)

    # titles stay text: the hostile title comes back verbatim (escaped once), never as markup
    rss = etree.parse(str(out / "all.xml")).getroot()
    titles = [t.text for t in rss.iterfind(".//item/title")]
    assert sum(1 for t in titles if t and "<script>" in t) >= 1
    doc = json.loads((out / "all.json").read_text("utf-8"))
    assert any("<script>" in it["title"] for it in doc["items"])

    # index.html and index.opml: names are escaped; the page's own script is the only script
    index = (out / "index.html").read_text("utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", index, re.S)
    assert len(scripts) == 1
    page_tags = {"html", "head", "meta", "title", "body", "main", "header", "footer", "section", "nav", "h1", "h2",
                 "h3", "p", "a", "ul", "ol", "li", "code", "button", "span", "div", "small", "link", "style",
                 "table", "thead", "tbody", "tr", "th", "td", "input", "label", "details", "summary", "time", "strong"}
    problems = [p for p in active_content(index, allowed_tags=page_tags, allow_scripts=tuple(scripts))
                if not p.startswith(("attribute", "raw"))]
    assert problems == [], problems
    assert not re.search(r"<[^>]*\son\w+\s*=", index, re.I), "event handler attribute in index.html"
    assert "<img src=x" not in index and "<svg onload" not in index
    opml = etree.parse(str(out / "index.opml")).getroot()
    assert all("<" not in (o.get("title") or "") or "&" not in (o.get("title") or "") for o in opml.iter("outline"))

    with capsys.disabled():
        cats = sorted({v["category"] for v in VECTORS})
        print(f"\n[figures] XSS: {len(VECTORS)} vectors tried in {len(cats)} categories; "
              f"{checked} HTML payloads checked in {len(payloads)} feed files (RSS, Atom, JSON Feed) + index.html")


def test_feeds_are_safe_even_for_raw_rows(export_archive, tmp_path):
    """A row written by an older version or another tool with raw HTML is sanitised on export."""
    from aggregator.export import export_all

    db = _hostile_archive(export_archive, VECTORS[:20], raw=True)
    export_all(db, tmp_path / "feeds", base_url="https://feeds.example.org/")
    for name, htmls in _feed_payloads(tmp_path / "feeds").items():
        for html in htmls:
            assert active_content(html, extra_attrs=_FOOTER_ATTRS) == [], name


def test_origin_url_with_a_hostile_scheme_never_becomes_a_link(export_archive, tmp_path):
    """``origin_url`` comes from the page ("阅读原文" links): a javascript: URL must never
    become a link in any feed (the exporter only links http/https origins)."""
    from aggregator.export import export_all

    art = Article(url=f"{ARTICLE_BASE}/o.html", title="原文链接被篡改的稿件", published="2022-03-01T08:00:00+08:00",
                  category="yinchuan", categories=["yinchuan"], category_name="银川", spider="hostile",
                  body_html="<p>正文内容。</p>", origin_url="javascript:alert(1)", fetched_at="2022-03-01T09:00:00+00:00")
    norm, _ = normalize_article(art)
    data = {"sources": [{"name": "hostile", "title": "银川网", "type": "listing", "category": "yinchuan",
                         "start_urls": "[]", "config": "{}"}],
            "categories": [{"slug": "yinchuan", "name": "银川"}],
            "articles": [{"id": 1, "url": norm.url, "title": norm.title, "published": "2022-03-01T00:00:00+00:00",
                          "category": "yinchuan", "spider": "hostile", "body_html": norm.body_html,
                          "source": norm.source, "author": norm.author,
                          "body_text": norm.body_text, "origin_url": norm.origin_url,
                          "fetched_at": "2022-03-01T09:00:00+00:00", "first_seen_at": "2022-03-01T09:00:00+00:00",
                          "updated_at": "2022-03-01T09:00:00+00:00", "content_hash": "h", "categories": ["yinchuan"]}]}
    db = export_archive(data, name="origin.db")
    export_all(db, tmp_path / "feeds", base_url="https://feeds.example.org/")
    for name, htmls in _feed_payloads(tmp_path / "feeds").items():
        for html in htmls:
            assert active_content(html, extra_attrs=_FOOTER_ATTRS) == [], name
    for path in (tmp_path / "feeds").rglob("*"):
        if path.is_file():
            assert "javascript:" not in path.read_text("utf-8", "replace").lower(), path.name
