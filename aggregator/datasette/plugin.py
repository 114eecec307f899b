"""Datasette plugin: the archive's own Chinese full-text search behind the ``articles`` search box.

Registered through Datasette's plugin entry point (``[project.entry-points.datasette]``
in pyproject.toml), so ``datasette archive.db`` with no flags uses it, whatever the file
is called. For every database that is an aggregator archive (it has ``articles`` and the
bigram index ``articles_search``):

* ``get_metadata``: the descriptions, facets and labels of the shipped ``metadata.json``,
  the ``articles`` search box pointed at ``articles_search`` (titles and whole bodies),
  and the canned query ``search``;
* ``prepare_connection``: SQL functions ``aggregator_match(q)`` (the FTS5 expression
  :mod:`aggregator.search` builds: folded, so traditional forms find simplified text;
  1-character terms as prefixes, longer ones as exact bigram phrases) and, on archive
  connections only, ``escape_fts`` replaced by it, so Datasette's own ``?_search=``
  clause matches 1-, 2- and 4-character terms;
* ``asgi_wrapper``: ``/<db>/articles?_search=…`` without an explicit ``_sort`` is
  answered by the ranked canned query ``search`` (FTS5 bm25: title 10, lead 3, body 1);
  with ``_sort``/``_sort_desc`` the table view filters the same way, in the chosen order.

Other databases served by the same Datasette are left alone.
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from aggregator import search as fts
from aggregator.archive.readonly import is_archive_file

METADATA = Path(__file__).resolve().parent / "metadata.json"
#: The table whose search box the plugin serves, and the canned query that ranks.
TABLE = "articles"
QUERY = "search"
# Matches nothing: an empty FTS5 phrase (for a query with no searchable characters).
_NOTHING = '""'

RANKED_SQL = """select a.id, a.published, a.title, a.category, a.source, a.url, a.lead
from articles_search
join articles a on a.id = articles_search.rowid
where articles_search match aggregator_match(:q) and a.duplicate_of is null
order by articles_search.rank"""


def match_expression(query: str | None) -> str:
    """FTS5 MATCH expression over ``articles_search`` for what a user typed (exact terms)."""
    terms = fts.parse_query(query)
    return fts.match_expression(terms, phrase=True) if terms else _NOTHING


def _has_archive_tables(conn: sqlite3.Connection) -> bool:
    """Whether the connection Datasette hands the plugin is an archive's (its searchable tables)."""
    names = {r[0] for r in conn.execute(
        "select name from sqlite_master where name in ('articles', 'articles_search')")}
    return names == {"articles", "articles_search"}


@lru_cache(maxsize=64)
def _is_archive_file(path: str, mtime_ns: int) -> bool:
    return is_archive_file(path)


def archive_databases(datasette) -> list[str]:
    """Names of the databases of ``datasette`` that are aggregator archives."""
    out = []
    for name, db in list(getattr(datasette, "databases", {}).items()):
        path = getattr(db, "path", None)
        if not path:
            continue
        try:
            mtime = Path(path).stat().st_mtime_ns
        except OSError:
            continue
        if _is_archive_file(str(path), mtime):
            out.append(name)
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict:
    data = json.loads(METADATA.read_text("utf-8"))
    return next(iter(data["databases"].values()))


def archive_metadata() -> dict:
    """Metadata of one archive database: the shipped tables, search box and canned query."""
    shipped = json.loads(json.dumps(_shipped()))
    tables = shipped.get("tables", {})
    articles = tables.setdefault(TABLE, {})
    articles["fts_table"] = "articles_search"
    articles["fts_pk"] = "id"
    queries = shipped.setdefault("queries", {})
    queries[QUERY] = {**queries.get(QUERY, {}), "sql": RANKED_SQL,
                      "description": "Chinese full-text search of titles and whole bodies (terms of any length; "
                                     "traditional and simplified forms alike), best first; syndicated copies "
                                     "left out. Several terms: all must occur."}
    return shipped


@hookimpl
def get_metadata(datasette, key, database, table):
    names = archive_databases(datasette)
    if not names:
        return {}
    meta = archive_metadata()
    return {"databases": {name: meta for name in names}}


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # trylast: after Datasette's own escape_fts, which this one replaces on archives only
    try:
        archive = _has_archive_tables(conn)
    except sqlite3.Error:
        return
    if not archive:
        return
    conn.create_function("aggregator_match", 1, match_expression, deterministic=True)
    conn.create_function("escape_fts", 1, match_expression, deterministic=True)


_TABLE_PATH = re.compile(rf"^/(?P<db>[^/]+)/{TABLE}(?P<ext>\.json|\.csv)?$")
_KEEP = {"_shape", "_size", "_json", "_nl", "_dl", "_stream", "_labels"}


def ranked_search_target(path: str, query_string: str, archives: list[str]) -> tuple[str, str] | None:
    """(path, query string) of the ranked canned query answering a search-box request, or None."""
    m = _TABLE_PATH.match(path)
    if not m or m.group("db") not in archives:
        return None
    args = parse_qsl(query_string, keep_blank_values=True)
    keys = {k for k, _ in args}
    search = next((v for k, v in args if k == "_search"), "")
    if not search.strip() or keys & {"_sort", "_sort_desc"}:
        return None
    kept = [(k, v) for k, v in args if k in _KEEP]
    return f"/{m.group('db')}/{QUERY}{m.group('ext') or ''}", urlencode([("q", search), *kept])


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def ranked(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
                qs = scope.get("query_string", b"").decode("latin-1")
                if "_search=" in qs:
                    target = ranked_search_target(scope.get("path", ""), qs, archive_databases(datasette))
                    if target is not None:
                        path, query = target
                        scope = {**scope, "path": path, "raw_path": path.encode("utf-8"),
                                 "query_string": query.encode("latin-1")}
            await app(scope, receive, send)

        return ranked

    return wrap
