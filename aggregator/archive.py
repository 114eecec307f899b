"""The SQLite archive: schema and migrations, article upserts, dedupe, full-text search, health.

Owns ``archive.db``: every table, index, trigger and FTS index in it, the rules for
storing an :class:`~aggregator.items.Article` (upsert by ``url_key``, revisions,
category links, syndicated duplicates), the Chinese full-text search and the
per-source health report. Pure: sqlite-utils and the standard library; no Scrapy, no
network. README "The archive" documents every table and column.

Writing rules (the archive never loses or duplicates an article):

* The schema only changes through :data:`MIGRATIONS` (``sqlite_utils.Migrations``,
  recorded in ``_sqlite_migrations``, each step in a transaction). An archive made by an
  older version is upgraded in place when it is opened for writing.
* Each write is one ``BEGIN IMMEDIATE`` transaction, so a second writer waits for the
  busy timeout instead of failing half way; WAL lets readers (export, status,
  Datasette) read while a crawl writes.
* Two FTS5 indexes: ``articles_search`` (contentless, bigram tokens of the folded
  text, used by :meth:`Archive.search`) and ``articles_fts`` (trigram, external content
  ``articles``, Datasette's search box). SQL triggers keep both in sync for every client
  (sqlite3, Datasette): ``articles_fts`` directly on update and delete, and both through
  the ``search_queue`` table, which the archive drains at the end of every write
  transaction. New rows are indexed there, in one pass after all row writes: FTS5 writes
  its pending terms out as a segment at every statement savepoint, and there is one per
  statement when the FTS table is written from a trigger, or when an insert into a table
  with triggers and foreign keys (``articles``) follows an FTS write in the same
  transaction: one segment per article, which is what makes naive trigger-maintained
  FTS ingest slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

from sqlite_utils import Database, Migrations

from aggregator import search as fts
from aggregator.errors import ArchiveError
from aggregator.items import Article
from aggregator.normalize import canonical_url, content_hash, url_key

logger = logging.getLogger(__name__)

#: Seconds a connection waits for another writer before giving up (PRAGMA busy_timeout).
BUSY_TIMEOUT = 10.0
#: Bodies with fewer significant characters than this are never linked as duplicates.
MIN_FINGERPRINT_CHARS = 50
#: FTS5 in-memory pending-terms budget per index (bytes; FTS5's ``hashsize`` option).
#: The default (1 MB) flushes a small segment every few hundred articles; with 16 MB a
#: batch of 500 articles becomes one segment (less merging; measured 20-50% faster ingest).
FTS_HASHSIZE = 16 * 1024 * 1024

#: Searches rank (bm25) about this many of the newest matches first, then older ones:
#: ranking every match of a term found in half of a 100,000-article archive takes
#: ~100 ms, the newest 10,000 ~20 ms (README "Full-text search").
RANK_WINDOW = 10_000
#: Newest rows counted to predict how many rows a query matches.
RANK_PROBE = 2_000
#: Columns of the trigram index ``articles_fts`` (Datasette's search box). Indexing
#: body_text there as well cost ~0.35 ms per 3 KB article, too much for the ingest goal;
#: README "Full-text search" has the measurements (tests/benchmarks/archive.py --variants).
TRIGRAM_COLUMNS = ("title", "lead")

MIGRATIONS = Migrations("aggregator")

CRAWL_RUN_COLUMNS = (
    "spider", "started_at", "finished_at", "finish_reason", "pages", "listing_pages", "article_pages",
    "items_new", "items_updated", "items_unchanged", "items_dropped", "dropped", "errors", "error_kinds",
    "coverage", "stats", "status", "reason",
)
_JSON_RUN_COLUMNS = ("dropped", "error_kinds", "coverage", "stats")


def _busy_seconds(conn: sqlite3.Connection) -> float:
    """The connection's busy timeout in seconds."""
    return conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _as_datetime(value: str | datetime | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _iso(value: str | datetime | None) -> str:
    return _as_datetime(value).isoformat()


# --- migrations ----------------------------------------------------------------------------


def _script(db: Database, sql: str) -> None:
    """Run ``;``-separated DDL statements one by one (executescript would COMMIT)."""
    for statement in _split_sql(sql):
        db.execute(statement)


def _split_sql(sql: str) -> list[str]:
    out, buf = [], []
    for line in sql.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            out.append(joined)
            buf = []
    if "\n".join(buf).strip():
        out.append("\n".join(buf).strip())
    return out


@MIGRATIONS(name="m001_base")
def m001_base(db: Database) -> None:
    """Version 1: sources, categories, articles (with duplicate_of), crawl_runs, http_validators."""
    _script(db, """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            title TEXT,
            type TEXT,
            category TEXT,
            start_urls TEXT,
            config TEXT,
            added_at TEXT,
            last_crawl_at TEXT,
            last_success_at TEXT
        );
        CREATE TABLE categories (
            slug TEXT PRIMARY KEY,
            name TEXT
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            url TEXT NOT NULL UNIQUE,
            url_key TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            published TEXT,
            published_guessed INTEGER NOT NULL DEFAULT 0,
            published_from TEXT,
            source TEXT,
            author TEXT,
            category TEXT REFERENCES categories(slug),
            spider TEXT REFERENCES sources(name),
            origin_url TEXT,
            fetched_at TEXT,
            first_seen_at TEXT,
            updated_at TEXT,
            content_hash TEXT,
            duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            -- the big columns last: reading the small ones never walks overflow pages
            body_text TEXT,
            body_html TEXT
        );
        CREATE INDEX articles_category_published ON articles(category, published);
        CREATE INDEX articles_spider_published ON articles(spider, published);
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_spider_first_seen ON articles(spider, first_seen_at);
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            spider TEXT REFERENCES sources(name),
            started_at TEXT,
            finished_at TEXT,
            finish_reason TEXT,
            pages INTEGER,
            listing_pages INTEGER,
            article_pages INTEGER,
            items_new INTEGER,
            items_updated INTEGER,
            items_unchanged INTEGER,
            items_dropped INTEGER,
            dropped TEXT,
            errors INTEGER,
            error_kinds TEXT,
            coverage TEXT,
            stats TEXT,
            status TEXT,
            reason TEXT
        );
        CREATE INDEX crawl_runs_spider_started ON crawl_runs(spider, started_at);
        CREATE TABLE http_validators (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            checked_at TEXT
        );
    """)


@MIGRATIONS(name="m002_categories_revisions_duplicates")
def m002_categories_revisions_duplicates(db: Database) -> None:
    """Version 2: article_categories, article_revisions, body_fingerprint (duplicates linked)."""
    _script(db, """
        ALTER TABLE articles ADD COLUMN body_fingerprint TEXT;
        CREATE INDEX articles_body_fingerprint ON articles(body_fingerprint) WHERE body_fingerprint IS NOT NULL;
        CREATE TABLE article_categories (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            category TEXT NOT NULL REFERENCES categories(slug),
            PRIMARY KEY (article_id, category)
        ) WITHOUT ROWID;
        CREATE INDEX article_categories_category ON article_categories(category, article_id);
        CREATE TABLE article_revisions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            title TEXT,
            body_html TEXT,
            body_text TEXT,
            content_hash TEXT,
            replaced_at TEXT
        );
        CREATE INDEX article_revisions_article ON article_revisions(article_id, replaced_at);
        -- Clients without PRAGMA foreign_keys (the sqlite3 shell) get the same clean-up.
        CREATE TRIGGER articles_ad_cleanup AFTER DELETE ON articles BEGIN
            DELETE FROM article_categories WHERE article_id = old.id;
            DELETE FROM article_revisions WHERE article_id = old.id;
            UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = old.id;
        END;
        INSERT OR IGNORE INTO categories(slug, name)
            SELECT DISTINCT category, category FROM articles WHERE category IS NOT NULL AND category != '';
        INSERT OR IGNORE INTO article_categories(article_id, category)
            SELECT id, category FROM articles WHERE category IS NOT NULL AND category != '';
    """)
    roots: dict[str, int] = {}
    updates = []
    for row_id, body, dup in db.execute("SELECT id, body_text, duplicate_of FROM articles ORDER BY id").fetchall():
        fp = body_fingerprint(body)
        if fp is None:
            continue
        original = roots.setdefault(fp, row_id)
        updates.append((fp, dup or (original if original != row_id else None), row_id))
    db.conn.executemany("UPDATE articles SET body_fingerprint = ?, duplicate_of = ? WHERE id = ?", updates)


@MIGRATIONS(name="m003_search")
def m003_search(db: Database) -> None:
    """Version 3: full-text search (bigram ``articles_search``, trigram ``articles_fts``)."""
    _script(db, """
        CREATE TABLE _aggregator_meta (
            key TEXT PRIMARY KEY,
            value TEXT
        );
        CREATE TABLE search_queue (
            article_id INTEGER PRIMARY KEY,
            indexed INTEGER NOT NULL,
            old_title TEXT,
            old_body TEXT
        );
        -- the opening of the body, computed (no storage): what Datasette's search box searches
        ALTER TABLE articles ADD COLUMN lead TEXT GENERATED ALWAYS AS (substr(body_text, 1, 150)) VIRTUAL;
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, lead, content="articles", content_rowid="id", tokenize="trigram", detail=full
        );
        CREATE VIRTUAL TABLE articles_search USING fts5(
            title, lead, body, content='', tokenize='ascii', detail=full
        );
        INSERT INTO articles_search(articles_search, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0)');
        CREATE TRIGGER articles_ai_search AFTER INSERT ON articles BEGIN
            INSERT OR IGNORE INTO search_queue(article_id, indexed) VALUES (new.id, 0);
        END;
        CREATE TRIGGER articles_au_search AFTER UPDATE OF title, body_text ON articles BEGIN
            INSERT OR IGNORE INTO search_queue(article_id, indexed, old_title, old_body)
                VALUES (old.id, 1, old.title, old.body_text);
            INSERT INTO articles_fts(articles_fts, rowid, title, lead)
                SELECT 'delete', old.id, old.title, old.lead
                WHERE (SELECT indexed FROM search_queue WHERE article_id = old.id) = 1;
            INSERT INTO articles_fts(rowid, title, lead)
                SELECT new.id, new.title, new.lead
                WHERE (SELECT indexed FROM search_queue WHERE article_id = new.id) = 1;
        END;
        CREATE TRIGGER articles_ad_search AFTER DELETE ON articles BEGIN
            INSERT OR IGNORE INTO search_queue(article_id, indexed, old_title, old_body)
                VALUES (old.id, 1, old.title, old.body_text);
            INSERT INTO articles_fts(articles_fts, rowid, title, lead)
                SELECT 'delete', old.id, old.title, old.lead
                WHERE (SELECT indexed FROM search_queue WHERE article_id = old.id) = 1;
            DELETE FROM search_queue WHERE article_id = old.id AND indexed = 0;
        END;
    """)
    for table in ("articles_fts", "articles_search"):
        try:
            db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', ?)", [FTS_HASHSIZE])
        except sqlite3.Error:  # pragma: no cover - an SQLite without the (undocumented) option
            logger.debug("FTS5 hashsize option not supported")
    _rebuild_search(db)


# --- rows ------------------------------------------------------------------------------------

_CREDIT_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(?:文章来源|来源|來源|责任编辑|責任編輯|编辑|編輯|审核|審核|校对|校對|作者|记者|記者|"
    r"通讯员|通訊員|原标题|原標題|供图|供圖|摄影|攝影|图片来源|圖片來源|监制|監製|统筹|統籌|出品|值班编辑)\s*[:：]"
)
_CREDIT_INLINE = re.compile(r"[（(]\s*(?:记者|記者|通讯员|通訊員|责任编辑|責任編輯|编辑|編輯|来源|來源|作者)[^（()）]{0,40}[）)]")
_DATELINE = re.compile(r"^\s*(?:本报讯|本台讯|本報訊|[^\s，。,]{0,24}?\d{1,2}月\d{1,2}日(?:电|讯|電|訊))\s*")
_NOT_TEXT = re.compile(r"[\W_]+")


@MIGRATIONS(name="m004_failed_links")
def m004_failed_links(db: Database) -> None:
    """Version 4: ``failed_links``, article links whose download failed (by URL key), so a
    link that keeps failing is told apart from a new failure in the health verdict."""
    _script(db, """
        CREATE TABLE failed_links (
            url_key TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            spider TEXT,
            kind TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            first_failed_at TEXT,
            last_failed_at TEXT
        );
    """)


@MIGRATIONS(name="m005_url_aliases")
def m005_url_aliases(db: Database) -> None:
    """Version 5: ``url_aliases``, other URLs (redirect sources) that lead to an article, so a
    listing that links the old URL does not make every run fetch it again."""
    _script(db, """
        CREATE TABLE url_aliases (
            url_key TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            url TEXT
        );
        CREATE INDEX url_aliases_article ON url_aliases(article_id);
    """)


def body_fingerprint(body_text: str | None, folded: str | None = None) -> str | None:
    """Fingerprint for syndicated copies, or None for bodies too short to judge.

    The rule (README "Duplicates"): fold the body (traditional -> simplified), drop
    credit lines (来源/责任编辑/记者/编辑/审核 …), credit parentheses such as
    ``（记者 王某）``, a leading dateline (``本报讯``, ``新华社银川1月19日电``), then every
    space and punctuation mark; what is left must have at least
    :data:`MIN_FINGERPRINT_CHARS` characters. Equal fingerprints = same story.
    ``folded`` is ``fold(body_text)`` when the caller has it already.
    """
    if not body_text:
        return None
    text = folded if folded is not None else fts.fold(body_text)
    lines = [line for line in text.split("\n") if not _CREDIT_LINE.match(line)]
    if lines:
        lines[0] = _DATELINE.sub("", lines[0])
    core = _NOT_TEXT.sub("", _CREDIT_INLINE.sub("", "\n".join(lines)))
    if len(core) < MIN_FINGERPRINT_CHARS:
        return None
    return hashlib.sha1(core.encode("utf-8", "surrogatepass")).hexdigest()[:24]


@dataclass(frozen=True)
class PreparedText:
    """What storing a ``body_text`` costs in Python, done ahead of time (in an extraction
    process, see ``aggregator.offload``): folded text, fingerprint, search columns."""

    text: str
    folded: str
    fingerprint: str | None
    columns: tuple[str, str]   # (lead, body) of articles_search

    @classmethod
    def of(cls, text: str) -> "PreparedText":
        """Prepare ``text`` now."""
        folded = fts.fold(text)
        return cls(text, folded, body_fingerprint(text, folded), fts.body_columns_folded(folded))


def _prepared(art: Any, body: str) -> PreparedText:
    """The article's PreparedText when it was made from exactly ``body``, else made now."""
    pre = getattr(art, "prepared_text", None)
    return pre if isinstance(pre, PreparedText) and pre.text == body else PreparedText.of(body)


def _source_config(src: Any) -> dict:
    config = {}
    for f in dataclass_fields(src):
        if f.name in ("name", "title", "type", "category", "start_urls"):
            continue
        value = getattr(src, f.name)
        if isinstance(value, Mapping):
            value = {k: (list(v) if isinstance(v, tuple) else v) for k, v in value.items()}
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Path):
            value = str(value)
        config[f.name] = value
    return config


