"""Full-text search of the archive (the SQL half; ``aggregator.search`` is the pure half)."""

from __future__ import annotations

from datetime import datetime

from aggregator import search as fts
from aggregator.archive.base import ArchiveBase
from aggregator.archive.schema import _rebuild_search
from aggregator.errors import ArchiveError
from aggregator.project import iso_utc

#: Searches rank (bm25) about this many of the newest matches first, then older ones:
#: ranking every match of a term found in half of a 100,000-article archive takes
#: ~100 ms, the newest 10,000 ~20 ms (docs/archive.md "Full-text search").
RANK_WINDOW = 10_000
#: Newest rows counted to predict how many rows a query matches.
RANK_PROBE = 2_000


class SearchMixin(ArchiveBase):
    """Search and index maintenance of :class:`aggregator.archive.Archive`."""

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
                   [iso_utc(since) if since else "", iso_utc(until) if until else "\uffff"])
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
