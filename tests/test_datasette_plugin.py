"""The Datasette plugin: `datasette FILE` with no flags searches the archive's own index.

Drives the real ``datasette`` command (``--get``) against an archive built with
``Archive.store_articles``, under a file name that is not ``archive.db``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from aggregator.archive import Archive
from aggregator.items import Article

import datasette  # noqa: E402,F401  (a test dependency: a broken install fails here, loudly)
DATASETTE = shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which("datasette")
T = "2024-03-01T08:00:00+00:00"

STORIES = [
    # (url, title, body, published)
    ("https://yc.example.cn/1.html", "银川新建高标准农田十二万亩",
     "今年将新建改造农田十二万亩，重点推进引黄灌区节水改造。技术人员下乡开展测土配方服务。", "2024-02-27T02:00:00+00:00"),
    ("https://yc.example.cn/2.html", "夜间公交线路开通",
     "为方便市民夜间出行，公交集团开通三条夜间线路，末班车延至二十三点。", "2024-02-28T02:00:00+00:00"),
    ("https://gy.example.cn/1.html", "固原冷凉蔬菜带动增收",
     "固原市围绕乡村振兴发展冷凉蔬菜，带动两万多户群众增收。" + "大棚里一片繁忙。" * 30
     + "这里的农户说，测土配方让施肥更省。", "2024-02-29T02:00:00+00:00"),
    ("https://gy.example.cn/2.html", "乡村振兴见成效",
     "固原乡村振兴示范村建设全面铺开，银川的企业也来投资。", "2024-02-29T05:00:00+00:00"),
]


@pytest.fixture(scope="module")
def archive_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ds") / "news-2024.sqlite"
    with Archive(path) as archive:
        archive.store_articles([
            Article(url=url, title=title, body_text=body, body_html=f"<p>{body}</p>", published=published,
                    category="ningxia", category_name="宁夏", spider="nx", source="宁夏日报", fetched_at=T)
            for url, title, body, published in STORIES
        ], now=T)
    return path


def datasette_get(path: Path, url: str) -> dict:
    proc = subprocess.run([DATASETTE, str(path), "--get", url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def search(path: Path, term: str, extra: str = "") -> list[str]:
    data = datasette_get(path, f"/{path.stem}/articles.json?_search={quote(term)}&_shape=objects{extra}")
    return [r["title"] for r in data["rows"]]


def test_plugin_is_registered_through_the_entry_point():
    proc = subprocess.run([DATASETTE, "plugins"], capture_output=True, text=True, timeout=120)
    names = {p["name"] for p in json.loads(proc.stdout)}
    assert "aggregator" in names


def test_two_character_term_only_in_bodies(archive_file):
    # 测土配方 occurs in two bodies, in no title and (for the second) far past the lead
    assert sorted(search(archive_file, "测土")) == ["固原冷凉蔬菜带动增收", "银川新建高标准农田十二万亩"]
    assert sorted(search(archive_file, "测土配方")) == ["固原冷凉蔬菜带动增收", "银川新建高标准农田十二万亩"]


def test_one_two_four_characters_traditional_and_ranking(archive_file):
    # 川 (1 character): in a title (ranked first) and in a body
    assert search(archive_file, "川") == ["银川新建高标准农田十二万亩", "乡村振兴见成效"]
    # 4 characters; the article with the term in its title ranks first
    assert search(archive_file, "乡村振兴") == ["乡村振兴见成效", "固原冷凉蔬菜带动增收"]
    # traditional forms find simplified text
    assert search(archive_file, "鄉村振興") == ["乡村振兴见成效", "固原冷凉蔬菜带动增收"]
    assert search(archive_file, "夜間") == ["夜间公交线路开通"]
    assert search(archive_file, "南极") == []


def test_explicit_sort_keeps_the_table_view_with_the_same_matches(archive_file):
    data = datasette_get(archive_file, f"/{archive_file.stem}/articles.json?_search={quote('乡村振兴')}"
                                       "&_sort_desc=published&_shape=objects")
    assert [r["title"] for r in data["rows"]] == ["乡村振兴见成效", "固原冷凉蔬菜带动增收"]
    data = datasette_get(archive_file, f"/{archive_file.stem}/articles.json?_search={quote('测土')}"
                                       "&_sort=id&_shape=objects")
    assert [r["title"] for r in data["rows"]] == ["银川新建高标准农田十二万亩", "固原冷凉蔬菜带动增收"]


def test_table_page_has_the_search_box_and_descriptions(archive_file):
    proc = subprocess.run([DATASETTE, str(archive_file), "--get", f"/{archive_file.stem}/articles"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert 'name="_search"' in proc.stdout
    assert "Every stored article" in proc.stdout  # the shipped table description


def test_other_databases_are_left_alone(tmp_path):
    import sqlite3

    other = tmp_path / "notes.db"
    con = sqlite3.connect(other)
    con.execute("create table articles (id integer primary key, title text)")
    con.execute("create virtual table articles_fts using fts5(title, content='articles', content_rowid='id')")
    con.execute("insert into articles(title) values ('hello world')")
    con.execute("insert into articles_fts(rowid, title) values (1, 'hello world')")
    con.commit()
    con.close()
    data = datasette_get(other, "/notes/articles.json?_search=hello&_shape=objects")
    assert [r["title"] for r in data["rows"]] == ["hello world"]


def test_with_the_shipped_metadata_file_too(tmp_path, archive_file):
    import shutil as sh

    from aggregator.datasette.plugin import METADATA

    copy = tmp_path / "archive.db"
    sh.copy(archive_file, copy)
    for extra in ("", "&_sort_desc=published"):
        proc = subprocess.run([DATASETTE, str(copy), "-m", str(METADATA), "--get",
                               f"/archive/articles.json?_search={quote('测土配方')}&_shape=objects{extra}"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert sorted(r["title"] for r in json.loads(proc.stdout)["rows"]) == ["固原冷凉蔬菜带动增收", "银川新建高标准农田十二万亩"]