def _index_rows(rows: Iterable[tuple[int, str | None, str | None]]) -> list[tuple]:
    return [(row_id, *fts.index_columns(title, body)) for row_id, title, body in rows]


def _rebuild_search(db: Database, batch: int = 2000) -> int:
    """Rebuild both FTS indexes from ``articles`` (inside the caller's transaction)."""
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO articles_search(articles_search) VALUES ('delete-all')")
    db.execute("DELETE FROM search_queue")
    n, last = 0, 0
    while True:
        rows = db.execute(
            "SELECT id, title, body_text FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last, batch]
        ).fetchall()
        if not rows:
            break
        db.conn.executemany(
            "INSERT INTO articles_search(rowid, title, lead, body) VALUES (?, ?, ?, ?)", _index_rows(rows)
        )
        n += len(rows)
        last = rows[-1][0]
    db.execute(
        "INSERT INTO _aggregator_meta(key, value) VALUES ('search_version', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [fts.SEARCH_VERSION],
    )
    return n


# --- the archive -----------------------------------------------------------------------------


class Archive:
    """The SQLite archive (contract). Open, use, close (or use as a context manager).

    ``Archive(path)`` creates the file if needed, upgrades an older schema in place,
    turns on WAL, foreign keys and a busy timeout. ``Archive(path, readonly=True)`` opens
    an existing, current archive for reading only (export, status, search): it never
    writes or migrates, and raises :class:`ArchiveError` when the file is missing, is not
    an archive, or needs an upgrade.

    ``.db`` is the ``sqlite_utils.Database`` for ad-hoc queries. One Archive is meant for
    one thread at a time.
    """

    def __init__(self, path: str | Path, readonly: bool = False):
        conn = None
        self.path = Path(path)
        self.readonly = readonly
        self._known_categories: dict[str, str | None] = {}
        self._known_sources: set[str] = set()
        try:
            if readonly:
                if not self.path.is_file():
                    raise ArchiveError(f"archive {self.path} does not exist")
                uri = "file:" + quote(str(self.path.resolve())) + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)
            else:
                if self.path.parent and not self.path.parent.exists():
                    raise ArchiveError(f"cannot create archive {self.path}: folder {self.path.parent} does not exist")
                conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            self.db = Database(conn)
            self._configure()
            if readonly:
                self._check_current()
            else:
                self._migrate()
        except (sqlite3.DatabaseError, ArchiveError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, ArchiveError):
                raise
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from None

    # -- connection --------------------------------------------------------------------

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
        if not self.readonly:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL never corrupts; a power cut may lose the last commit, which the
            # next crawl fetches again.
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # "file is not a database" here

    def _check_current(self) -> None:
        pending = [m.name for m in MIGRATIONS.pending(self.db)]
        if pending:
            if not self.db["_sqlite_migrations"].exists() and self.db.table_names():
                raise ArchiveError(f"{self.path} is not an aggregator archive (no _sqlite_migrations table)")
            raise ArchiveError(
                f"archive {self.path} was made by an older version (pending: {', '.join(pending)}); "
                "open it once for writing (e.g. `aggregator crawl` or `aggregator rebuild-index`) to upgrade it"
            )

    def _migrate(self) -> None:
        stale_search = self._search_version() not in (None, fts.SEARCH_VERSION)
        if not MIGRATIONS.pending(self.db) and not stale_search and not self._queue_size():
            return
        with self._write():
            try:
                MIGRATIONS.apply(self.db)
            except sqlite3.OperationalError as exc:
                raise ArchiveError(f"cannot upgrade archive {self.path}: {exc}") from None
            if self._search_version() != fts.SEARCH_VERSION:
                logger.info("rebuilding the full-text index of %s (search version changed)", self.path)
                _rebuild_search(self.db)
            else:
                self._drain_queue({})

    def _search_version(self) -> str | None:
        if not self.db["_aggregator_meta"].exists():
            return None
        row = self.db.execute("SELECT value FROM _aggregator_meta WHERE key = 'search_version'").fetchone()
        return row[0] if row else ""

    def _queue_size(self) -> int:
        if not self.db["search_queue"].exists():
            return 0
        return self.db.execute("SELECT count(*) FROM search_queue").fetchone()[0]

    @contextlib.contextmanager
    def _write(self):
        """One ``BEGIN IMMEDIATE`` transaction (waits up to the busy timeout for other writers)."""
        if self.readonly:
            raise ArchiveError(f"archive {self.path} is open read-only")
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ArchiveError(
                    f"archive {self.path} is locked by another writer (waited {_busy_seconds(conn):g} s)"
                ) from None
            raise
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        conn = getattr(getattr(self, "db", None), "conn", None)
        if conn is not None:
            conn.close()
            self.db = None  # type: ignore[assignment]

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
        now = _utc_now()
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

        Rules (README "Storing articles"):

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
        now = _iso(now) if now else _utc_now()
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
                "duplicate_of, body_text, body_html, body_fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [url, key, title, art.published, int(bool(art.published_guessed)), art.published_from,
                 art.source, art.author, category, spider, art.origin_url, fetched, now, now, chash, dup, body,
                 art.body_html or "", fp],
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

    def _drain_queue(self, folded_texts: Mapping[int, tuple[str, str, tuple[str, str] | None]]) -> None:
        """Bring both FTS indexes up to date with ``search_queue`` (inside a write transaction).

        ``folded_texts`` maps ids written in this transaction to their folded (title,
        body, body search columns or None); other queued rows (written by other clients)
        are read from ``articles``.
        """
        conn = self.db.conn
        queued = conn.execute("SELECT article_id, indexed, old_title, old_body FROM search_queue").fetchall()
        if not queued:
            return
        current: dict[int, tuple[str, str, None]] = {}
        missing = [q[0] for q in queued if q[0] not in folded_texts]
        for i in range(0, len(missing), 500):
            part = missing[i:i + 500]
            marks = ",".join("?" * len(part))
            for row_id, title, body in conn.execute(
                f"SELECT id, title, body_text FROM articles WHERE id IN ({marks})", part
            ):
                current[row_id] = (fts.fold(title), fts.fold(body), None)
        deletes, inserts = [], []
        for row_id, indexed, old_title, old_body in queued:
            now_text = folded_texts[row_id] if row_id in folded_texts else current.get(row_id)
            if indexed:
                deletes.append(("delete", row_id, *fts.index_columns(old_title, old_body)))
            if now_text is not None:
                inserts.append((row_id, *fts.index_columns_folded(*now_text)))
        # Rows never indexed go into the trigram index in one statement, from the same SQL
        # values (title, generated lead) the triggers use to delete them later.
        columns = ", ".join(TRIGRAM_COLUMNS)
        conn.execute(
            f"INSERT INTO articles_fts(rowid, {columns}) SELECT id, {columns} FROM articles "
            "WHERE id IN (SELECT article_id FROM search_queue WHERE indexed = 0)"
        )
        if deletes:
            conn.executemany(
                "INSERT INTO articles_search(articles_search, rowid, title, lead, body) VALUES (?, ?, ?, ?, ?)", deletes
            )
        if inserts:
            conn.executemany("INSERT INTO articles_search(rowid, title, lead, body) VALUES (?, ?, ?, ?)", inserts)
        conn.execute("DELETE FROM search_queue")

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
        now = _utc_now()
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
                    [url, etag, last_modified, _utc_now()],
                )

    def record_failure(self, url: str, spider: str | None, kind: str) -> int:
        """Count a failed download of an article link; returns how often it had failed before."""
        from aggregator.normalize import url_key

        key, now = url_key(url), _utc_now()
        with self._write():
            row = self.db.execute("SELECT attempts FROM failed_links WHERE url_key = ?", [key]).fetchone()
            self.db.execute(
                "INSERT INTO failed_links(url_key, url, spider, kind, attempts, first_failed_at, last_failed_at) "
                "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(url_key) DO UPDATE SET attempts = attempts + 1, "
                "kind = excluded.kind, last_failed_at = excluded.last_failed_at",
                [key, url, spider, kind, now, now],
            )
        return row[0] if row else 0

    # -- full-text search -----------------------------------------------------------------------

    def rebuild_fts(self) -> int:
        """Rebuild both full-text indexes from ``articles``; returns the number of articles indexed."""
        with self._write():
            return _rebuild_search(self.db)

    def search(
        self,
        query: str,
        limit: int = 20,
        *,
        category: str | None = None,
        spider: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        include_duplicates: bool = False,
        markers: tuple[str, str] = ("", ""),
    ) -> list[dict]:
        """Articles matching every term of ``query``, best first (lower ``rank`` = better).

        Order: FTS5 bm25 with the title weighing 10, the lead (first 150 characters) 3,
        the body 1. A query matching more than :data:`RANK_WINDOW` articles ranks the
        newest ~RANK_WINDOW matches first, then older ones.

        Terms are separated by white space (``"…"`` keeps spaces inside a term); each
        must occur in the title or body. 1-character, 2-character and longer Chinese
        terms work; traditional and simplified forms find the same articles. Filters:
        ``category`` (any of the article's categories), ``spider``, ``since``/``until``
        (on ``published``). Syndicated copies (``duplicate_of``) are left out unless
        ``include_duplicates``. ``markers`` wrap hits in the snippet.

        Each result: id, url, title, published, category, categories, source, spider,
        snippet, rank, duplicate_of.
        """
        terms = fts.parse_query(query)
        if not terms or limit <= 0:
            return []
        if not self.db["articles_search"].exists():
            raise ArchiveError(f"archive {self.path} has no full-text index (open it for writing to upgrade)")
        conn = self.db.conn
        # Filters become id sets read from covering indexes; the ranking query stays on the
        # FTS table alone (joining articles there would read a row per match).
        allowed: set[int] | None = None

        def narrow(sql: str, params: list) -> None:
            nonlocal allowed
            ids = {r[0] for r in conn.execute(sql, params)}
            allowed = ids if allowed is None else allowed & ids

        if category:
            narrow("SELECT article_id FROM article_categories WHERE category = ? "
                   "UNION SELECT id FROM articles WHERE category = ?", [category, category])
        if spider:
            narrow("SELECT id FROM articles WHERE spider = ?", [spider])
        if since or until:
            narrow("SELECT id FROM articles WHERE published >= ? AND published < ?",
                   [_iso(since) if since else "", _iso(until) if until else "\uffff"])
        excluded = set() if include_duplicates else {
            r[0] for r in conn.execute("SELECT id FROM articles WHERE duplicate_of IS NOT NULL")
        }
        expr = fts.match_expression(terms)
        results: list[dict] = []
        chunk = max(2 * limit, 50) if limit < 10_000 else 2000
        for where, bound in self._rank_windows(expr):
            cur = conn.execute(
                f"SELECT rowid, rank FROM articles_search WHERE articles_search MATCH ? {where} ORDER BY rank",
                [expr, *bound],
            )
            while len(results) < limit:
                fetched = cur.fetchmany(chunk)
                if not fetched:
                    break
                ranked = [(rid, rank) for rid, rank in fetched
                          if rid not in excluded and (allowed is None or rid in allowed)]
                if ranked:
                    self._verified(ranked, terms, markers, results, limit)
            cur.close()
            if len(results) >= limit:
                break
        self._add_categories(results)
        return results

    def _rank_windows(self, expr: str) -> list[tuple[str, list[int]]]:
        """Row ranges to rank one after the other: all rows, or the newest ones first.

        bm25 costs a few microseconds per matching row. When the newest
        :data:`RANK_PROBE` rows predict more than :data:`RANK_WINDOW` matches, the rows
        expected to hold the newest RANK_WINDOW matches are ranked first, then the rest.
        """
        conn = self.db.conn
        max_id = conn.execute("SELECT max(rowid) FROM articles").fetchone()[0] or 0
        if max_id > RANK_WINDOW:
            hits = conn.execute(
                "SELECT count(*) FROM articles_search WHERE articles_search MATCH ? AND rowid > ?",
                [expr, max_id - RANK_PROBE],
            ).fetchone()[0]
            if hits * max_id / RANK_PROBE > RANK_WINDOW:
                lowest = max_id - RANK_WINDOW * RANK_PROBE // hits
                return [("AND rowid > ?", [lowest]), ("AND rowid <= ?", [lowest])]
        return [("", [])]

    def _verified(self, ranked: list[tuple[int, float]], terms: list[fts.Term], markers: tuple[str, str],
                  results: list[dict], limit: int) -> None:
        """Append the rows of ``ranked`` (in order) that really contain every term."""
        rows = {}
        marks = ",".join("?" * len(ranked))
        for row in self.db.conn.execute(
            "SELECT id, url, title, published, category, source, spider, duplicate_of, body_text "
            f"FROM articles WHERE id IN ({marks})", [rid for rid, _ in ranked],
        ):
            rows[row[0]] = row
        for rid, rank in ranked:
            row = rows.get(rid)
            if row is None:  # deleted by another client, index not drained yet
                continue
            _, url, title, published, cat, source, spider_name, dup, body = row
            folded_body = fts.fold(body)
            # A row edited by another client may still carry its old tokens until drained.
            if not fts.matches(terms, fts.fold(title) + "\n" + folded_body):
                continue
            in_body = fts.matches(terms[:1], folded_body)
            results.append({
                "id": rid, "url": url, "title": title, "published": published, "category": cat,
                "source": source, "spider": spider_name,
                "snippet": fts.snippet(body if in_body else title, terms, markers=markers),
                "rank": rank, "duplicate_of": dup,
            })
            if len(results) >= limit:
                return

    def _add_categories(self, results: list[dict]) -> None:
        ids = [r["id"] for r in results]
        cats: dict[int, list[str]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            for aid, slug in self.db.conn.execute(
                f"SELECT article_id, category FROM article_categories WHERE article_id IN ({','.join('?' * len(part))}) "
                "ORDER BY category", part,
            ):
                cats.setdefault(aid, []).append(slug)
        for r in results:
            found = cats.get(r["id"], [])
            r["categories"] = ([r["category"]] if r["category"] else []) + [c for c in found if c != r["category"]]

    # -- health -----------------------------------------------------------------------------------

    def status(self, now: str | datetime | None = None) -> list[dict]:
        """Health of every source (sources table, crawl runs and articles), sorted by name.

        Verdict rule (README "Status"): runs ``interrupted`` by a signal are left out;
        ``failing`` when the last run's status is ``failed``; ``degraded`` when it is ``degraded``; ``silent`` when the source was
        never crawled, or its runs succeed but no new article arrived (``first_seen_at``)
        in the last 7 days; ``ok`` otherwise. ``error_rate`` is errors / pages fetched
        over the runs of the last 7 days (None without runs).
        """
        now_dt = _as_datetime(now)
        day, week = (now_dt - timedelta(days=1)).isoformat(), (now_dt - timedelta(days=7)).isoformat()
        titles = dict(self.db.execute("SELECT name, title FROM sources").fetchall())
        names = set(titles)
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT spider FROM crawl_runs WHERE spider IS NOT NULL"))
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT spider FROM articles WHERE spider IS NOT NULL"))
        out = []
        for name in sorted(names):
            last = self.db.execute(
                "SELECT started_at, finished_at, status, reason, finish_reason FROM crawl_runs WHERE spider = ? "
                "AND coalesce(status, '') != 'interrupted' "   # a stopped run says nothing about the site
                "ORDER BY coalesce(finished_at, started_at) DESC, id DESC LIMIT 1",
                [name],
            ).fetchone()
            last_success = self.db.execute(
                "SELECT max(coalesce(finished_at, started_at)) FROM crawl_runs WHERE spider = ? AND status = 'ok'",
                [name],
            ).fetchone()[0]
            total, n24, n7, newest = self.db.execute(
                "SELECT count(*), count(CASE WHEN first_seen_at >= ? THEN 1 END), "
                "count(CASE WHEN first_seen_at >= ? THEN 1 END), max(first_seen_at) FROM articles WHERE spider = ?",
                [day, week, name],
            ).fetchone()
            runs7, failed7, errors7, pages7 = self.db.execute(
                "SELECT count(*), count(CASE WHEN status NOT IN ('ok', 'interrupted') THEN 1 END), coalesce(sum(errors), 0), "
                "coalesce(sum(pages), 0) FROM crawl_runs WHERE spider = ? AND coalesce(finished_at, started_at) >= ?",
                [name, week],
            ).fetchone()
            if runs7:
                error_rate = round(errors7 / pages7, 4) if pages7 else (1.0 if errors7 else 0.0)
            else:
                error_rate = None
            if last is None:
                verdict, reason = "silent", "never crawled"
            elif last[2] == "failed":
                verdict, reason = "failing", last[3] or f"last run failed ({last[4]})"
            elif last[2] == "degraded":
                verdict, reason = "degraded", last[3] or "last run degraded"
            elif n7 == 0:
                verdict = "silent"
                reason = f"no new articles since {newest}" if newest else "no articles yet"
            else:
                verdict, reason = "ok", None
            out.append({
                "name": name,
                "title": titles.get(name) or name,
                "verdict": verdict,
                "reason": reason,
                "last_run": (last[1] or last[0]) if last else None,
                "last_run_status": last[2] if last else None,
                "last_success": last_success,
                "articles_total": total,
                "articles_24h": n24,
                "articles_7d": n7,
                "last_new_article": newest,
                "runs_7d": runs7,
                "failed_runs_7d": failed7,
                "error_rate": error_rate,
            })
        return out


def datasette_metadata(database: str = "archive") -> dict:
    """The shipped Datasette metadata (aggregator/datasette/metadata.json) for a database name.

    Datasette keys metadata by database name (the file name without ``.db``); the file
    is written for ``archive``. Example: ``json.dump(datasette_metadata("news"), f)``.
    """
    path = Path(__file__).resolve().parent / "datasette" / "metadata.json"
    meta = json.loads(path.read_text("utf-8"))
    dbs = meta.get("databases", {})
    if database != "archive" and "archive" in dbs:
        dbs[database] = dbs.pop("archive")
    return meta
