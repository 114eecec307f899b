"""Datasette on an archive: the search box, facets, labels and the shipped canned search query.

Runs ``datasette.app.Datasette`` in-process with its test client (no network) against an
archive built through ``Archive.store_articles``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from datasette.app import Datasette   # a dependency (pyproject.toml): a broken import fails here

from aggregator.archive import Archive, datasette_metadata
from aggregator.items import Article

METADATA = Path(__file__).resolve().parent.parent / "aggregator" / "datasette" / "metadata.json"
T = "2024-03-01T08:00:00+00:00"

STORIES = [
    ("yinchuan", "银川新闻", "https://yc.example.cn/1.html", "银川新建高标准农田十二万亩",
     "银川市今年将新建改造农田十二万亩，重点推进引黄灌区节水改造。", "2024-02-27T02:00:00+00:00"),
    ("yinchuan", "银川新闻", "https://yc.example.cn/2.html", "银川开通三条夜间公交线路",
     "为方便市民夜间出行，银川公交集团开通三条夜间线路，末班车延至二十三点。", "2024-02-28T02:00:00+00:00"),
    ("xinjiang", "新疆新闻", "https://xj.example.cn/1.html", "昌吉棉农忙春播",
     "新疆昌吉州的棉花种植户正忙着春播前的准备工作，合作社推广北斗导航播种。", "2024-02-28T05:00:00+00:00"),
    ("guyuan", "固原新闻", "https://gy.example.cn/1.html", "固原冷凉蔬菜带动增收",
     "固原市围绕乡村振兴发展冷凉蔬菜，带动两万多户群众增收，大棚里一片繁忙。", "2024-02-29T02:00:00+00:00"),
]


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    """archive.db with four articles in three categories (Datasette names the database "archive")."""
    path = tmp_path_factory.mktemp("datasette") / "archive.db"
    with Archive(path) as archive:
        archive.store_articles([
            Article(url=url, title=title, body_text=body, body_html=f"<p>{body}</p>", published=published,
                    category=cat, category_name=cat_name, spider=cat, source=f"{cat_name[:2]}日报", fetched_at=T)
            for cat, cat_name, url, title, body, published in STORIES
        ], now=T)
    return path


def get_json(ds: Datasette, path: str) -> dict:
    """GET path from the in-process Datasette; asserts 200 and returns the JSON."""

    async def go():
        await ds.invoke_startup()
        return await ds.client.get(path)

    response = asyncio.run(go())
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def titles(data: dict) -> list[str]:
    return sorted(r["title"] for r in data["rows"])


def test_search_box_works_out_of_the_box(archive_path):
    ds = Datasette([str(archive_path)])  # no metadata: Datasette finds articles_fts by itself
    page = get_json(ds, "/archive/articles.json?_shape=objects&_search=高标准农田")
    assert titles(page) == ["银川新建高标准农田十二万亩"]
    # the search box also covers the lead (first 150 characters of the body)
    assert titles(get_json(ds, "/archive/articles.json?_shape=objects&_search=北斗导航")) == ["昌吉棉农忙春播"]
    assert get_json(ds, "/archive/articles.json?_shape=objects&_search=南极科考站")["rows"] == []


def test_shipped_metadata_facets_labels_and_hidden_tables(archive_path):
    ds = Datasette([str(archive_path)], metadata=json.loads(METADATA.read_text("utf-8")))
    page = get_json(ds, "/archive/articles.json?_labels=on&_shape=objects")
    facets = page["facet_results"]
    counts = {f["value"]: f["count"] for f in facets["category"]["results"]}
    assert counts == {"yinchuan": 2, "xinjiang": 1, "guyuan": 1}
    labels = {f["value"]: f["label"] for f in facets["category"]["results"]}
    assert labels["xinjiang"] == "新疆新闻"
    assert {f["value"] for f in facets["published"]["results"]} == {"2024-02-27", "2024-02-28", "2024-02-29"}
    assert "spider" in facets and "source" in facets
    first = page["rows"][0]  # sort_desc published
    assert first["title"] == "固原冷凉蔬菜带动增收"
    assert first["category"] == {"value": "guyuan", "label": "固原新闻"}
    # facets and search together
    page = get_json(ds, "/archive/articles.json?_shape=objects&_search=夜间公交&_facet=spider")
    assert titles(page) == ["银川开通三条夜间公交线路"]
    tables = {t["name"]: t["hidden"] for t in get_json(ds, "/archive.json")["tables"]}
    assert tables["articles"] is False and tables["crawl_runs"] is False
    assert tables["search_queue"] is True and tables["articles_search"] is True


@pytest.mark.parametrize("term, expected", [
    ("川", ["银川开通三条夜间公交线路", "银川新建高标准农田十二万亩"]),
    ("银川", ["银川开通三条夜间公交线路", "银川新建高标准农田十二万亩"]),
    ("新疆", ["昌吉棉农忙春播"]),
    ("乡村振兴", ["固原冷凉蔬菜带动增收"]),
    ("振兴乡村", []),
])
def test_canned_search_query_finds_short_terms_in_bodies(archive_path, term, expected):
    ds = Datasette([str(archive_path)], metadata=json.loads(METADATA.read_text("utf-8")))
    assert titles(get_json(ds, f"/archive/search.json?_shape=objects&q={term}")) == expected


def test_metadata_for_another_database_name(tmp_path, archive_path):
    other = tmp_path / "news.db"
    other.write_bytes(archive_path.read_bytes())
    ds = Datasette([str(other)], metadata=datasette_metadata("news"))
    assert titles(get_json(ds, "/news/search.json?_shape=objects&q=新疆")) == ["昌吉棉农忙春播"]


def test_every_table_and_column_is_described(archive_path):
    meta = json.loads(METADATA.read_text("utf-8"))["databases"]["archive"]["tables"]
    with Archive(archive_path, readonly=True) as archive:
        db = archive.db
        documented = [t for t in db.table_names() if not t.startswith(("articles_fts_", "articles_search_"))]
        for table in documented:
            assert table in meta, f"{table} missing from aggregator/datasette/metadata.json"
            config = meta[table]
            if config.get("hidden") or db[table].virtual_table_using:
                continue
            assert config.get("description"), table
            columns = [r[1] for r in db.execute(f"PRAGMA table_xinfo([{table}])")]
            assert sorted(config.get("columns", {})) == sorted(columns), table
