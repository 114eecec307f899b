"""Generator of the bundled demo site: a pure function of :mod:`aggregator.demo.corpus`.

Owns the demo site's pages and its truth. ``site_files(base_url)`` returns every file as
bytes (same bytes on every call: no clock, no randomness, no dict-order surprises);
``build_site(dest, base_url)`` writes them and returns a :class:`SiteInfo` describing what
a correct crawl must find. ``render_sources(base_url, dest)`` writes the sources TOML
for the demo sources.

Four sources, four structures, one host:

* **jekyll** ``/`` "宁夏新闻汇", a Jekyll-built aggregation site with one paginated category
  page per medium (``/category/<slug>.html``, ``/category/<slug>_2.html``…) and posts at
  ``/<slug>/YYYY/MM/DD/<name>.html`` whose body ends with ``（文章来源：X）``, followed
  by the original URL and ``[返回…]`` links. One demo source per category.
* **portal** ``/news/`` "塞上在线", a provincial portal in GBK bytes declared gb2312/gbk:
  numbered list pages, relative links, lazy images, scripts and ads in the article
  container, ``发布时间：``/``来源：``/``责任编辑：`` lines, a two-page article, an
  article without any date and one dated only by its URL.
* **feed** ``/rss.xml`` "黄河文旅网", RSS 2.0 pointing at UTF-8 pages with Open Graph /
  ``article:published_time`` metadata.
* **json** ``/api/list_N.json`` "凤城晚报", a JSON list API pointing at mobile pages.

Modules: ``model`` (records, constants, the truth), ``plan`` (which article goes where,
composed from ``corpus``), ``pages`` (the page templates), ``site`` (assembly, files, the
sources TOML).

Pure: no network; the only I/O is ``build_site``/``render_sources`` writing files.
"""

from __future__ import annotations

import os
from pathlib import Path

from aggregator.demo.model import (DEFAULT_BASE_URL, SiteInfo)
from aggregator.demo.pages import (_Files, _render_feed, _render_jekyll, _render_json, _render_portal)
from aggregator.demo.plan import (_Plan, _plan)


def _render(plan: _Plan) -> _Files:
    files = _Files()
    _render_jekyll(plan, files)
    _render_portal(plan, files)
    _render_feed(plan, files)
    _render_json(plan, files)
    files.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
    return files


# -- public API -------------------------------------------------------------------------------------


def _info(plan: _Plan, root: Path | None, files: tuple[str, ...]) -> SiteInfo:
    sp = plan.special
    return SiteInfo(
        root=root,
        base_url=plan.base_url,
        sources=tuple(plan.sources),
        articles=tuple(plan.articles),
        multi_page=sp["multi_page"],
        syndicated=(sp["syndicated_jekyll"], sp["syndicated_portal"]),
        dual_listed=sp["dual_listed"],
        no_date=sp["no_date"],
        url_date_only=sp["url_date_only"],
        wrong_charset_header=sp["wrong_charset_header"],
        non_ascii_path=sp["non_ascii_path"],
        files=files,
    )


def site_files(base_url: str = DEFAULT_BASE_URL) -> dict[str, bytes]:
    """Every file of the demo site, ``{url path: bytes}`` (pure; same bytes every call)."""
    return dict(_render(_plan(base_url)))


def site_info(base_url: str = DEFAULT_BASE_URL) -> SiteInfo:
    """The demo site's truth without writing anything (``root`` is None)."""
    plan = _plan(base_url)
    return _info(plan, None, tuple(sorted(_render(plan))))


def build_site(dest: str | os.PathLike, base_url: str = DEFAULT_BASE_URL) -> SiteInfo:
    """Write the demo site under ``dest`` and return what a correct crawl must find.

    ``base_url`` is the address the site will be served at (``StaticSiteServer.base_url``);
    it appears in the absolute links of the RSS feed, the JSON API and canonical links, so
    start the server on ``dest`` first, then build. Files are (re)written with fixed
    modification times (an article's publication time, else :data:`SITE_EPOCH`); files in
    ``dest`` that the site does not have are left alone.
    """
    root = Path(dest)
    plan = _plan(base_url)
    files = _render(plan)
    for path, data in files.items():
        target = root.joinpath(*path.lstrip("/").split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        os.utime(target, (files.mtimes[path], files.mtimes[path]))
    return _info(plan, root.resolve(), tuple(sorted(files)))


def sources_toml(base_url: str = DEFAULT_BASE_URL) -> str:
    """The demo sources file (TOML text) for a site served at ``base_url``."""
    base = base_url.rstrip("/")
    plan = _plan(base)
    notes = {
        "jekyll": "Jekyll aggregation site: one paginated category page per medium; posts end with （文章来源：X）.",
        "portal": "Provincial portal: GBK bytes declared gb2312; relative links, lazy images, a two-page article.",
        "feed": "Publishes RSS 2.0 at /rss.xml; the spider follows each item's link.",
        "json": "JSON list API; items carry link/title/time/source.",
    }
    out = [
        "# Sources of the bundled demo site (written by aggregator.demo.render_sources).",
        "# Every article on the demo site is invented. Generic discovery and extraction only:",
        "# no selectors, no article_url, no encoding hints.",
        "",
    ]
    for s in plan.sources:
        out.append("[[source]]")
        out.append(f"# {notes[s.structure]}")
        out.append(f'name = "{s.name}"')
        out.append(f'title = "{s.title}"')
        if s.type != "listing":
            out.append(f'type = "{s.type}"')
        out.append(f'category = "{s.category}"')
        urls = ", ".join(f'"{base}{p}"' for p in s.start_paths)
        out.append(f"start_urls = [{urls}]")
        if s.type == "listing":
            out.append(f"max_pages = {len(s.listing_paths)}")
        if s.type == "json":
            out.append('json_items = "data.list"')
            out.append("[source.json_fields]")
            out.append('url = "link"')
            out.append('title = "title"')
            out.append('published = "time"')
            out.append('source = "source"')
        out.append("")
    return "\n".join(out)


def render_sources(base_url: str, dest: str | os.PathLike) -> Path:
    """Write the demo sources TOML; ``dest`` is a ``.toml`` file or a folder (-> ``sources.toml``)."""
    dest = Path(dest)
    path = dest if dest.suffix == ".toml" else dest / "sources.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sources_toml(base_url), encoding="utf-8")
    return path
