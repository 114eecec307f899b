"""Writing the archive: sources, categories, article upserts, links, crawl runs, validators.

Rules for storing an :class:`~aggregator.items.Article` (docs/archive.md "Storing articles"):
upsert by ``url_key``, revisions, category links, syndicated duplicates.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Mapping

from aggregator import search as fts
from aggregator.archive.base import ArchiveBase
from aggregator.archive.schema import _JSON_RUN_COLUMNS, CRAWL_RUN_COLUMNS
from aggregator.errors import ArchiveError
from aggregator.items import Article
from aggregator.normalize import canonical_url, content_hash, url_key
from aggregator.project import iso_utc, utc_now_iso
from aggregator.search import PreparedText


def _prepared(art: Any, body: str) -> PreparedText:
    """The article's PreparedText when it was made from exactly ``body``, else made now."""
    pre = art.prepared_text
    return pre if isinstance(pre, PreparedText) and pre.text == body else PreparedText.of(body)


_NOT_CONFIG = ("name", "title", "type", "category", "start_urls")


def _source_config(src: Any) -> dict:
    """What ``sources.config`` keeps of a source: its data minus the columns of its own."""
    return {k: v for k, v in src.to_data().items() if k not in _NOT_CONFIG}


class StoreMixin(ArchiveBase):
    """The writes (and the look-ups the crawl makes) of :class:`aggregator.archive.Archive`."""

    # -- sources and categories ---------------------------------------------------------

    def ensure_category(self, slug: str | None, name: str | None = None) -> None:
        """Make sure ``categories`` has ``slug``; a real ``name`` (not the slug) replaces a placeholder."""
        if not slug:
            return
        with self._write():
            self._ensure_category(slug, name)

    def _ensure_category(self, slug: str, name: str | None) -> None:
        name = (name or "").strip() or None
        if slug in self._known_categories:
            known = self._known_categories[slug]
            if not name or name == slug or name == known:
                return
        row = self.db.execute("SELECT name FROM categories WHERE slug = ?", [slug]).fetchone()
        if row is None:
            self.db.execute("INSERT INTO categories(slug, name) VALUES (?, ?)", [slug, name or slug])
            self._known_categories[slug] = name or slug
        elif name and name != slug and name != row[0]:
            self.db.execute("UPDATE categories SET name = ? WHERE slug = ?", [name, slug])
            self._known_categories[slug] = name
        else:
            self._known_categories[slug] = row[0]

    def _ensure_source(self, name: str, now: str) -> None:
        if not name or name in self._known_sources:
            return
        self.db.execute(
            "INSERT OR IGNORE INTO sources(name, title, added_at) VALUES (?, ?, ?)", [name, name, now]
        )
        self._known_sources.add(name)

    def upsert_sources(self, sources: Iterable[Any]) -> None:
        """Insert or update ``sources`` rows from :class:`~aggregator.sources.Source` objects.

        ``added_at`` is kept from the first time; rows are only written when something
        changed. Each source's category gets a ``categories`` row (name: ``category_name``,
        else the source title).
        """
        now = utc_now_iso()
        with self._write():
            for src in sources:
                row = {
                    "title": src.title,
                    "type": src.type,
                    "category": src.category or None,
                    "start_urls": json.dumps(list(src.start_urls), ensure_ascii=False),
                    "config": json.dumps(_source_config(src), ensure_ascii=False, sort_keys=True, default=str),
                }
                if src.category:
                    self._ensure_category(src.category, getattr(src, "category_name", None) or src.title)
                old = self.db.execute(
                    "SELECT title, type, category, start_urls, config FROM sources WHERE name = ?", [src.name]
                ).fetchone()
                if old is None:
                    self.db.execute(
                        "INSERT INTO sources(name, title, type, category, start_urls, config, added_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [src.name, *row.values(), now],
                    )
                elif tuple(old) != tuple(row.values()):
                    self.db.execute(
                        "UPDATE sources SET title = ?, type = ?, category = ?, start_urls = ?, config = ? WHERE name = ?",
                        [*row.values(), src.name],
                    )
                self._known_sources.add(src.name)

    # -- articles -------------------------------------------------------------------------

    def store_articles(self, articles: Iterable[Article], *, now: str | datetime | None = None) -> list[str]:
        """Store a batch of articles in one transaction; ``'new'|'updated'|'unchanged'`` per article.

        Rules (docs/archive.md "Storing articles"):

        * Identity is ``url_key(url)``: http/https, ``www.``, ``index.html``, trailing
          slash and tracking-parameter variants are one article. ``url`` keeps the URL
          first stored.
        * Unchanged (same ``content_hash`` and no new ``published``, ``source``,
          ``author`` or ``origin_url``): nothing changes except ``fetched_at``, which
          records the last fetch.
        * Title or body changed: the previous title/body go to ``article_revisions``, the
          row is updated, ``updated_at`` = now. Empty new values never overwrite stored
          ones, and a guessed ``published`` never replaces a stored date.
        * Every article is linked to ``category`` and every entry of ``categories``
          (``article_categories``); missing ``categories``/``sources`` rows are created.
        * A new article whose body fingerprint equals an earlier article's gets
          ``duplicate_of`` = the earliest copy's id (see :func:`body_fingerprint`).
        """
        batch = list(articles)
        if not batch:
            return []
        for art in batch:
            if not art.url:
                raise ArchiveError(f"cannot store an article without url (title {art.title!r})")
        now = iso_utc(now) if now else utc_now_iso()
        outcomes: list[str] = []
        texts: dict[int, tuple] = {}  # id -> folded (title, body, body columns) to index
        with self._write():
            for art in batch:
                outcome, row_id, stored = self._store_one(art, now)
                outcomes.append(outcome)
                for alias in getattr(art, "aliases", None) or ():
                    key = url_key(alias)
                    if key and key != url_key(art.url):
                        self.db.execute("INSERT OR IGNORE INTO url_aliases(url_key, article_id, url) VALUES (?, ?, ?)",
                                        [key, row_id, alias])
                if stored is not None:
                    texts[row_id] = stored
            self._drain_queue(texts)
        return outcomes

    def _store_one(self, art: Article, now: str) -> tuple[str, int, tuple[str, str] | None]:
        """Upsert one article; returns (outcome, id, folded (title, body_text) when they changed)."""
        conn = self.db.conn
        url = canonical_url(art.url)
        key = url_key(url)
        category = art.category or None
        if category:
            self._ensure_category(category, art.category_name)
        spider = art.spider or None
        if spider:
            self._ensure_source(spider, now)
        chash = art.content_hash or content_hash(art.title, art.body_text)
        fetched = art.fetched_at or now
        old = conn.execute(
            "SELECT id, title, content_hash, published, published_guessed, source, author, origin_url "
            "FROM articles WHERE url_key = ?",
            [key],
        ).fetchone()
        if old is None:
            title, body = art.title or "", art.body_text or ""
            pre = _prepared(art, body)
            fp = pre.fingerprint
            dup = None
            if fp is not None:
                hit = conn.execute(
                    "SELECT id, duplicate_of FROM articles WHERE body_fingerprint = ? ORDER BY id LIMIT 1", [fp]
                ).fetchone()
                if hit:
                    dup = hit[1] or hit[0]
            row_id = conn.execute(
                "INSERT INTO articles(url, url_key, title, published, published_guessed, published_from, source, "
                "author, category, spider, origin_url, fetched_at, first_seen_at, updated_at, content_hash, "
                "duplicate_of, body_text, body_html, body_fingerprint, sanitizer_version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [url, key, title, art.published, int(bool(art.published_guessed)), art.published_from,
                 art.source, art.author, category, spider, art.origin_url, fetched, now, now, chash, dup, body,
                 art.body_html or "", fp, art.sanitizer_version if art.body_html else None],
            ).lastrowid
            self._link(row_id, category, art.categories)
            return "new", row_id, (fts.fold(title), pre.folded, pre.columns)

        row_id, o_title, o_hash, o_pub, o_guessed, o_source, o_author, o_origin = old
        changes: dict[str, Any] = {}
        stored = None
        if chash != o_hash:
            o_text, o_html = conn.execute("SELECT body_text, body_html FROM articles WHERE id = ?", [row_id]).fetchone()
            title = art.title or o_title
            body_text = art.body_text or o_text
            body_html = (art.body_html or "") if art.body_text else o_html
            if (title, body_text) != (o_title, o_text):
                new_hash = chash if (title, body_text) == (art.title, art.body_text) else content_hash(title, body_text)
                conn.execute(
                    "INSERT INTO article_revisions(article_id, title, body_html, body_text, content_hash, replaced_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [row_id, o_title, o_html, o_text, o_hash, now],
                )
                pre = _prepared(art, body_text)
                changes.update(title=title, body_text=body_text, body_html=body_html, content_hash=new_hash,
                               body_fingerprint=pre.fingerprint)
                if art.body_text:   # the body is the new one: so is the sanitiser that made it
                    changes["sanitizer_version"] = art.sanitizer_version if body_html else None
                stored = (fts.fold(title), pre.folded, pre.columns)
            else:
                # same text under another hash (hash rule changed): remember the new hash quietly
                conn.execute("UPDATE articles SET content_hash = ? WHERE id = ?", [chash, row_id])
        if art.published and (not art.published_guessed or o_pub is None):
            if (art.published, int(bool(art.published_guessed))) != (o_pub, o_guessed):
                changes.update(published=art.published, published_guessed=int(bool(art.published_guessed)),
                               published_from=art.published_from)
        for column, value, before in (("source", art.source, o_source), ("author", art.author, o_author),
                                      ("origin_url", art.origin_url, o_origin)):
            if value and value != before:
                changes[column] = value
        if changes:
            changes.update(fetched_at=fetched, updated_at=now)
            sets = ", ".join(f"{c} = ?" for c in changes)
            conn.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*changes.values(), row_id])
            outcome = "updated"
        else:
            conn.execute("UPDATE articles SET fetched_at = ? WHERE id = ?", [fetched, row_id])
            outcome = "unchanged"
        self._link(row_id, category, art.categories)
        return outcome, row_id, stored

    def _link(self, row_id: int, category: str | None, categories: Iterable[str] = ()) -> None:
        slugs = [category] if category else []
        slugs += [c for c in (categories or ()) if c and c not in slugs]
        for slug in slugs:
            self._ensure_category(slug, None)
            self.db.conn.execute(
                "INSERT OR IGNORE INTO article_categories(article_id, category) VALUES (?, ?)", [row_id, slug]
            )

    def link_category(self, url: str, category: str, category_name: str | None = None) -> bool:
        """Link the stored article at ``url`` (any URL variant) to ``category``; False if unknown."""
        if not category:
            return self.lookup(url) is not None
        key = url_key(url)
        with self._write():
            row = self.db.execute("SELECT id FROM articles WHERE url_key = ?", [key]).fetchone()
            if row is None:
                return False
            self._ensure_category(category, category_name)
            self.db.execute(
                "INSERT OR IGNORE INTO article_categories(article_id, category) VALUES (?, ?)", [row[0], category]
            )
        return True

    def lookup(self, url: str) -> dict | None:
        """The stored article at ``url`` (by url_key) as a dict, or None.

        Keys: id, url, title, categories (list), fetched_at, published, first_seen_at,
        updated_at, content_hash, spider, duplicate_of.
        """
        key = url_key(url)
        cols = ("SELECT id, url, title, fetched_at, published, first_seen_at, updated_at, content_hash, spider, "
                "duplicate_of, category FROM articles ")
        row = self.db.execute(cols + "WHERE url_key = ?", [key]).fetchone()
        if row is None:
            # an old URL that redirected to a stored article
            row = self.db.execute(cols + "WHERE id = (SELECT article_id FROM url_aliases WHERE url_key = ?)",
                                  [key]).fetchone()
        if row is None:
            return None
        keys = ("id", "url", "title", "fetched_at", "published", "first_seen_at", "updated_at", "content_hash",
                "spider", "duplicate_of")
        out = dict(zip(keys, row))
        cats = [r[0] for r in self.db.execute(
            "SELECT category FROM article_categories WHERE article_id = ? ORDER BY category", [row[0]]
        )]
        if row[10] and row[10] not in cats:
            cats.insert(0, row[10])
        elif row[10]:
            cats.remove(row[10])
            cats.insert(0, row[10])
        out["categories"] = cats
        return out

    # -- crawl runs and validators -----------------------------------------------------------

    def record_run(self, run: Mapping[str, Any]) -> int:
        """Insert a ``crawl_runs`` row; returns its id.

        JSON columns (dropped, error_kinds, coverage, stats) take dicts or JSON text; keys
        that are not columns are kept inside ``stats``. Also sets the source's
        ``last_crawl_at`` and, for status ``ok``, ``last_success_at``.
        """
        if not run.get("spider"):
            raise ArchiveError("a crawl run needs a spider name")
        row: dict[str, Any] = {c: run.get(c) for c in CRAWL_RUN_COLUMNS}
        extra = {k: v for k, v in run.items() if k not in CRAWL_RUN_COLUMNS and k != "id"}
        if extra:
            stats = row["stats"]
            stats = json.loads(stats) if isinstance(stats, str) and stats else dict(stats or {})
            stats.update(extra)
            row["stats"] = stats
        for column in _JSON_RUN_COLUMNS:
            value = row[column]
            if value is not None and not isinstance(value, str):
                row[column] = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        now = utc_now_iso()
        when = row["finished_at"] or row["started_at"] or now
        with self._write():
            self._ensure_source(row["spider"], now)
            run_id = self.db.conn.execute(
                f"INSERT INTO crawl_runs({', '.join(CRAWL_RUN_COLUMNS)}) VALUES ({', '.join('?' * len(CRAWL_RUN_COLUMNS))})",
                list(row.values()),
            ).lastrowid
            self.db.execute("UPDATE sources SET last_crawl_at = ? WHERE name = ?", [when, row["spider"]])
            if row["status"] == "ok":
                self.db.execute("UPDATE sources SET last_success_at = ? WHERE name = ?", [when, row["spider"]])
        return run_id

    def find_run(self, spider: str, run_id: str) -> dict | None:
        """The ``crawl_runs`` row of a scale-out run (``stats["aggregator/run_id"]``), or None."""
        row = self.db.execute(
            "SELECT id, stats, started_at, finished_at, finish_reason FROM crawl_runs "
            "WHERE spider = ? AND json_extract(stats, '$.\"aggregator/run_id\"') = ?", [spider, run_id]).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "stats", "started_at", "finished_at", "finish_reason"), row))

    def update_run(self, run_id: int, row: Mapping[str, Any]) -> None:
        """Replace the columns of ``crawl_runs`` row ``run_id`` (and the source's crawl times),
        as :meth:`record_run` does for a new row."""
        cols = {c: row[c] for c in CRAWL_RUN_COLUMNS if c in row}
        for column in _JSON_RUN_COLUMNS:
            value = cols.get(column)
            if value is not None and not isinstance(value, str):
                cols[column] = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        spider = cols.get("spider") or self.db.execute("SELECT spider FROM crawl_runs WHERE id = ?", [run_id]).fetchone()[0]
        when = cols.get("finished_at") or cols.get("started_at") or utc_now_iso()
        with self._write():
            self.db.execute(f"UPDATE crawl_runs SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                            [*cols.values(), run_id])
            self.db.execute("UPDATE sources SET last_crawl_at = ? WHERE name = ?", [when, spider])
            if cols.get("status") == "ok":
                self.db.execute("UPDATE sources SET last_success_at = ? WHERE name = ?", [when, spider])

    def recent_coverage(self, spider: str, n: int = 5, exclude_run: int | None = None) -> list[dict]:
        """``{"coverage": json}`` of the source's last ``n`` successful runs, newest first."""
        return [{"coverage": c} for (c,) in self.db.execute(
            "SELECT coverage FROM crawl_runs WHERE spider = ? AND status = 'ok' AND id != ? ORDER BY id DESC LIMIT ?",
            [spider, -1 if exclude_run is None else exclude_run, n]).fetchall()]

    def known_articles(self):
        """Every stored article as ``(url_key, published, first_seen_at, [categories])``
        (for the scale-out workers' shared list of known URLs); an iterator."""
        for key, published, first_seen, category, cats in self.db.execute(
            "SELECT a.url_key, a.published, a.first_seen_at, a.category, "
            "(SELECT group_concat(c.category, ' ') FROM article_categories c WHERE c.article_id = a.id) "
            "FROM articles a"
        ):
            cl = [c for c in ([category] if category else []) + (cats or "").split() if c]
            yield key, published, first_seen, list(dict.fromkeys(cl))

    def get_validator(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` remembered for ``url``, or None."""
        row = self.db.execute("SELECT etag, last_modified FROM http_validators WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else None

    def set_validator(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember ``url``'s ETag / Last-Modified (both None forgets it)."""
        with self._write():
            if etag is None and last_modified is None:
                self.db.execute("DELETE FROM http_validators WHERE url = ?", [url])
            else:
                self.db.execute(
                    "INSERT INTO http_validators(url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                    "checked_at = excluded.checked_at",
                    [url, etag, last_modified, utc_now_iso()],
                )

    def record_failure(self, url: str, spider: str | None, kind: str) -> int:
        """Count a failed download of an article link; returns how often it had failed before."""
        key, now = url_key(url), utc_now_iso()
        with self._write():
            row = self.db.execute("SELECT attempts FROM failed_links WHERE url_key = ?", [key]).fetchone()
            self.db.execute(
                "INSERT INTO failed_links(url_key, url, spider, kind, attempts, first_failed_at, last_failed_at) "
                "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(url_key) DO UPDATE SET attempts = attempts + 1, "
                "kind = excluded.kind, last_failed_at = excluded.last_failed_at",
                [key, url, spider, kind, now, now],
            )
        return row[0] if row else 0
