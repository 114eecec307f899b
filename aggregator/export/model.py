"""The exporter's view of the archive: which feeds exist and which entries each one holds.

Owns every SQL query the exporter makes (read-only) and every rule that decides what a
feed contains: the newest ``limit`` items, the ``days`` bound, syndicated copies
(``duplicate_of``) only in their own source feed, custom ``[[feed]]`` filters, stable
item ids, feed-level dates taken from the data, file names that cannot collide. The
renderers (``rss_atom``, ``jsonfeed``, ``opml``, ``html``, ``jekyll``) turn these plain
objects into bytes. Pure apart from reading SQLite: no network, no Scrapy, no writes.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from aggregator.archive import Archive
from aggregator.archive.readonly import connect_readonly, has_column, has_table
from aggregator.errors import AggregatorError, ArchiveError
from aggregator.project import DISPLAY_TZ, parse_iso
from aggregator.export.write import safe_name
from aggregator.normalize import SANITIZER_VERSION, collapse_ws, html_to_text, resolve_url, sanitize_html, slugify, url_key, xml_safe

#: Date of a feed that has no items (Atom requires one; "now" would break idempotence).
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: Namespace of the item ids: ``urn:uuid:`` + uuid5(NAMESPACE_URL, url_key).
ID_NAMESPACE = uuid.NAMESPACE_URL
SUMMARY_CHARS = 200
LANGUAGE = "zh-CN"
GENERATOR = "aggregator"
ALL_TITLE = "全部新闻"
#: Category file stems that would collide with the exporter's own files.
RESERVED_STEMS = {"all"}
FORMATS = ("xml", "atom", "json")


@dataclass
class ExportReport:
    """What :func:`aggregator.export.export_all` did.

    Fields:
        files_written: number of files created or replaced.
        files_unchanged: number of files whose bytes were already right (left untouched).
        bytes_written: total size of the files written.
        feeds: file stems of every feed exported (``all``, ``<category>``,
            ``source/<name>``, ``feed/<name>``), in the order of ``index.opml``.
        warnings: one line each, for the user (e.g. no ``--base-url``).
        paths_written: absolute paths of the files written (feeds and Jekyll posts).
    """

    files_written: int = 0
    files_unchanged: int = 0
    bytes_written: int = 0
    feeds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    paths_written: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entry:
    """One article as every feed format shows it (values already XML-safe)."""

    article_id: int
    guid: str
    url: str
    title: str
    published: datetime
    updated: datetime
    author: str
    source: str
    spider: str
    spider_title: str
    categories: tuple[tuple[str, str], ...]
    content_html: str
    body_html: str
    summary: str
    origin_url: str | None


@dataclass
class Feed:
    """One feed (category, source, all or custom) with its entries, newest first."""

    kind: str
    name: str
    title: str
    description: str
    stem: str
    html_url: str
    entries: list[Entry]
    feed_id: str
    self_urls: dict[str, str] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)   # article ids of the entries, newest first

    @property
    def updated(self) -> datetime:
        """Newest ``updated`` of its entries (never "now")."""
        return max((e.updated for e in self.entries), default=EMPTY_FEED_DATE)

    @property
    def published(self) -> datetime:
        """Newest ``published`` of its entries."""
        return max((e.published for e in self.entries), default=EMPTY_FEED_DATE)

    def path(self, fmt: str) -> str:
        """Relative file path of this feed in format ``fmt`` (``xml``, ``atom``, ``json``)."""
        return f"{self.stem}.{fmt}"


def item_id(key: str) -> str:
    """Stable item id: ``urn:uuid:`` of uuid5(URL namespace, the article's url_key)."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, key)}"


def parse_ts(value: str | None) -> datetime | None:
    """An archive timestamp as an aware UTC datetime (naive values are UTC), or None."""
    dt = parse_iso(value)
    if dt is None:
        return None
    try:
        return dt.astimezone(timezone.utc).replace(microsecond=0)
    except (OverflowError, ValueError):
        return None


def to_display(dt: datetime) -> datetime:
    """The instant ``dt`` in Beijing time (+08:00), which every export prints."""
    return dt.astimezone(DISPLAY_TZ)


def summarize(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    """Plain-text summary: the text on one line, cut to ``limit`` characters with "…"."""
    flat = collapse_ws(" ".join((text or "").splitlines()))
    if len(flat) > limit:
        flat = flat[:limit].rstrip() + "…"
    return flat


_URL_OK = ("http", "https")


def _abs(base: str, value: str | None, schemes=_URL_OK + ("mailto",)) -> str | None:
    return resolve_url(base, value, schemes)


def prepare_body(html: str | None, base_url: str, sanitised: bool = False) -> str:
    """Article HTML made safe for every feed: the allow-list sanitiser again
    (:func:`aggregator.normalize.sanitize_html`), XML-legal characters only, absolute
    http(s) link and image URLs (resolved against the article URL),
    ``referrerpolicy="no-referrer"`` on every image. The archive's body is sanitised
    already; this is belt and braces for rows written by older versions or other tools
    (readers render this HTML, so a script in it would run in the reader).
    ``sanitised``: the row was made by the current sanitiser (``sanitizer_version``), so
    the allow-list pass is skipped (it is idempotent); the URL rules still apply."""
    html = xml_safe(html) if sanitised else sanitize_html(xml_safe(html), base_url)
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return ""
    for img in list(root.iter("img")):
        src = _abs(base_url, img.get("src"), _URL_OK)
        if not src:
            img.drop_tree()
            continue
        img.set("src", src)
        img.set("referrerpolicy", "no-referrer")
    for a in root.iter("a"):
        if a.get("href") is not None:
            href = _abs(base_url, a.get("href"))
            if href:
                a.set("href", href)
            else:
                del a.attrib["href"]
    out = lxml.html.tostring(root, encoding="unicode")
    return xml_safe(out[out.find(">") + 1: out.rfind("<")].strip())


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def content_footer(source: str, url: str, origin_url: str | None) -> str:
    """The line appended to every item's HTML: the publisher and the original article."""
    parts = []
    if source:
        parts.append(f"来源：{_esc(source)}")
    if origin_url and origin_url != url:
        parts.append(f'<a href="{_esc(origin_url)}">阅读原文</a>')
    else:
        parts.append(f'<a href="{_esc(url)}">原文链接</a>')
    return '<p class="aggregator-source">' + "｜".join(parts) + "</p>"


# --- reading the archive ----------------------------------------------------------------

_ENTRY_COLUMNS = (
    "id, url, url_key, title, published, source, author, category, spider, body_html, "
    "body_text, origin_url, fetched_at, first_seen_at, updated_at, duplicate_of"
)


@dataclass
class ArchiveView:
    """Categories, sources and article queries of one archive, for the exporter."""

    conn: sqlite3.Connection
    db_path: str
    categories: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    _entries: dict[int, Entry] = field(default_factory=dict)
    _light: dict[int, Entry] = field(default_factory=dict)
    _urls: dict[int, str] = field(default_factory=dict)
    _columns: frozenset = frozenset()
    _keys: dict | None = None
    _has_links: bool = False
    _entry_columns: str = _ENTRY_COLUMNS

    @classmethod
    def open(cls, db_path: str | Path) -> "ArchiveView":
        """Open ``db_path`` read-only and load the categories and sources tables."""
        conn = connect_readonly(db_path)
        view = cls(conn=conn, db_path=str(db_path))
        view._has_links = has_table(conn, "article_categories")
        view._columns = frozenset(r[1] for r in conn.execute("PRAGMA table_info(articles)"))
        if has_column(conn, "articles", "sanitizer_version"):
            view._entry_columns = _ENTRY_COLUMNS + ", sanitizer_version"
        else:   # an archive not upgraded yet: every body is sanitised again
            view._entry_columns = _ENTRY_COLUMNS + ", NULL AS sanitizer_version"
        for r in conn.execute("SELECT slug, name FROM categories"):
            if r["slug"]:
                view.categories[r["slug"]] = xml_safe(collapse_ws(r["name"])) or r["slug"]
        for r in conn.execute("SELECT * FROM sources"):
            if r["name"]:
                view.sources[r["name"]] = dict(r)
        # Values used by articles but missing from the lookup tables still get feeds.
        for (slug,) in conn.execute("SELECT DISTINCT category FROM articles WHERE category IS NOT NULL AND category != ''"):
            view.categories.setdefault(slug, slug)
        if view._has_links:
            for (slug,) in conn.execute("SELECT DISTINCT category FROM article_categories WHERE category IS NOT NULL AND category != ''"):
                view.categories.setdefault(slug, slug)
        for (name,) in conn.execute("SELECT DISTINCT spider FROM articles WHERE spider IS NOT NULL AND spider != ''"):
            view.sources.setdefault(name, {"name": name, "title": name})
        return view

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- selection --

    def select_ids(self, where: str = "1", params: Sequence = (), *, limit: int | None, since: datetime | None,
                   ids: set[int] | None = None, oldest_first: bool = False) -> list[int]:
        """Ids of the articles matching the SQL ``where`` clause (alias ``a``), newest first.

        Dates are compared as parsed instants, not strings; an undated article sorts by
        when it was first seen. Ties are broken by URL, so the order never depends on
        insertion order. ``limit`` keeps the newest, ``since`` drops older ones.
        """
        keys = self._sort_keys()
        keyed = []
        for (aid,) in self.conn.execute(f"SELECT a.id FROM articles a WHERE {where}", tuple(params)):
            if ids is not None and aid not in ids:
                continue
            key = keys.get(aid)
            if key is None:   # written while we read (WAL): not part of this export
                continue
            if since is not None and key[0] < since.timestamp():
                continue
            keyed.append((-key[0], key[1], aid))
        keyed.sort()
        if limit is not None:
            keyed = keyed[:limit]
        if oldest_first:
            keyed.sort(key=lambda k: (-k[0], k[1]))
        for _, url, aid in keyed:
            self._urls[aid] = url
        return [k[2] for k in keyed]

    def _sort_keys(self) -> dict[int, tuple[float, str]]:
        """Per article id: (its date as a timestamp, its URL), parsed once per export."""
        if self._keys is None:
            self._keys = {}
            for aid, url, published, first_seen, fetched in self.conn.execute(
                f"SELECT id, url, published, {self._col('first_seen_at')}, {self._col('fetched_at')} FROM articles"
            ):
                when = parse_ts(published) or parse_ts(first_seen) or parse_ts(fetched) or EMPTY_FEED_DATE
                self._keys[aid] = (when.timestamp(), url or "")
        return self._keys

    def select(self, where: str = "1", params: Sequence = (), *, limit: int | None, since: datetime | None,
               ids: set[int] | None = None) -> list[Entry]:
        """Newest-first entries of the articles matching ``where`` (see :meth:`select_ids`)."""
        return self.entries(self.select_ids(where, params, limit=limit, since=since, ids=ids))

    def entries(self, ids: Iterable[int], cache: bool = True, light: bool = False) -> list[Entry]:
        """Entries for article ids, in the given order (cached unless ``cache`` is False).

        ``light``: without the body (``body_html``, ``content_html`` empty), which is all
        ``index.html`` and ``index.opml`` need, at a fraction of the cost."""
        ids = list(ids)
        store = self._light if light else self._entries
        found: dict[int, Entry] = {i: self._entries.get(i) or store[i] for i in ids
                                   if i in self._entries or i in store}
        todo = [i for i in ids if i not in found]
        for chunk in range(0, len(todo), 500):
            part = todo[chunk: chunk + 500]
            marks = ",".join("?" * len(part))
            links: dict[int, list[str]] = {}
            if self._has_links:
                for r in self.conn.execute(
                    f"SELECT article_id, category FROM article_categories WHERE article_id IN ({marks})", part
                ):
                    links.setdefault(r["article_id"], []).append(r["category"])
            columns = self._entry_columns
            if light:   # the texts only where the title must be made from them
                columns = columns.replace("body_html,", "CASE WHEN trim(coalesce(title, '')) = '' "
                                          "THEN body_html END AS body_html,")
                columns = columns.replace("body_text,", "CASE WHEN trim(coalesce(title, '')) = '' "
                                          "THEN body_text END AS body_text,")
            for r in self.conn.execute(f"SELECT {columns} FROM articles WHERE id IN ({marks})", part):
                found[r["id"]] = self._entry(r, links.get(r["id"], []), light)
        if cache:
            store.update({i: e for i, e in found.items() if i not in self._entries})
        return [found[i] for i in ids if i in found]

    def signatures(self, ids: Iterable[int]) -> dict[int, tuple]:
        """Per article id, every value its feed entry is made from (the entry changes only
        when this tuple does): row values, its category links, and the sanitiser version."""
        ids = sorted(set(ids))
        out: dict[int, tuple] = {}
        col = self._col
        # the content hash stands for title and body; an archive without one: the texts themselves
        body = "NULL" if "content_hash" in self._columns else "body_text, body_html"
        for chunk in range(0, len(ids), 900):
            part = ids[chunk: chunk + 900]
            marks = ",".join("?" * len(part))
            links: dict[int, list[str]] = {}
            if self._has_links:
                for aid, cat in self.conn.execute(
                    f"SELECT article_id, category FROM article_categories WHERE article_id IN ({marks})", part
                ):
                    links.setdefault(aid, []).append(cat)
            for r in self.conn.execute(
                f"SELECT id, url, {col('url_key')}, {col('content_hash')}, title, {col('updated_at')}, "
                f"{col('first_seen_at')}, published, source, author, category, spider, {col('origin_url')}, "
                f"CASE WHEN published IS NULL AND {col('first_seen_at')} IS NULL THEN {col('fetched_at')} END, "
                f"{col('sanitizer_version')}, {body} FROM articles WHERE id IN ({marks})", part
            ):
                out[r[0]] = (*tuple(r)[1:], tuple(sorted(links.get(r[0], ()))))
        return out

    def change_marker(self) -> tuple:
        """A cheap summary that changes whenever what feeds are made from changes.

        An archive of schema 6 or later counts those changes itself (``content_version``,
        kept by triggers for every client): one row. Older archives: counts and newest
        timestamps of the articles (a scan), which notice what this project writes."""
        version = None
        if has_table(self.conn, "_aggregator_meta"):
            row = self.conn.execute("SELECT value FROM _aggregator_meta WHERE key = 'content_version'").fetchone()
            version = row[0] if row else None
        if version is not None:
            row = ("content_version", version)
        else:
            col = self._col
            row = tuple(self.conn.execute(
                f"SELECT count(*), max(id), max({col('updated_at')}), max({col('first_seen_at')}), "
                f"max({col('fetched_at') if 'updated_at' not in self._columns else 'NULL'}) FROM articles"
            ).fetchone())
            row += (self.conn.execute("SELECT count(*) FROM article_categories").fetchone()[0]
                    if self._has_links else 0,)
        # what feeds show of a source (not its crawl times, which change with every run)
        sources = sorted((k, [v.get(c) for c in ("title", "category", "start_urls", "config")])
                         for k, v in self.sources.items())
        return (row, sorted(self.categories.items()), sources)

    def _col(self, name: str) -> str:
        """``name`` when the archive's articles table has that column, else ``NULL``."""
        return name if name in self._columns else "NULL"

    def url_of(self, article_id: int) -> str:
        """URL of an article seen by :meth:`select_ids`."""
        return self._urls.get(article_id, "")

    def _entry(self, r: sqlite3.Row, linked: list[str], light: bool = False) -> Entry:
        url = r["url"]
        published = parse_ts(r["published"]) or parse_ts(r["first_seen_at"]) or parse_ts(r["fetched_at"]) or EMPTY_FEED_DATE
        # An article counts as updated only when the archive revised it after first storing
        # it (updated_at later than first_seen_at); storing it is not an update, else every
        # article of one crawl would share the crawl's time as its Atom <updated>.
        changed, first_seen = parse_ts(r["updated_at"]), parse_ts(r["first_seen_at"])
        revised = changed if changed and (first_seen is None or changed > first_seen) else None
        updated = max(published, revised or published)
        slugs = [r["category"]] if r["category"] else []
        slugs += sorted(set(s for s in linked if s and s not in slugs))
        cats = tuple((s, self.categories.get(s, s)) for s in slugs)
        spider = r["spider"] or ""
        spider_title = xml_safe(collapse_ws((self.sources.get(spider) or {}).get("title") or spider))
        source = xml_safe(collapse_ws(r["source"])) or spider_title
        origin = r["origin_url"] if _abs("", r["origin_url"], _URL_OK) else None
        # light entries skip the body, unless a missing title must be made from it
        body = "" if light and (r["body_text"] or not r["body_html"]) else prepare_body(r["body_html"], url, sanitised=r["sanitizer_version"] == SANITIZER_VERSION)
        summary = summarize(r["body_text"] or html_to_text(body))
        title = xml_safe(collapse_ws(r["title"])) or summarize(summary, 30) or url
        return Entry(
            article_id=r["id"],
            guid=item_id(r["url_key"] or url_key(url)),
            url=url,
            title=title,
            published=published,
            updated=updated,
            author=xml_safe(collapse_ws(r["author"])),
            source=source,
            spider=spider,
            spider_title=spider_title,
            categories=cats,
            content_html="" if light else (body + "\n" if body else "") + content_footer(source, url, origin),
            body_html=body,
            summary=summary,
            origin_url=origin,
        )

    def search_ids(self, query: str) -> tuple[set[int], str | None]:
        """Article ids matching a full-text ``query`` and a warning when falling back.

        Uses ``aggregator.archive.Archive.search`` (the archive's FTS index, good for
        Chinese) when available; otherwise every white-space separated term must occur
        in the title or body text (SQL ``instr``).
        """
        try:
            with Archive(self.db_path, readonly=True) as archive:
                hits = archive.search(query, limit=1_000_000)
        except (ArchiveError, sqlite3.Error):
            # an archive without its full-text index (older, or not made by this project)
            hits = None
        if hits is not None:
            ids: set[int] = set()
            urls = []
            for h in hits:
                h = dict(h)
                if isinstance(h.get("id"), int):
                    ids.add(h["id"])
                elif h.get("url"):
                    urls.append(h["url"])
            for chunk in range(0, len(urls), 500):
                part = urls[chunk: chunk + 500]
                marks = ",".join("?" * len(part))
                ids.update(r[0] for r in self.conn.execute(f"SELECT id FROM articles WHERE url IN ({marks})", part))
            return ids, None
        terms = [t for t in query.split() if t]
        where = " AND ".join("(instr(title, ?) > 0 OR instr(body_text, ?) > 0)" for _ in terms) or "1"
        params = [p for t in terms for p in (t, t)]
        found = {r[0] for r in self.conn.execute(f"SELECT id FROM articles WHERE {where}", params)}
        return found, "full-text search unavailable (aggregator.archive.Archive.search); custom feeds match query terms as substrings"


# --- which feeds exist --------------------------------------------------------------------


def _unique(stem: str, used: set[str]) -> str:
    candidate, n = stem, 2
    while candidate in used:
        candidate, n = f"{stem}-{n}", n + 1
    used.add(candidate)
    return candidate


def _first_url(value) -> str | None:
    if not value:
        return None
    try:
        urls = json.loads(value) if isinstance(value, str) else list(value)
    except (ValueError, TypeError):
        urls = [value]
    for u in urls if isinstance(urls, list) else [urls]:
        if isinstance(u, str) and _abs("", u, _URL_OK):
            return u
    return None


def source_site(row: dict) -> str | None:
    """The human web page of a source: its first start URL, or a Jekyll source's site."""
    url = _first_url(row.get("start_urls"))
    if url:
        return url
    try:
        config = json.loads(row.get("config") or "{}")
    except (ValueError, TypeError):
        config = {}
    site = config.get("site") if isinstance(config, dict) else None
    return site if isinstance(site, str) and _abs("", site, _URL_OK) else None


def feed_self_urls(base_url: str | None, stem: str) -> dict[str, str]:
    """Absolute URLs of a feed's three files under ``base_url`` (empty without one)."""
    if not base_url:
        return {}
    return {fmt: urljoin(base_url, f"{stem}.{fmt}") for fmt in FORMATS}


def normalize_base_url(base_url: str | None) -> str | None:
    """``base_url`` with a trailing slash (so relative names resolve inside it), or None."""
    if not base_url or not base_url.strip():
        return None
    base = base_url.strip()
    if not re.match(r"^https?://[^/]", base, re.I):
        raise AggregatorError(f"--base-url must be an absolute http(s) URL, not {base_url!r}")
    return base if base.endswith("/") else base + "/"


def fallback_home(urls: Iterable[str], base_url: str | None) -> str:
    """A page for people when nothing better is known: the index, or the newest item's site."""
    if base_url:
        return urljoin(base_url, "index.html")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in _URL_OK and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return "http://localhost/"


def as_cross_listed(entry: Entry, slug: str) -> Entry:
    """``entry`` as category ``slug``'s feed shows it.

    An article listed in a second category keeps its own id in its first category's feed
    and gets an id of its own (stable: derived from both) in the other one. Readers such
    as newsboat keep one item per id across all feeds, so with one shared id the copy
    would vanish from one of the two feeds, and a category made only of cross-listed
    articles would look empty in the reader although its file has items.
    """
    if not entry.categories or entry.categories[0][0] == slug:
        return entry
    return replace(entry, guid=item_id(f"{entry.guid} in category {slug}"))


def build_feeds(view: ArchiveView, *, base_url: str | None, now: datetime, limit: int | None,
                days: float | None, custom: Sequence = ()) -> tuple[list[Feed], list[str]]:
    """Every feed of the archive, in index order: all, categories, sources, custom feeds.

    Feeds come with their article ``ids`` (newest first) and no entries yet:
    :meth:`ArchiveView.entries` makes them for the feeds that are rendered.

    File names: ``all.*``; ``<category>.*`` at the top (a category slug ``all`` becomes
    ``all-category``); ``source/<name>.*``; ``feed/<name>.*``. Names that are not safe
    stems are re-slugged; two names that end up equal get ``-2``, ``-3``.
    Returns the feeds and notes for the log (one line each).
    """
    warnings: list[str] = []
    since = (now - timedelta(days=days)) if days else None
    feeds: list[Feed] = []

    def make(kind, name, title, description, stem, html_url, ids, anchor=None):
        if not html_url and base_url and anchor:
            html_url = urljoin(base_url, f"index.html#{anchor}")
        urls = feed_self_urls(base_url, stem)
        fid = urls["atom"] if urls else item_id(f"aggregator-feed:{stem}")
        feeds.append(Feed(kind=kind, name=name, title=title, description=description, stem=stem,
                          html_url=html_url or fallback_home(map(view.url_of, ids), base_url), entries=[],
                          feed_id=fid, self_urls=urls, ids=ids))

    not_dup = "a.duplicate_of IS NULL"
    ids = view.select_ids(not_dup, limit=limit, since=since)
    make("all", "all", ALL_TITLE, "所有来源的最新新闻", "all", None, ids)

    used_top = {"all", "index"}
    by_category: dict[str, list[str]] = {}
    for name, row in view.sources.items():
        if row.get("category"):
            by_category.setdefault(row["category"], []).append(name)
    for slug in sorted(view.categories):
        name = view.categories[slug]
        stem = safe_name(slug)
        if stem in RESERVED_STEMS:
            stem = f"{stem}-category"
        stem = _unique(stem, used_top)
        where = f"{not_dup} AND (a.category = ?"
        params = [slug]
        if view._has_links:
            where += " OR a.id IN (SELECT article_id FROM article_categories WHERE category = ?)"
            params.append(slug)
        where += ")"
        ids = view.select_ids(where, params, limit=limit, since=since)
        own = by_category.get(slug, [])
        if base_url:
            home = urljoin(base_url, f"index.html#cat-{stem}")
        else:
            home = source_site(view.sources[own[0]]) if len(own) == 1 else None
        make("category", slug, name, f"分类“{name}”的最新新闻", stem, home, ids)

    used_src: set[str] = set()
    for name in sorted(view.sources):
        row = view.sources[name]
        title = xml_safe(collapse_ws(row.get("title"))) or name
        stem = "source/" + _unique(safe_name(name), used_src)
        # a source feed keeps syndicated copies: it is that site's own view
        ids = view.select_ids("a.spider = ?", [name], limit=limit, since=since)
        make("source", name, title, f"来源“{title}”的最新新闻", stem, source_site(row), ids,
             anchor="src-" + stem.rsplit("/", 1)[-1])

    used_custom: set[str] = set()
    search_warned = False
    for fd in custom:
        where, params = [not_dup], []
        if fd.categories:
            by_name = {v: k for k, v in view.categories.items()}
            cats = [c if c in view.categories else by_name.get(c, slugify(c)) for c in fd.categories]
            marks = ",".join("?" * len(cats))
            clause = f"a.category IN ({marks})"
            params += cats
            if view._has_links:
                clause += f" OR a.id IN (SELECT article_id FROM article_categories WHERE category IN ({marks}))"
                params += cats
            where.append(f"({clause})")
        if fd.sources:
            by_title = {(row.get("title") or ""): n for n, row in view.sources.items()}
            names = [s if s in view.sources else by_title.get(s, s) for s in fd.sources]
            marks = ",".join("?" * len(names))
            where.append(f"a.spider IN ({marks})")
            params += names
        if fd.include:
            where.append("(" + " OR ".join("instr(a.title, ?) > 0 OR instr(a.body_text, ?) > 0" for _ in fd.include) + ")")
            params += [p for k in fd.include for p in (k, k)]
        for k in fd.exclude:
            where.append("NOT (instr(COALESCE(a.title, ''), ?) > 0 OR instr(COALESCE(a.body_text, ''), ?) > 0)")
            params += [k, k]
        ids = None
        if fd.query:
            ids, warning = view.search_ids(fd.query)
            if warning and not search_warned:
                warnings.append(warning)
                search_warned = True
        fd_days = fd.days if fd.days is not None else days
        ids = view.select_ids(" AND ".join(where), params, ids=ids,
                              limit=fd.limit if fd.limit is not None else limit,
                              since=(now - timedelta(days=fd_days)) if fd_days else None)
        stem = "feed/" + _unique(safe_name(fd.name), used_custom)
        title = xml_safe(collapse_ws(fd.title)) or fd.name
        desc = f"自定义订阅“{title}”" + (f"（检索：{xml_safe(fd.query)}）" if fd.query else "")
        make("custom", fd.name, title, desc, stem, None, ids, anchor="feed-" + stem.rsplit("/", 1)[-1])
    return feeds, warnings
