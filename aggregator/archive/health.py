"""Per-source health (``aggregator status``) and the summaries commands print."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from aggregator.archive.base import ArchiveBase
from aggregator.failures import RUN_DEGRADED, RUN_FAILED, RUN_INTERRUPTED, RUN_OK, VERDICT_DEGRADED, VERDICT_FAILING, VERDICT_OK, VERDICT_SILENT
from aggregator.project import as_utc


class HealthMixin(ArchiveBase):
    """Read-only reports of :class:`aggregator.archive.Archive`."""

    # -- health -----------------------------------------------------------------------------------

    def status(self, now: str | datetime | None = None) -> list[dict]:
        """Health of every source (sources table, crawl runs and articles), sorted by name.

        Verdict rule (docs/archive.md "Health"): ``failing`` when the last run's status is
        ``failed``; ``degraded`` when it is ``degraded``; ``silent`` when the source was
        never crawled, or its runs succeed but no new article arrived (``first_seen_at``)
        in the last 7 days; ``ok`` otherwise. ``error_rate`` is errors / pages fetched
        over the runs of the last 7 days (None without runs).
        """
        now_dt = as_utc(now)
        day, week = (now_dt - timedelta(days=1)).isoformat(), (now_dt - timedelta(days=7)).isoformat()
        titles = dict(self.db.execute("SELECT name, title FROM sources").fetchall())
        names = set(titles)
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT spider FROM crawl_runs WHERE spider IS NOT NULL"))
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT spider FROM articles WHERE spider IS NOT NULL"))
        out = []
        for name in sorted(names):
            last = self.db.execute(
                "SELECT started_at, finished_at, status, reason, finish_reason, stats FROM crawl_runs WHERE spider = ? "
                f"AND coalesce(status, '') != '{RUN_INTERRUPTED}' "   # a stopped run says nothing about the site
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
                f"SELECT count(*), count(CASE WHEN status NOT IN ('{RUN_OK}', '{RUN_INTERRUPTED}') THEN 1 END), coalesce(sum(errors), 0), "
                "coalesce(sum(pages), 0) FROM crawl_runs WHERE spider = ? AND coalesce(finished_at, started_at) >= ?",
                [name, week],
            ).fetchone()
            if runs7:
                error_rate = round(errors7 / pages7, 4) if pages7 else (1.0 if errors7 else 0.0)
            else:
                error_rate = None
            if last is None:
                verdict, reason = VERDICT_SILENT, "never crawled"
            elif last[2] == RUN_FAILED:
                verdict, reason = VERDICT_FAILING, last[3] or f"last run failed ({last[4]})"
            elif last[2] == RUN_DEGRADED:
                verdict, reason = VERDICT_DEGRADED, last[3] or "last run degraded"
            elif n7 == 0:
                verdict = VERDICT_SILENT
                reason = f"no new articles since {newest}" if newest else "no articles yet"
            else:
                verdict, reason = VERDICT_OK, None
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
                "blocked": _blocked_counts(last[5] if last else None),
            })
        return out

    def last_success_by_source(self) -> dict[str, str]:
        """Source name -> when its last successful run finished."""
        return dict(self.db.execute(
            "SELECT spider, max(finished_at) FROM crawl_runs WHERE status = 'ok' GROUP BY spider").fetchall())

    def category_counts(self) -> list[tuple[str, str, int]]:
        """``(slug, name, articles)`` per category that has articles, most articles first."""
        return [tuple(r) for r in self.db.execute(
            "SELECT c.slug, c.name, count(*) FROM article_categories ac JOIN categories c ON c.slug = ac.category "
            "GROUP BY c.slug ORDER BY count(*) DESC, c.slug").fetchall()]

    def article_rows(self, columns: tuple[str, ...]) -> list[tuple]:
        """Every article as a tuple of ``columns`` (names of ``articles`` columns), in id order."""
        known = {c.name for c in self.db["articles"].columns}
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"not a column of articles: {unknown[0]!r}")
        return self.db.execute(f"SELECT {', '.join(columns)} FROM articles ORDER BY id").fetchall()


def _blocked_counts(stats_json: str | None) -> dict[str, int]:
    """Requests the network policy refused in a run (counted skips, docs/security.md)."""
    try:
        stats = json.loads(stats_json or "{}")
    except ValueError:
        return {}
    return {k.split("/", 1)[1]: v for k, v in stats.items()
            if k in ("aggregator/blocked_address", "aggregator/blocked_scheme") and v}
