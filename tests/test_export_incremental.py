"""Export scales with change: only feeds whose inputs changed are rendered and written.

A real archive (``Archive.store_articles`` of normalised articles), exported into a real
folder; then the archive changes in one place and the test says exactly which files the
next export rewrites. Also: an archive written before ``sanitizer_version`` existed opens,
migrates in place, and exports the same bytes.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aggregator.archive import MIGRATIONS, Archive
from aggregator.errors import ArchiveError
from aggregator.export import export_all
from aggregator.export.state import STATE_FILE
from aggregator.items import Article
from aggregator.normalize import SANITIZER_VERSION, normalize_article
from aggregator.sources import Source

BASE = "https://feeds.example.org/"
NOW = datetime(2024, 7, 1, tzinfo=timezone.utc)
CATS = {"s1": ("c1", "银川要闻"), "s2": ("c2", "固原要闻"), "s3": ("c3", "吴忠要闻")}
PARAS = ("黄河岸边的村庄开始了新一年的春耕，农机手们清晨就下了地。", "当地农业部门派出技术人员，逐户讲解节水灌溉的做法。",
         "村民说，今年的种子和化肥都提前备好了，心里很踏实。")


def article(i: int, spider: str, when: datetime) -> Article:
    cat, name = CATS[spider]
    body = "".join(f"<p>{p}（第{i}篇）</p>" for p in PARAS) + '<p><img src="/img/a.jpg"><script>alert(1)</script></p>'
    art, _ = normalize_article(Article(
        url=f"https://www.{spider}.example.cn/{cat}/t{i}.html?utm_source=x", title=f"第{i}条新闻：春耕忙 - {name}网",
        published=when.isoformat(), source=f"{name}网", category=cat, category_name=name, spider=spider,
        body_html=body, fetched_at=when.isoformat()), site_names=(f"{name}网",))
    return art


def build(path: Path, n: int = 18) -> None:
    with Archive(path) as archive:
        archive.upsert_sources([Source(name=s, title=f"{name}网", category=c, start_urls=(f"https://www.{s}.example.cn/",))
                                for s, (c, name) in CATS.items()])
        archive.store_articles([article(i, f"s{i % 3 + 1}", NOW - timedelta(hours=i + 1)) for i in range(n)],
                               now="2024-07-01T00:00:00+00:00")


def files(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def age(out: Path) -> None:
    """Give every file an old mtime, so a rewrite shows even within the clock's resolution."""
    for p in out.rglob("*"):
        if p.is_file():
            os.utime(p, (1_000_000_000, 1_000_000_000))


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in after if before.get(k) != after[k]}


def export(db: Path, out: Path) -> tuple:
    lines: list[str] = []
    report = export_all(db, out, base_url=BASE, now=NOW, log=lines.append)
    return report, lines


FEEDS = lambda *stems: {f"{s}.{ext}" for s in stems for ext in ("xml", "atom", "json")}  # noqa: E731


@pytest.fixture
def exported(tmp_path):
    db, out = tmp_path / "archive.db", tmp_path / "feeds"
    build(db)
    report, _ = export(db, out)
    assert report.files_written == 3 * 7 + 3   # all, 3 categories, 3 sources; index.html, index.opml, sources.opml
    age(out)
    return db, out


def test_unchanged_archive_renders_nothing_and_writes_nothing(exported):
    db, out = exported
    before = files(out)
    report, lines = export(db, out)
    assert (report.files_written, report.bytes_written) == (0, 0)
    assert report.files_unchanged == len(before) - 1   # every file but the state file
    assert lines[-1] == f"export: 7 feeds unchanged since the last export in {out}"
    assert files(out) == before


def test_a_crawl_that_found_nothing_new_changes_nothing(exported):
    """Re-fetched unchanged articles (new fetched_at) and a recorded run (the sources'
    crawl times) are not inputs of any feed: still nothing rendered, nothing written."""
    db, out = exported
    before = files(out)
    with Archive(db) as archive:
        again = [article(i, f"s{i % 3 + 1}", NOW - timedelta(hours=i + 1)) for i in range(18)]
        for a in again:
            a.fetched_at = "2024-07-02T00:00:00+00:00"
        assert set(archive.store_articles(again, now="2024-07-02T00:00:00+00:00")) == {"unchanged"}
        archive.record_run({"spider": "s1", "started_at": "2024-07-02T00:00:00+00:00",
                            "finished_at": "2024-07-02T00:01:00+00:00", "status": "ok"})
    report, lines = export(db, out)
    assert report.files_written == 0 and "unchanged since the last export" in lines[-1]
    assert files(out) == before


def test_new_articles_in_one_category_rewrite_exactly_the_feeds_that_hold_them(exported):
    db, out = exported
    before = files(out)
    with Archive(db) as archive:   # newer than everything: they lead all.*, c2.*, source/s2.*
        archive.store_articles([article(100 + i, "s2", NOW + timedelta(minutes=i)) for i in range(2)])
    report, lines = export(db, out)
    assert changed(before, files(out)) == FEEDS("all", "c2", "source/s2") | {"index.html", "index.opml", "sources.opml",
                                                                           STATE_FILE}
    assert "7 feeds (3 rendered)" in lines[-1]
    assert {Path(p).relative_to(out).as_posix() for p in report.paths_written} == \
        FEEDS("all", "c2", "source/s2") | {"index.html", "index.opml", "sources.opml"}


