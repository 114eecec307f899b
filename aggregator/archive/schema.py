"""Schema and migrations of ``archive.db``; the full-text index rebuild.

The schema only changes through :data:`MIGRATIONS` (``sqlite_utils.Migrations``,
recorded in ``_sqlite_migrations``, each step in a transaction). An archive made by an
older version is upgraded in place when it is opened for writing.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Iterable

from sqlite_utils import Database, Migrations

from aggregator import search as fts
from aggregator.search import body_fingerprint

logger = logging.getLogger(__name__)

#: Seconds a connection waits for another writer before giving up (PRAGMA busy_timeout).
BUSY_TIMEOUT = 10.0
#: FTS5 in-memory pending-terms budget per index (bytes; FTS5's ``hashsize`` option).
#: The default (1 MB) flushes a small segment every few hundred articles; with 16 MB a
#: batch of 500 articles becomes one segment (less merging; measured 20-50% faster ingest).
FTS_HASHSIZE = 16 * 1024 * 1024

#: Columns of the trigram index ``articles_fts`` (Datasette's search box). Indexing
#: body_text there as well cost ~0.35 ms per 3 KB article, too much for the ingest goal;
#: docs/archive.md "Full-text search" has the measurements (tests/benchmarks/archive.py --variants).
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


#: Statement the content triggers run (see m007).
BUMP = "UPDATE _aggregator_meta SET value = value + 1 WHERE key = 'content_version';"
#: Columns of ``articles`` that feeds are made from (all but fetched_at and body_fingerprint).
FEED_COLUMNS = ("url", "url_key", "title", "published", "published_guessed", "published_from", "source", "author",
                "category", "spider", "body_html", "body_text", "origin_url", "first_seen_at", "updated_at",
                "content_hash", "duplicate_of", "sanitizer_version")


@MIGRATIONS(name="m006_sanitizer_version")
def m006_sanitizer_version(db: Database) -> None:
    """Version 6: ``articles.sanitizer_version``, the version of the HTML sanitiser
    (``aggregator.normalize.SANITIZER_VERSION``) that made ``body_html``; NULL for rows
    written before, or by other tools. The exporter sanitises again only rows made by
    an older sanitiser (or none)."""
    _script(db, """
        ALTER TABLE articles ADD COLUMN sanitizer_version INTEGER;
    """)


@MIGRATIONS(name="m007_content_version")
def m007_content_version(db: Database) -> None:
    """Version 7: ``_aggregator_meta.content_version``, kept by triggers, which the
    exporter's quick check reads."""
    # ``content_version`` counts every change of what feeds are made from (any client:
    # this project, sqlite3, Datasette), so the exporter can tell "nothing changed" from
    # one row instead of scanning the archive. A re-fetch that changes only fetched_at
    # (or the fingerprint, or a source's crawl times) does not count.
    db.execute("INSERT OR IGNORE INTO _aggregator_meta(key, value) VALUES ('content_version', 0)")
    _script(db, f"""
        CREATE TRIGGER articles_ai_content AFTER INSERT ON articles BEGIN {BUMP} END;
        CREATE TRIGGER articles_ad_content AFTER DELETE ON articles BEGIN {BUMP} END;
        CREATE TRIGGER articles_au_content AFTER UPDATE OF {", ".join(FEED_COLUMNS)} ON articles BEGIN {BUMP} END;
        CREATE TRIGGER article_categories_ai_content AFTER INSERT ON article_categories BEGIN {BUMP} END;
        CREATE TRIGGER article_categories_ad_content AFTER DELETE ON article_categories BEGIN {BUMP} END;
        CREATE TRIGGER categories_ai_content AFTER INSERT ON categories BEGIN {BUMP} END;
        CREATE TRIGGER categories_ad_content AFTER DELETE ON categories BEGIN {BUMP} END;
        CREATE TRIGGER categories_au_content AFTER UPDATE ON categories BEGIN {BUMP} END;
        CREATE TRIGGER sources_ai_content AFTER INSERT ON sources BEGIN {BUMP} END;
        CREATE TRIGGER sources_ad_content AFTER DELETE ON sources BEGIN {BUMP} END;
        CREATE TRIGGER sources_au_content AFTER UPDATE OF name, title, type, category, start_urls, config ON sources
            BEGIN {BUMP} END;
    """)


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
