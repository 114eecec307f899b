"""Shared fixtures: no proxies, a CLI runner in a subprocess, fresh archives, page builder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Hypothesis profiles (tests/test_properties.py): "ci" is the default, small enough for every
# run and derandomized (the same examples every time: no flaky CI); `pytest
# --hypothesis-profile=long` for a long, random local or nightly run.
from hypothesis import HealthCheck, settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                               suppress_health_check=[HealthCheck.too_slow])
_hyp_settings.register_profile("long", max_examples=20_000, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])
_hyp_settings.load_profile("ci")

# No test may reach the internet: make sure no proxy redirects 127.0.0.1 traffic either.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "REDIS_URL"):
    os.environ.pop(_var, None)


@pytest.fixture
def run_cli(tmp_path):
    """Run ``python -m aggregator ARGS`` in a subprocess (the cron path); returns CompletedProcess."""

    def _run(*args, cwd=None, env=None, timeout=300):
        full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
        full_env.pop("REDIS_URL", None) if not (env and "REDIS_URL" in env) else None
        return subprocess.run(
            [sys.executable, "-m", "aggregator", *map(str, args)],
            cwd=cwd or tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout,
        )

    return _run


def make_response(body: bytes | str, url: str = "http://example.com/a.html", headers: dict | None = None,
                  encoding: str | None = None):
    """An HtmlResponse with a Request attached, decoded by Scrapy as a crawl would."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    if isinstance(body, str):
        body = body.encode(encoding or "utf-8")
    kw = {"encoding": encoding} if encoding else {}
    return HtmlResponse(url=url, body=body, headers=headers or {}, request=Request(url), **kw)


# --- exporter: golden files and fixture archives ---------------------------------------

GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/* from the current output, then fail so you review the diff")


@pytest.fixture
def golden(request):
    """``golden(actual: dict[relpath, bytes], case)``: compare bytes with tests/golden/feeds/<case>/.

    Shows a unified diff on mismatch; with ``--update-golden`` rewrites the files and fails.
    """
    import difflib

    def _check(actual: dict, case: str):
        root = GOLDEN / "feeds" / case
        if request.config.getoption("--update-golden"):
            for rel, data in actual.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_bytes(data)
            for old in root.rglob("*"):
                if old.is_file() and old.relative_to(root).as_posix() not in actual:
                    old.unlink()
            pytest.fail(f"golden files of {case!r} rewritten in {root}: review `git diff` and re-run without --update-golden")
        expected = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.is_dir() else {}
        assert sorted(actual) == sorted(expected), f"files differ from {root} (regenerate with --update-golden)"
        for rel in sorted(actual):
            if actual[rel] != expected[rel]:
                diff = "".join(difflib.unified_diff(
                    expected[rel].decode("utf-8", "replace").splitlines(True),
                    actual[rel].decode("utf-8", "replace").splitlines(True),
                    f"golden/feeds/{case}/{rel}", f"actual/{rel}"))
                pytest.fail(f"{rel} differs from the golden file (pytest --update-golden to accept):\n{diff}")

    return _check


@pytest.fixture
def export_archive(tmp_path):
    """Factory: ``export_archive(data=None, name="archive.db", raw=False) -> Path``: an archive
    built from tests/golden/export_archive.json (or ``data``).

    Stored with ``aggregator.archive.Archive.store_articles`` (each article with
    ``now=updated_at``, so every timestamp is fixed); ``raw=True`` writes the rows with
    plain SQL instead, as a hand-edited archive would hold them (for hostile values).
    """
    import json

    import sqlite_utils

    def _make(data: dict | None = None, name: str = "archive.db", raw: bool = False) -> Path:
        data = data or json.loads((GOLDEN / "export_archive.json").read_text("utf-8"))
        path = tmp_path / name
        if not raw:
            _store_with_archive(path, data)
            return path
        db = sqlite_utils.Database(path)
        db["sources"].create({"name": str, "title": str, "type": str, "category": str, "start_urls": str,
                              "config": str, "added_at": str, "last_crawl_at": str, "last_success_at": str},
                             pk="name", if_not_exists=True)
        db["categories"].create({"slug": str, "name": str}, pk="slug", if_not_exists=True)
        db.execute("""CREATE TABLE IF NOT EXISTS articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL,
            url_key TEXT UNIQUE NOT NULL, title TEXT, published TEXT, published_guessed INTEGER,
            published_from TEXT, source TEXT, author TEXT, category TEXT REFERENCES categories(slug),
            spider TEXT REFERENCES sources(name), body_html TEXT, body_text TEXT, origin_url TEXT,
            fetched_at TEXT, first_seen_at TEXT, updated_at TEXT, content_hash TEXT,
            duplicate_of INTEGER REFERENCES articles(id))""")
        db.execute("""CREATE TABLE IF NOT EXISTS article_categories (article_id INTEGER, category TEXT,
            PRIMARY KEY (article_id, category))""")
        from aggregator.normalize import url_key

        db["sources"].insert_all(data.get("sources", []), replace=True)
        db["categories"].insert_all(data.get("categories", []), replace=True)
        for a in data.get("articles", []):
            row = {k: v for k, v in a.items() if k not in ("categories", "first_version")}
            row.setdefault("url_key", url_key(row["url"]))
            row.setdefault("published_guessed", 0)
            db["articles"].insert(row, replace=True)
            for c in a.get("categories", []):
                db["article_categories"].insert({"article_id": a["id"], "category": c}, replace=True)
        db.close()
        return path

    return _make


def _store_with_archive(path: Path, data: dict) -> None:
    """Store fixture rows through the archive's own API; checks ids and duplicate_of came out as written."""
    import json

    from aggregator.archive import Archive
    from aggregator.items import Article
    from aggregator.sources import Source

    with Archive(path) as archive:
        archive.upsert_sources([
            Source(name=s["name"], title=s["title"], type=s.get("type") or "listing",
                   start_urls=tuple(json.loads(s.get("start_urls") or "[]")), category=s.get("category") or "")
            for s in data.get("sources", [])
        ])
        for c in data.get("categories", []):
            archive.ensure_category(c["slug"], c["name"])
        for a in data.get("articles", []):
            fields = dict(url=a["url"], title=a["title"], published=a["published"], source=a["source"],
                          author=a["author"], category=a["category"], categories=a["categories"], spider=a["spider"],
                          body_html=a["body_html"], body_text=a["body_text"], origin_url=a["origin_url"],
                          fetched_at=a["fetched_at"])
            if a.get("first_version"):  # stored first in an earlier version, revised at updated_at
                archive.store_articles([Article(**{**fields, **a["first_version"]})], now=a["first_seen_at"])
            archive.store_articles([Article(**fields)], now=a["updated_at"])
        got = {r[0]: tuple(r[1:]) for r in archive.db.execute(
            "SELECT id, duplicate_of, first_seen_at, updated_at FROM articles")}
    expected = {a["id"]: (a.get("duplicate_of"), a["first_seen_at"], a["updated_at"]) for a in data.get("articles", [])}
    assert got == expected, f"fixture rows differ from the archive's: {got} != {expected}"