def test_a_link_to_another_category_rewrites_the_feeds_showing_that_article(exported):
    db, out = exported
    before = files(out)
    with Archive(db) as archive:
        url = archive.db.execute("SELECT url FROM articles WHERE spider = 's1' ORDER BY id LIMIT 1").fetchone()[0]
        assert archive.link_category(url, "c3")
    export(db, out)
    # its entry now names c3 too (all, c1, source/s1), and c3 holds it; the index shows c3's headlines
    assert changed(before, files(out)) == FEEDS("all", "c1", "c3", "source/s1") | {"index.html", STATE_FILE}


def test_an_edit_made_with_sqlite3_is_noticed(exported):
    """The archive's triggers count changes made by any client, not only by this project."""
    db, out = exported
    before = files(out)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE categories SET name = '银川新闻' WHERE slug = 'c1'")
    conn.close()
    export(db, out)
    # the category's own feed (title), and every feed whose entries name the category
    assert changed(before, files(out)) == FEEDS("all", "c1", "source/s1") | {"index.html", "index.opml", STATE_FILE}


def test_a_deleted_or_edited_feed_file_is_written_again(exported):
    db, out = exported
    (out / "c1.atom").unlink()
    (out / "source/s3.json").write_text("{}")
    before = files(out)
    report, _ = export(db, out)
    assert changed(before, files(out)) == {"c1.atom", "source/s3.json"}
    assert report.files_written == 2


def test_archive_from_before_sanitizer_version_migrates_in_place_and_exports_the_same(tmp_path):
    """An archive as the previous version wrote it (schema m001..m005, no sanitizer_version,
    no content_version):
    the exporter reads it as it is (sanitising every body), writing opens and migrates it
    (rows kept, version unknown), and both exports are byte for byte the same."""
    db = tmp_path / "old.db"
    build(db)
    with sqlite3.connect(db) as conn:   # undo m006: what the old code left on disk
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_content'")\
                .fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM _aggregator_meta WHERE key = 'content_version'")
        conn.execute("ALTER TABLE articles DROP COLUMN sanitizer_version")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('m006_sanitizer_version', 'm007_content_version')")
    conn.close()
    rows_before = sqlite3.connect(db).execute("SELECT id, url, title, body_html, content_hash FROM articles").fetchall()
    with pytest.raises(ArchiveError, match="older version"):
        Archive(db, readonly=True)
    export_all(db, tmp_path / "old-feeds", base_url=BASE, now=NOW)

    with Archive(db) as archive:
        assert [m.name for m in MIGRATIONS.pending(archive.db)] == []
        got = archive.db.execute("SELECT id, url, title, body_html, content_hash FROM articles").fetchall()
        assert got == rows_before
        assert archive.db.execute("SELECT count(*) FROM articles WHERE sanitizer_version IS NULL").fetchone()[0] == 18
        archive.store_articles([article(200, "s1", NOW - timedelta(days=30))])
        assert archive.db.execute("SELECT sanitizer_version FROM articles WHERE url LIKE '%t200.html'").fetchone() == \
            (SANITIZER_VERSION,)
        archive.db.execute("DELETE FROM articles WHERE url LIKE '%t200.html'")
        archive.db.conn.commit()
    export_all(db, tmp_path / "new-feeds", base_url=BASE, now=NOW)
    old = {k: v[0] for k, v in files(tmp_path / "old-feeds").items() if k != STATE_FILE}
    new = {k: v[0] for k, v in files(tmp_path / "new-feeds").items() if k != STATE_FILE}
    assert old == new and len(old) == 24
    feeds = b"".join(v for k, v in old.items() if k.endswith((".xml", ".atom", ".json")))
    assert b"alert(1)" not in feeds and b"&lt;script" not in feeds and "第3篇".encode() in feeds


def test_rows_of_an_older_sanitiser_are_sanitised_again_on_export(tmp_path):
    """A row whose body was never sanitised (sanitizer_version NULL, e.g. written by another
    tool) is cleaned by the exporter; rows of the current version are trusted as stored."""
    db, out = tmp_path / "archive.db", tmp_path / "feeds"
    build(db, n=3)
    with Archive(db) as archive:
        archive.store_articles([Article(url="https://www.s1.example.cn/c1/raw.html", title="外部工具写入的文章",
                                        published=NOW.isoformat(), category="c1", spider="s1",
                                        body_html='<p onclick="x()">正文第一段，内容足够长。</p><script>alert(2)</script>',
                                        body_text="正文第一段，内容足够长。")])
        assert archive.db.execute("SELECT sanitizer_version FROM articles WHERE url LIKE '%raw.html'").fetchone() == (None,)
    export_all(db, out, base_url=BASE, now=NOW)
    text = (out / "c1.xml").read_text("utf-8")
    assert "正文第一段" in text and "alert(2)" not in text and "onclick" not in text
