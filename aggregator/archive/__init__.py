"""The SQLite archive, the only door to ``archive.db``: schema and migrations, article upserts, dedupe, full-text search, health.

Owns ``archive.db``: every table, index, trigger and FTS index in it, the rules for
storing an :class:`~aggregator.items.Article` (upsert by ``url_key``, revisions,
category links, syndicated duplicates), the Chinese full-text search and the
per-source health report. Pure: sqlite-utils and the standard library; no Scrapy, no
network. docs/archive.md documents every table and column.

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

import json
from pathlib import Path

from aggregator.archive.base import ArchiveBase
from aggregator.archive.health import HealthMixin
from aggregator.archive.query import RANK_PROBE, RANK_WINDOW, SearchMixin
from aggregator.archive.readonly import connect_readonly
from aggregator.archive.schema import BUSY_TIMEOUT, CRAWL_RUN_COLUMNS, FTS_HASHSIZE, MIGRATIONS, TRIGRAM_COLUMNS
from aggregator.archive.store import StoreMixin

__all__ = [
    "Archive", "BUSY_TIMEOUT", "CRAWL_RUN_COLUMNS", "FTS_HASHSIZE", "MIGRATIONS", "RANK_PROBE", "RANK_WINDOW",
    "TRIGRAM_COLUMNS", "connect_readonly", "datasette_metadata",
]


class Archive(HealthMixin, SearchMixin, StoreMixin, ArchiveBase):
    """The SQLite archive (contract). Open, use, close (or use as a context manager).

    ``Archive(path)`` creates the file if needed, upgrades an older schema in place,
    turns on WAL, foreign keys and a busy timeout. ``Archive(path, readonly=True)`` opens
    an existing, current archive for reading only (export, status, search): it never
    writes or migrates, and raises :class:`ArchiveError` when the file is missing, is not
    an archive, or needs an upgrade.

    ``.db`` is the ``sqlite_utils.Database`` for ad-hoc queries. One Archive is meant for
    one thread at a time.
    """

def datasette_metadata(database: str = "archive") -> dict:
    """The shipped Datasette metadata (aggregator/datasette/metadata.json) for a database name.

    Datasette keys metadata by database name (the file name without ``.db``); the file
    is written for ``archive``. Example: ``json.dump(datasette_metadata("news"), f)``.
    """
    path = Path(__file__).resolve().parent.parent / "datasette" / "metadata.json"
    meta = json.loads(path.read_text("utf-8"))
    dbs = meta.get("databases", {})
    if database != "archive" and "archive" in dbs:
        dbs[database] = dbs.pop("archive")
    return meta
