"""The SQLite archive: migrations, upserts, dedupe, revisions, full-text search, health.

Every archive here is built from code (no committed .db); the Chinese text is written
for these tests.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
import sqlite_utils

from aggregator.archive import query as archive_query
from aggregator import search as fts
from aggregator.archive import MIGRATIONS, Archive
from aggregator.search import body_fingerprint
from aggregator.errors import ArchiveError
from aggregator.items import Article
from aggregator.sources import Source

T1 = "2024-03-01T08:00:00+00:00"
T2 = "2024-03-02T08:00:00+00:00"
T3 = "2024-03-03T08:00:00+00:00"

BODY_YINCHUAN = (
    "本报银川3月1日讯 银川市今年将新建改造高标准农田十二万亩，重点推进引黄灌区节水改造。\n"
    "市农业农村局负责人介绍，全市计划在贺兰、永宁两县先行试点，把滴灌设施铺到田间地头。\n"
    "项目完工后，预计每亩节水三成，粮食单产提高一成以上。"
)
BODY_XINJIANG = (
    "新疆昌吉州的棉花种植户正忙着春播前的准备工作，农机合作社组织技术员下乡检修播种机。\n"
    "合作社负责人说，今年全州推广北斗导航播种，一台机器一天能播四百亩。"
)
BODY_RURAL = (
    "固原市围绕乡村振兴，发展冷凉蔬菜和肉牛养殖，带动两万多户群众增收。\n"
    "在原州区的一个村子里，新建的蔬菜大棚整齐排列，村民在家门口就能找到工作。"
)
BODY_TRAD = (
    "寧夏中衛市推進鄉村振興，沙坡頭區的枸杞園迎來採摘季，遊客可以體驗田園生活。\n"
    "當地還修建了觀光步道和民宿，讓更多人留在鄉村創業。"
)


def make(url: str, title: str, body: str, **kw) -> Article:
    """An Article as the pipelines hand it to the archive."""
    fields = dict(url=url, title=title, body_text=body, body_html="<p>" + body.replace("\n", "</p><p>") + "</p>",
                  published="2024-02-28T02:00:00+00:00", source="银川日报", category="yinchuan",
                  category_name="银川新闻", spider="yinchuan", fetched_at=T1)
    fields.update(kw)
    return Article(**fields)


def articles() -> list[Article]:
    """Four articles from three sources."""
    return [
        make("https://www.ycnews.example.cn/2024/03/01/farmland.html", "银川今年新建高标准农田十二万亩", BODY_YINCHUAN),
        make("https://xj.example.cn/news/cotton.html", "昌吉棉农忙春播", BODY_XINJIANG, spider="xinjiang",
             category="xinjiang", category_name="新疆新闻", source="新疆日报"),
        make("https://gy.example.cn/a/rural.html", "固原：冷凉蔬菜带动群众增收", BODY_RURAL, spider="guyuan",
             category="guyuan", category_name="固原新闻", source="固原日报"),
        make("https://zw.example.cn/a/goji.html", "中衛枸杞園迎來採摘季", BODY_TRAD, spider="zhongwei",
             category="zhongwei", category_name="中衛新聞", source="中衛日報"),
    ]


@pytest.fixture
def fresh_archive(tmp_path):
    """A migrated, empty archive in tmp_path (closed after the test)."""
    with Archive(tmp_path / "archive.db") as archive:
        yield archive


@pytest.fixture
def filled(fresh_archive):
    """The fresh archive with :func:`articles` stored at T1."""
    assert fresh_archive.store_articles(articles(), now=T1) == ["new"] * 4
    return fresh_archive


def rows(db, sql, params=()):
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


def fts_state(db) -> tuple:
    """Everything both FTS indexes store (their shadow tables)."""
    return tuple(
        rows(db, f"SELECT * FROM {t} ORDER BY 1")
        for t in ("articles_search_data", "articles_search_docsize", "articles_fts_data", "articles_fts_docsize")
    )


def titles(results) -> list[str]:
    return [r["title"] for r in results]


# --- opening, pragmas, migrations ---------------------------------------------------------------


def test_fresh_archive_has_schema_wal_foreign_keys_and_busy_timeout(fresh_archive):
    db = fresh_archive.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    for table in ("sources", "categories", "articles", "article_categories", "article_revisions", "crawl_runs",
                  "http_validators", "articles_fts", "articles_search", "search_queue", "failed_links"):
        assert db[table].exists(), table
    assert [m.name for m in MIGRATIONS.applied(db)] == [
        "m001_base", "m002_categories_revisions_duplicates", "m003_search", "m004_failed_links",
        "m005_url_aliases", "m006_sanitizer_version",
        "m007_content_version"]
    assert {fk.column: fk.other_table for fk in db["articles"].foreign_keys} == {
        "category": "categories", "spider": "sources", "duplicate_of": "articles"}
    indexed = {tuple(ix.columns) for ix in db["articles"].indexes}
    assert {("category", "published"), ("spider", "published"), ("published",), ("url_key",)} <= indexed


def test_foreign_keys_are_enforced(fresh_archive):
    with pytest.raises(sqlite3.IntegrityError):
        fresh_archive.db.execute("INSERT INTO articles(url, url_key, category) VALUES ('u', 'k', 'no-such-category')")


V1_ARTICLES = [
    {"id": 1, "url": "https://ycnews.example.cn/a/1.html", "url_key": "ycnews.example.cn/a/1.html",
     "title": "银川今年新建高标准农田十二万亩", "published": "2024-02-28T02:00:00+00:00", "published_guessed": 0,
     "source": "银川日报", "category": "yinchuan", "spider": "yinchuan", "body_text": BODY_YINCHUAN,
     "body_html": "<p>x</p>", "fetched_at": T1, "first_seen_at": T1, "updated_at": T1, "content_hash": "h1"},
    {"id": 2, "url": "https://xj.example.cn/a/2.html", "url_key": "xj.example.cn/a/2.html",
     "title": "昌吉棉农忙春播", "published": "2024-02-29T02:00:00+00:00", "published_guessed": 1,
     "source": "新疆日报", "category": "xinjiang", "spider": "xinjiang", "body_text": BODY_XINJIANG,
     "body_html": "<p>y</p>", "fetched_at": T1, "first_seen_at": T1, "updated_at": T1, "content_hash": "h2"},
    # the Yinchuan story reprinted by another source, with its own credit line
    {"id": 3, "url": "https://xj.example.cn/a/3.html", "url_key": "xj.example.cn/a/3.html",
     "title": "银川新建高标准农田", "published": "2024-02-29T03:00:00+00:00", "published_guessed": 0,
     "source": "银川日报", "category": "xinjiang", "spider": "xinjiang",
     "body_text": BODY_YINCHUAN + "\n责任编辑：马丽", "body_html": "<p>z</p>", "fetched_at": T2,
     "first_seen_at": T2, "updated_at": T2, "content_hash": "h3"},
]


def build_v1(path) -> None:
    """An archive as version 1 wrote it: the first migration only, with rows in every table."""
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="m002_categories_revisions_duplicates")
    db["sources"].insert_all([
        {"name": "yinchuan", "title": "银川新闻网", "type": "listing", "category": "yinchuan", "start_urls": "[]",
         "config": "{}", "added_at": T1},
        {"name": "xinjiang", "title": "新疆新闻", "type": "feed", "category": "xinjiang", "start_urls": "[]",
         "config": "{}", "added_at": T1},
    ])
    db["categories"].insert_all([{"slug": "yinchuan", "name": "银川新闻"}, {"slug": "xinjiang", "name": "新疆新闻"}])
    db["articles"].insert_all(V1_ARTICLES)
    db["crawl_runs"].insert({"spider": "yinchuan", "started_at": T1, "finished_at": T1, "status": "ok", "pages": 3,
                             "errors": 0, "dropped": "{}", "error_kinds": "{}", "coverage": "{}", "stats": "{}"})
    db["http_validators"].insert({"url": "https://ycnews.example.cn/list.html", "etag": '"abc"',
                                  "last_modified": None, "checked_at": T1})
    db.close()


def test_v1_archive_upgrades_in_place_without_losing_a_row(tmp_path):
    path = tmp_path / "old.db"
    build_v1(path)
    before = {t: rows(sqlite_utils.Database(path), f"SELECT * FROM {t} ORDER BY 1")
              for t in ("sources", "categories", "articles", "crawl_runs", "http_validators")}
    assert "article_categories" not in sqlite_utils.Database(path).table_names()

    with Archive(path) as archive:
        db = archive.db
        assert [m.name for m in MIGRATIONS.applied(db)][-1] == "m007_content_version"
        for table, old_rows in before.items():
            width = len(old_rows[0])  # v1 columns come first; later versions only add columns
            got = [r[:width] for r in rows(db, f"SELECT * FROM {table} ORDER BY 1")]
            if table == "articles":  # the upgrade links the reprint (duplicate_of), nothing else
                dup = [c.name for c in db["articles"].columns].index("duplicate_of")
                got = [r[:dup] + (None,) + r[dup + 1:] for r in got]
            assert got == old_rows, table
        # new tables exist and were back-filled
        assert rows(db, "SELECT article_id, category FROM article_categories ORDER BY 1") == [
            (1, "yinchuan"), (2, "xinjiang"), (3, "xinjiang")]
        assert rows(db, "SELECT count(*) FROM article_revisions") == [(0,)]
        assert rows(db, "SELECT id, duplicate_of FROM articles ORDER BY id") == [(1, None), (2, None), (3, 1)]
        # the full-text indexes cover the old rows
        assert titles(archive.search("棉花")) == ["昌吉棉农忙春播"]
        assert rows(db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '高标准农田' ORDER BY rowid") == [(1,), (3,)]
        # and the upgraded archive keeps working
        assert archive.store_articles([make(V1_ARTICLES[0]["url"], V1_ARTICLES[0]["title"], BODY_YINCHUAN)]) == ["unchanged"]


def test_readonly_refuses_an_archive_that_needs_upgrading(tmp_path):
    path = tmp_path / "old.db"
    build_v1(path)
    with pytest.raises(ArchiveError, match="older version"):
        Archive(path, readonly=True)
    assert "article_categories" not in sqlite_utils.Database(path).table_names()  # nothing written


def test_failed_migration_rolls_back_and_stays_pending(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    build_v1(path)

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("simulated failure")

    monkeypatch.setattr(MIGRATIONS._migrations[1], "fn", broken)
    with pytest.raises(ArchiveError, match="simulated failure"):
        Archive(path)
    db = sqlite_utils.Database(path)
    assert "half_done" not in db.table_names()
    assert [m.name for m in MIGRATIONS.pending(db)] == ["m002_categories_revisions_duplicates", "m003_search",
                                                      "m004_failed_links", "m005_url_aliases",
                                                      "m006_sanitizer_version", "m007_content_version"]


def test_open_errors_are_clear(tmp_path):
    with pytest.raises(ArchiveError, match="does not exist"):
        Archive(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="cannot open"):
        Archive(junk)
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["notes"].insert({"x": 1})
    with pytest.raises(ArchiveError, match="not an aggregator archive"):
        Archive(other, readonly=True)
    with pytest.raises(ArchiveError, match="folder"):
        Archive(tmp_path / "no" / "such" / "dir.db")


def test_readonly_reads_but_never_writes(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_articles(articles(), now=T1)
    with Archive(path, readonly=True) as ro:
        assert titles(ro.search("银川")) == ["银川今年新建高标准农田十二万亩"]
        assert [s["name"] for s in ro.status(now=T2)] == ["guyuan", "xinjiang", "yinchuan", "zhongwei"]
        assert ro.lookup("http://ycnews.example.cn/2024/03/01/farmland.html")["id"] == 1
        with pytest.raises(ArchiveError, match="read-only"):
            ro.store_articles(articles())
        with pytest.raises(ArchiveError, match="read-only"):
            ro.set_validator("https://x.example.cn/", "e", None)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            ro.db.execute("DELETE FROM articles")
    with Archive(path, readonly=True) as ro:
        assert ro.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 4


def test_readers_read_while_a_writer_writes(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as writer, Archive(path, readonly=True) as reader:
        writer.store_articles(articles()[:2], now=T1)
        with writer._write():  # a crawl batch in progress
            writer.db.execute("UPDATE articles SET title = '改了一半' WHERE id = 1")
            assert titles(reader.search("银川")) == ["银川今年新建高标准农田十二万亩"]  # the last committed state
            assert len(reader.status(now=T2)) == 2
        assert titles(reader.search("银川")) == ["改了一半"]


def test_a_second_writer_waits_then_fails_clearly(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as first, Archive(path) as second:
        second.db.execute("PRAGMA busy_timeout = 200")
        with first._write():
            first.db.execute("INSERT INTO categories(slug, name) VALUES ('x', 'x')")
            with pytest.raises(ArchiveError, match="locked by another writer"):
                second.store_articles(articles()[:1], now=T1)
        assert second.store_articles(articles()[:1], now=T1) == ["new"]


# --- storing articles ------------------------------------------------------------------------------


def test_restoring_unchanged_articles_changes_nothing_but_fetched_at(filled):
    db = filled.db
    before = rows(db, "SELECT id, url, title, updated_at, first_seen_at, content_hash FROM articles ORDER BY id")
    index_before = fts_state(db)
    again = [replace(a, fetched_at=T2) for a in articles()]
    assert filled.store_articles(again, now=T2) == ["unchanged"] * 4
    assert rows(db, "SELECT id, url, title, updated_at, first_seen_at, content_hash FROM articles ORDER BY id") == before
    assert rows(db, "SELECT DISTINCT fetched_at FROM articles") == [(T2,)]
    assert fts_state(db) == index_before
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(0,)]
    assert rows(db, "SELECT count(*) FROM search_queue") == [(0,)]


def test_changed_body_updates_the_row_and_keeps_one_revision(filled):
    db = filled.db
    changed = articles()
    changed[0] = replace(changed[0], body_text=BODY_YINCHUAN + "\n项目由宁夏水利部门统一验收。", fetched_at=T2)
    assert filled.store_articles(changed, now=T2) == ["updated", "unchanged", "unchanged", "unchanged"]
    assert rows(db, "SELECT id, updated_at, first_seen_at, fetched_at FROM articles WHERE id = 1") == [(1, T2, T1, T2)]
    assert rows(db, "SELECT id, updated_at FROM articles WHERE id != 1") == [(2, T1), (3, T1), (4, T1)]
    revisions = rows(db, "SELECT article_id, title, body_text, replaced_at FROM article_revisions")
    assert revisions == [(1, "银川今年新建高标准农田十二万亩", BODY_YINCHUAN, T2)]
    # both indexes follow the new text
    assert titles(filled.search("水利部门")) == ["银川今年新建高标准农田十二万亩"]
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    db.execute("INSERT INTO articles_search(articles_search) VALUES ('integrity-check')")
    # storing the same change again is not another revision
    assert filled.store_articles(changed[:1], now=T3) == ["unchanged"]
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(1,)]


def test_changed_title_is_a_revision_too(filled):
    renamed = replace(articles()[1], title="昌吉棉农忙春播：北斗导航上阵")
    assert filled.store_articles([renamed], now=T2) == ["updated"]
    assert rows(filled.db, "SELECT title FROM article_revisions") == [("昌吉棉农忙春播",)]
    assert titles(filled.search("北斗导航上阵")) == ["昌吉棉农忙春播：北斗导航上阵"]


def test_new_metadata_updates_without_revision_and_guesses_do_not(filled):
    db = filled.db
    first = articles()[0]
    assert filled.store_articles([replace(first, published="2024-03-05T00:00:00+00:00", published_guessed=True)],
                                 now=T2) == ["unchanged"]
    assert filled.store_articles([replace(first, author=None, source=None)], now=T2) == ["unchanged"]
    assert filled.store_articles([replace(first, author="马丽")], now=T2) == ["updated"]
    assert rows(db, "SELECT author, published, updated_at FROM articles WHERE id = 1") == [
        ("马丽", "2024-02-28T02:00:00+00:00", T2)]
    assert rows(db, "SELECT count(*) FROM article_revisions") == [(0,)]


def test_empty_body_never_replaces_a_stored_one(filled):
    broken = replace(articles()[0], body_text="", body_html="")
    filled.store_articles([broken], now=T2)
    assert rows(filled.db, "SELECT body_text FROM articles WHERE id = 1") == [(BODY_YINCHUAN,)]


@pytest.mark.parametrize("variant", [
    "http://www.ycnews.example.cn/2024/03/01/farmland.html",
    "https://ycnews.example.cn/2024/03/01/farmland.html?utm_source=wechat&utm_medium=share",
    "https://www.ycnews.example.cn/2024/03/01/farmland.html?spm=a1.b2&from=timeline#comments",
])
def test_url_variants_are_one_article(filled, variant):
    first = articles()[0]
    assert filled.store_articles([replace(first, url=variant)], now=T2) == ["unchanged"]
    assert rows(filled.db, "SELECT count(*) FROM articles") == [(4,)]
    assert rows(filled.db, "SELECT url FROM articles WHERE id = 1") == [(first.url,)]
    assert filled.lookup(variant)["id"] == 1


def test_index_page_and_trailing_slash_variants_merge(fresh_archive):
    a = make("https://www.nx.example.cn/news/2024/notice/", "宁夏发布春季防火通告", BODY_RURAL, spider="nx")
    b = replace(a, url="http://nx.example.cn/news/2024/notice/index.html")
    c = replace(a, url="https://nx.example.cn/news/2024/notice")
    assert fresh_archive.store_articles([a, b, c], now=T1) == ["new", "unchanged", "unchanged"]
    assert rows(fresh_archive.db, "SELECT url FROM articles") == [("https://www.nx.example.cn/news/2024/notice/",)]


def test_article_in_two_categories_is_stored_once(fresh_archive):
    a = articles()[0]
    b = replace(a, category="nongye", category_name="农业新闻", categories=["nongye", "shizheng"])
    assert fresh_archive.store_articles([a], now=T1) == ["new"]
    assert fresh_archive.store_articles([b], now=T2) == ["unchanged"]
    db = fresh_archive.db
    assert rows(db, "SELECT count(*) FROM articles") == [(1,)]
    assert rows(db, "SELECT category FROM articles") == [("yinchuan",)]  # the first category stays primary
    assert rows(db, "SELECT category FROM article_categories ORDER BY category") == [
        ("nongye",), ("shizheng",), ("yinchuan",)]
    assert rows(db, "SELECT slug, name FROM categories ORDER BY slug") == [
        ("nongye", "农业新闻"), ("shizheng", "shizheng"), ("yinchuan", "银川新闻")]
    assert fresh_archive.lookup(a.url)["categories"] == ["yinchuan", "nongye", "shizheng"]


def test_link_category(filled):
    assert filled.link_category("http://ycnews.example.cn/2024/03/01/farmland.html/", "tupian", "图片新闻") is True
    assert filled.link_category("https://ycnews.example.cn/never-seen.html", "tupian", "图片新闻") is False
    assert rows(filled.db, "SELECT category FROM article_categories WHERE article_id = 1 ORDER BY 1") == [
        ("tupian",), ("yinchuan",)]
    assert rows(filled.db, "SELECT name FROM categories WHERE slug = 'tupian'") == [("图片新闻",)]


def test_syndicated_copies_point_to_the_earliest(filled):
    copy1 = make("https://xj.example.cn/reprint/farmland.html", "银川新建高标准农田", BODY_YINCHUAN +
                 "\n（责任编辑：马丽）", spider="xinjiang", category="xinjiang", source="银川日报")
    copy2 = make("https://gy.example.cn/zz/farmland.html", "银川：新建高标准农田十二万亩",
                 "来源：银川日报\n" + BODY_YINCHUAN.replace("本报银川3月1日讯 ", "") + "\n编辑：王强",
                 spider="guyuan", category="guyuan")
    assert filled.store_articles([copy1, copy2], now=T2) == ["new", "new"]
    db = filled.db
    assert rows(db, "SELECT id, duplicate_of FROM articles WHERE id >= 5 ORDER BY id") == [(5, 1), (6, 1)]
    assert rows(db, "SELECT count(*) FROM articles WHERE duplicate_of IS NULL") == [(4,)]
    assert [r["id"] for r in filled.search("高标准农田")] == [1]
    assert sorted(r["id"] for r in filled.search("高标准农田", include_duplicates=True)) == [1, 5, 6]
    # different stories are not duplicates
    assert rows(db, "SELECT count(DISTINCT body_fingerprint) FROM articles") == [(4,)]


def test_body_fingerprint_rules():
    assert body_fingerprint("太短了") is None
    base = body_fingerprint(BODY_RURAL)
    assert base is not None
    assert body_fingerprint(BODY_RURAL.replace("，", ",") + "\n责任编辑：张三") == base
    assert body_fingerprint("新华社固原3月1日电 " + BODY_RURAL) == base
    assert body_fingerprint(BODY_RURAL.replace("两万多户", "三万多户")) != base
    # traditional script copy of the same story
    assert body_fingerprint(BODY_TRAD) == body_fingerprint(fts.fold(BODY_TRAD))


def test_missing_rows_for_sources_and_categories_are_created(fresh_archive):
    a = make("https://new.example.cn/a.html", "新来源的稿件", BODY_XINJIANG, spider="brand_new", category="xinpindao",
             category_name=None)
    assert fresh_archive.store_articles([a], now=T1) == ["new"]
    assert rows(fresh_archive.db, "SELECT name, title FROM sources") == [("brand_new", "brand_new")]
    assert rows(fresh_archive.db, "SELECT slug, name FROM categories") == [("xinpindao", "xinpindao")]
    fresh_archive.ensure_category("xinpindao", "新频道")
    assert rows(fresh_archive.db, "SELECT name FROM categories") == [("新频道",)]
    fresh_archive.ensure_category("xinpindao", None)
    assert rows(fresh_archive.db, "SELECT name FROM categories") == [("新频道",)]


def test_a_batch_is_one_transaction(fresh_archive, monkeypatch):
    calls = []
    real = Archive._store_one

    def failing(self, art, now):
        calls.append(art.url)
        if len(calls) == 3:
            raise RuntimeError("disk full (simulated)")
        return real(self, art, now)

    monkeypatch.setattr(Archive, "_store_one", failing)
    with pytest.raises(RuntimeError):
        fresh_archive.store_articles(articles(), now=T1)
    db = fresh_archive.db
    for table in ("articles", "article_categories", "search_queue", "categories", "sources"):
        assert rows(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert not db.conn.in_transaction


def test_article_without_url_is_refused_before_writing(fresh_archive):
    with pytest.raises(ArchiveError, match="without url"):
        fresh_archive.store_articles([articles()[0], Article(title="无链接")])
    assert rows(fresh_archive.db, "SELECT count(*) FROM articles") == [(0,)]


def test_upsert_sources(fresh_archive):
    src = Source(name="yinchuan", title="银川新闻网", start_urls=("https://ycnews.example.cn/list.html",),
                 category="yinchuan", category_name="银川新闻", max_pages=5)
    fresh_archive.upsert_sources([src])
    row = fresh_archive.db["sources"].get("yinchuan")
    assert row["title"] == "银川新闻网" and row["type"] == "listing" and row["category"] == "yinchuan"
    assert row["start_urls"] == '["https://ycnews.example.cn/list.html"]'
    assert '"max_pages": 5' in row["config"]
    added = row["added_at"]
    fresh_archive.upsert_sources([replace(src, title="银川新闻网（新版）")])
    row = fresh_archive.db["sources"].get("yinchuan")
    assert row["title"] == "银川新闻网（新版）" and row["added_at"] == added
    assert rows(fresh_archive.db, "SELECT slug, name FROM categories") == [("yinchuan", "银川新闻")]


# --- runs, validators, status -------------------------------------------------------------------------


def run(spider, finished, status="ok", **kw):
    return {"spider": spider, "started_at": finished, "finished_at": finished, "status": status,
            "finish_reason": "finished", "pages": 10, "errors": 0, **kw}


def test_record_run_stores_json_and_updates_the_source(fresh_archive):
    run_id = fresh_archive.record_run(run("yinchuan", T1, dropped={"MissingTitle": 2}, stats='{"a": 1}',
                                          unknown_key=7))
    row = fresh_archive.db["crawl_runs"].get(run_id)
    assert row["dropped"] == '{"MissingTitle": 2}'
    assert row["stats"] == '{"a": 1, "unknown_key": 7}'
    src = fresh_archive.db["sources"].get("yinchuan")
    assert (src["last_crawl_at"], src["last_success_at"]) == (T1, T1)
    fresh_archive.record_run(run("yinchuan", T2, status="failed", reason="site unreachable"))
    src = fresh_archive.db["sources"].get("yinchuan")
    assert (src["last_crawl_at"], src["last_success_at"]) == (T2, T1)


def test_validators(fresh_archive):
    url = "https://ycnews.example.cn/list.html"
    assert fresh_archive.get_validator(url) is None
    fresh_archive.set_validator(url, '"v1"', "Fri, 01 Mar 2024 08:00:00 GMT")
    assert fresh_archive.get_validator(url) == ('"v1"', "Fri, 01 Mar 2024 08:00:00 GMT")
    fresh_archive.set_validator(url, '"v2"', None)
    assert fresh_archive.get_validator(url) == ('"v2"', None)
    fresh_archive.set_validator(url, None, None)
    assert fresh_archive.get_validator(url) is None


def test_status_verdicts(fresh_archive):
    a = fresh_archive
    a.upsert_sources([Source(name=n, title=f"{n} 新闻") for n in ("fine", "broken", "sloppy", "quiet", "never")])
    old = make("https://q.example.cn/old.html", "旧闻", BODY_RURAL, spider="quiet", category="")
    a.store_articles([old], now="2024-02-01T00:00:00+00:00")
    fresh = [make(f"https://f.example.cn/{i}.html", f"新闻{i}", BODY_XINJIANG + str(i), spider="fine", category="")
             for i in range(3)]
    a.store_articles(fresh[:1], now="2024-03-05T00:00:00+00:00")
    a.store_articles(fresh[1:], now="2024-03-09T12:00:00+00:00")
    a.record_run(run("fine", "2024-03-09T12:00:00+00:00", pages=20, errors=1))
    a.record_run(run("broken", "2024-03-08T00:00:00+00:00"))
    a.record_run(run("broken", "2024-03-09T00:00:00+00:00", status="failed", reason="site unreachable: 503"))
    a.record_run(run("sloppy", "2024-03-09T00:00:00+00:00", status="degraded", reason="layout changed?"))
    a.record_run(run("quiet", "2024-03-09T00:00:00+00:00"))
    got = {s["name"]: s for s in a.status(now="2024-03-10T00:00:00+00:00")}
    assert {n: s["verdict"] for n, s in got.items()} == {
        "fine": "ok", "broken": "failing", "sloppy": "degraded", "quiet": "silent", "never": "silent"}
    assert got["fine"]["articles_24h"] == 2 and got["fine"]["articles_7d"] == 3 and got["fine"]["error_rate"] == 0.05
    assert got["broken"]["reason"] == "site unreachable: 503" and got["broken"]["error_rate"] == 0.0
    assert got["broken"]["last_success"] == "2024-03-08T00:00:00+00:00"
    assert got["quiet"]["reason"] == "no new articles since 2024-02-01T00:00:00+00:00"
    assert got["never"]["reason"] == "never crawled" and got["never"]["error_rate"] is None
    assert got["fine"]["title"] == "fine 新闻"


# --- full-text search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("疆", ["昌吉棉农忙春播"]),                              # 1 character
    ("棉", ["昌吉棉农忙春播"]),                              # 1 character, also in the title
    ("银川", ["银川今年新建高标准农田十二万亩"]),               # 2 characters
    ("新疆", ["昌吉棉农忙春播"]),
    ("乡村振兴", ["固原：冷凉蔬菜带动群众增收", "中衛枸杞園迎來採摘季"]),  # 4 characters, both scripts
    ("鄉村振興", ["固原：冷凉蔬菜带动群众增收", "中衛枸杞園迎來採摘季"]),  # traditional query
    ("枸杞园", ["中衛枸杞園迎來採摘季"]),                      # simplified query, traditional article
    ("高标准农田 节水", ["银川今年新建高标准农田十二万亩"]),      # all terms must match
    ('"北斗导航播种"', ["昌吉棉农忙春播"]),                    # a quoted phrase
    ("北斗 银川", []),
    ("南极科考", []),
])
def test_search_terms(filled, query, expected):
    assert sorted(titles(filled.search(query))) == sorted(expected)


def test_search_needs_contiguous_terms(fresh_archive):
    scattered = make("https://t.example.cn/1.html", "测试", "乡村道路修好了。村振作精神。振兴街道开业。", spider="t")
    whole = make("https://t.example.cn/2.html", "乡村振兴新貌", "全面推进乡村振兴。", spider="t")
    fresh_archive.store_articles([scattered, whole], now=T1)
    assert titles(fresh_archive.search("乡村振兴")) == ["乡村振兴新貌"]
    # the bigram AND matches both (verification drops one); the phrase form only the real one
    terms = fts.parse_query("乡村振兴")
    match = "SELECT rowid FROM articles_search WHERE articles_search MATCH ? ORDER BY rowid"
    assert rows(fresh_archive.db, match, [fts.match_expression(terms)]) == [(1,), (2,)]
    assert rows(fresh_archive.db, match, [fts.match_expression(terms, phrase=True)]) == [(2,)]


def test_search_result_fields_rank_and_snippet(filled):
    [hit] = filled.search("滴灌", markers=("【", "】"))
    assert hit["url"] == "https://www.ycnews.example.cn/2024/03/01/farmland.html"
    assert (hit["category"], hit["categories"], hit["source"], hit["spider"]) == (
        "yinchuan", ["yinchuan"], "银川日报", "yinchuan")
    assert hit["published"] == "2024-02-28T02:00:00+00:00"
    assert "【滴灌】" in hit["snippet"] and len(hit["snippet"]) < 90
    assert isinstance(hit["rank"], float)


def test_title_hits_rank_first(fresh_archive):
    # bm25 needs a corpus where the term is rare, as in a real archive
    fresh_archive.store_articles([make(f"https://t.example.cn/other{i}.html", f"其他新闻{i}", BODY_XINJIANG + str(i),
                                       spider="t") for i in range(8)], now=T1)
    body_only = make("https://t.example.cn/1.html", "春耕生产有序推进",
                     "各地抓紧春耕。" * 20 + "其中枸杞种植面积稳定。", spider="t")
    in_title = make("https://t.example.cn/2.html", "枸杞产业再上新台阶", "今年产业发展势头良好。" * 10, spider="t")
    fresh_archive.store_articles([body_only, in_title], now=T1)
    assert titles(fresh_archive.search("枸杞")) == ["枸杞产业再上新台阶", "春耕生产有序推进"]


def test_search_filters_and_limit(filled):
    assert titles(filled.search("乡村振兴", spider="guyuan")) == ["固原：冷凉蔬菜带动群众增收"]
    assert titles(filled.search("乡村振兴", category="zhongwei")) == ["中衛枸杞園迎來採摘季"]
    assert len(filled.search("乡村振兴", limit=1)) == 1
    assert filled.search("乡村振兴", since="2024-03-01T00:00:00+00:00") == []
    assert len(filled.search("乡村振兴", until="2024-03-01T00:00:00+00:00")) == 2
    assert filled.search("   ") == [] and filled.search("，。！") == []


def test_delete_keeps_both_indexes_in_sync(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_articles(articles(), now=T1)
    # someone deletes a row with the sqlite3 shell: plain connection, no foreign keys
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM articles WHERE url LIKE '%cotton%'")
    conn.commit()
    assert conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '棉农忙'").fetchall() == []
    assert conn.execute("SELECT count(*) FROM article_categories WHERE article_id = 2").fetchone() == (0,)
    conn.close()
    with Archive(path, readonly=True) as ro:  # the bigram index is not drained yet, results still right
        assert ro.search("新疆") == []
    with Archive(path) as archive:  # a writer drains the queue
        db = archive.db
        assert rows(db, "SELECT count(*) FROM search_queue") == [(0,)]
        assert rows(db, "SELECT rowid FROM articles_search WHERE articles_search MATCH '\"新疆\"'") == []
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        db.execute("INSERT INTO articles_search(articles_search) VALUES ('integrity-check')")
        assert sorted(titles(archive.search("乡村振兴"))) == ["中衛枸杞園迎來採摘季", "固原：冷凉蔬菜带动群众增收"]


def test_rows_written_by_other_clients_get_indexed(tmp_path):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_articles(articles(), now=T1)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE articles SET title = '银川农田建设再提速' WHERE id = 1")
    conn.execute("INSERT INTO articles(url, url_key, title, body_text, spider) "
                 "VALUES ('https://hand.example.cn/1', 'hand.example.cn/1', '手工录入的稿件', '盐池县滩羊产业发展迅速。', 'yinchuan')")
    conn.execute("INSERT INTO articles(url, url_key, title, body_text) VALUES ('https://hand.example.cn/2', "
                 "'hand.example.cn/2', '录入后又删', '临时稿件')")
    conn.execute("UPDATE articles SET body_text = '改过的临时稿件' WHERE url_key = 'hand.example.cn/2'")
    conn.execute("DELETE FROM articles WHERE url_key = 'hand.example.cn/2'")
    conn.commit()
    assert conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '再提速'").fetchall() == [(1,)]
    conn.close()
    with Archive(path) as archive:
        assert titles(archive.search("滩羊")) == ["手工录入的稿件"]
        assert titles(archive.search("再提速")) == ["银川农田建设再提速"]
        assert archive.search("临时稿件") == []
        archive.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        archive.db.execute("INSERT INTO articles_search(articles_search) VALUES ('integrity-check')")


def test_rebuild_fts(filled):
    filled.db.execute("INSERT INTO articles_search(articles_search) VALUES ('delete-all')")
    assert filled.search("银川") == []
    assert filled.rebuild_fts() == 4
    assert titles(filled.search("银川")) == ["银川今年新建高标准农田十二万亩"]
    assert rows(filled.db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '高标准'") == [(1,)]


def test_a_new_search_version_rebuilds_the_index_on_open(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store_articles(articles(), now=T1)
        archive.db.execute("INSERT INTO articles_search(articles_search) VALUES ('delete-all')")
    monkeypatch.setattr(fts, "SEARCH_VERSION", "test-next")
    with Archive(path) as archive:
        assert rows(archive.db, "SELECT value FROM _aggregator_meta WHERE key = 'search_version'") == [("test-next",)]
        assert titles(archive.search("新疆")) == ["昌吉棉农忙春播"]


def test_frequent_terms_rank_the_newest_matches_first(fresh_archive, monkeypatch):
    monkeypatch.setattr(archive_query, "RANK_WINDOW", 6)
    monkeypatch.setattr(archive_query, "RANK_PROBE", 4)
    rare = make("https://w.example.cn/rare.html", "稀有词", "只在这里出现的盐池滩羊。", spider="w")
    # ids 2..21 are about Yinchuan; the older ones say 银川 more often (better bm25)
    fresh_archive.store_articles([rare] + [
        make(f"https://w.example.cn/{i}.html", f"第{i}条消息", "银川新闻。" * (30 - i) + f"编号{i}号稿件，内容各不相同。",
             spider="w") for i in range(2, 22)
    ], now=T1)
    # the newest 4 rows all match: 21 matches expected > 6, so ids 16..21 are ranked first
    newest = fresh_archive.search("银川", limit=5)
    assert all(r["id"] >= 16 for r in newest)
    everything = fresh_archive.search("银川", limit=100)
    assert {r["id"] for r in everything[:6]} == set(range(16, 22))
    older = everything[6:]
    assert sorted(r["id"] for r in older) == list(range(2, 16))
    assert [r["rank"] for r in older] == sorted(r["rank"] for r in older)
    assert titles(fresh_archive.search("滩羊")) == ["稀有词"]


def test_record_failure_counts_attempts_per_url_key(fresh_archive):
    assert fresh_archive.record_failure("http://x.cn/a.html", "s", "http_500") == 0
    assert fresh_archive.record_failure("https://x.cn/a.html?utm_source=rss", "s", "http_404") == 1
    (row,) = fresh_archive.db.execute("SELECT attempts, kind FROM failed_links").fetchall()
    assert row == (2, "http_404")


def test_redirect_aliases_are_found_by_lookup(fresh_archive):
    from aggregator.items import Article

    art = Article(url="https://new.example.cn/a/1.html", title="迁移后的稿件", body_html="<p>正文。</p>",
                  body_text="正文。", content_hash="h", category="c", spider="s",
                  aliases=["http://old.example.cn/a/1.html"])
    assert fresh_archive.store_articles([art]) == ["new"]
    assert fresh_archive.lookup("http://old.example.cn/a/1.html")["url"] == "https://new.example.cn/a/1.html"
    assert fresh_archive.lookup("http://old.example.cn/a/2.html") is None
