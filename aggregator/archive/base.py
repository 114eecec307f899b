"""The archive's connection: open (read-only or migrating), configure, write transactions.

Each write is one ``BEGIN IMMEDIATE`` transaction, so a second writer waits for the busy
timeout instead of failing half way; WAL lets readers (export, status, Datasette) read
while a crawl writes.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Mapping
from urllib.parse import quote

from sqlite_utils import Database

from aggregator import search as fts
from aggregator.archive.schema import BUSY_TIMEOUT, MIGRATIONS, TRIGRAM_COLUMNS, _busy_seconds, _rebuild_search
from aggregator.errors import ArchiveError

logger = logging.getLogger("aggregator.archive")


class ArchiveBase:
    """Connection handling shared by every part of :class:`aggregator.archive.Archive`."""

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

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
