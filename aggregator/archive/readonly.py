"""The exporter's read-only connection to an archive (any version with the core tables)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aggregator.errors import ArchiveError

#: Tables an archive has in every version; the exporter needs no more.
CORE_TABLES = ("articles", "categories", "sources")


def connect_readonly(db_path: str | Path) -> sqlite3.Connection:
    """Open the archive read-only (rows as ``sqlite3.Row``); never writes or migrates.

    Raises :class:`ArchiveError` when the file is missing, unreadable or lacks a core table."""
    p = Path(db_path)
    if not p.is_file():
        raise ArchiveError(f"{p}: archive not found (run `aggregator crawl` first)")
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 5000")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{p}: cannot read the archive: {exc}") from None
    missing = set(CORE_TABLES) - tables
    if missing:
        conn.close()
        raise ArchiveError(f"{p}: not an aggregator archive (missing table {sorted(missing)[0]!r})")
    return conn


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """True when the archive has table ``name``."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """True when ``table`` has ``column`` (older archives lack newer columns)."""
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def is_archive_file(path: str | Path) -> bool:
    """Whether ``path`` is an SQLite file holding an aggregator archive's searchable tables
    (``articles`` and its bigram index ``articles_search``); never raises, never writes."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError, ValueError):
        return False
    try:
        names = {r[0] for r in conn.execute(
            "select name from sqlite_master where name in ('articles', 'articles_search')")}
        return names == {"articles", "articles_search"}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
