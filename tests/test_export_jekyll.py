"""Jekyll export: post file names, YAML-safe front matter, the seed site's post layout."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from aggregator.export import export_all
from aggregator.export.jekyll import url_slug

NOW = datetime(2022, 1, 20, 12, 0, tzinfo=timezone.utc)
HOSTILE_TITLES = [
    '> 冰雪运动进校园："冬奥"课堂 #1 开讲',
    "标题: 带冒号 #不是注释",
    "'单引号' 与 \"双引号\"",
    "- 以连字符开头",
    "[方括号] {花括号}",
    "@提及 `反引号` *星号 &锚点 !标签 %百分号 |竖线",
    "yes",
    "2022",
    "null",
    "  多余空白  ",
    "行内\\反斜杠",
]


def fixture_data() -> dict:
    return json.loads((Path(__file__).parent / "golden" / "export_archive.json").read_text("utf-8"))


def split_post(text: str) -> tuple[dict, str, str]:
    m = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert m, text[:200]
    return yaml.safe_load(m.group(1)), m.group(1), m.group(2)


def test_post_layout_matches_the_seed_format(export_archive, tmp_path):
    export_all(export_archive(), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    text = (tmp_path / "site" / "_posts" / "2022-01-17-c123_456.md").read_text("utf-8")
    meta, raw, body = split_post(text)
    assert list(meta) == ["layout", "title", "date", "categories", "tags"]
    assert meta["layout"] == "post" and meta["title"] == "宁夏多地推进乡村振兴 特色产业带动农民增收"
    assert "\ndate: 2022-01-17 09:30:00 +0800\n" in f"\n{raw}\n"  # Beijing time, Jekyll's format
    assert meta["categories"] == ["ningxiaxinwenwang", "sannong"] and meta["tags"] == ["宁夏新闻网", "三农"]
    lines = body.split("\n")
    assert lines[0].startswith("<p>记者从自治区农业农村厅获悉")
    assert lines[0].endswith('</p><p class="em_media">（文章来源：宁夏日报）</p>')
    assert lines[1:] == ["", "<https://www.example-nxrb.cn/2022/0117/a3.html>", "",
                         "[返回宁夏新闻网](/category/ningxiaxinwenwang.html)｜[返回首页](/)", ""]


def test_url_line_is_the_article_url_without_origin(export_archive, tmp_path):
    export_all(export_archive(), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    text = (tmp_path / "site" / "_posts" / "2022-01-19-content_100001.md").read_text("utf-8")
    assert "\n<https://www.example-yinchuan.cn/news/2022-01/19/content_100001.htm>\n" in text
    assert "（文章来源：银川日报）" in text and "date: 2022-01-19 12:20:06 +0800" in text


def test_syndicated_copies_are_not_posts(export_archive, tmp_path):
    export_all(export_archive(), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    posts = sorted(p.name for p in (tmp_path / "site" / "_posts").iterdir())
    assert len(posts) == 6 and not any("content_100003" in p for p in posts)


def test_front_matter_escapes_hostile_titles(export_archive, tmp_path):
    data = fixture_data()
    base = data["articles"][0]
    data["articles"] = [
        {**base, "id": i + 1, "url": f"https://www.example-yinchuan.cn/news/t{i}.html", "title": title,
         "duplicate_of": None, "categories": []}
        for i, title in enumerate(HOSTILE_TITLES)
    ]
    # raw rows: the archive would mark these same-body articles as syndicated copies
    export_all(export_archive(data, raw=True), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    seen = {}
    for path in (tmp_path / "site" / "_posts").iterdir():
        meta, raw, _ = split_post(path.read_text("utf-8"))
        seen[path.name] = meta["title"]
        # Jekyll-style loaders that keep every scalar a string read the same title
        assert yaml.load(raw, Loader=yaml.BaseLoader)["title"] == meta["title"]
        assert isinstance(meta["title"], str)
    expected = {f"2022-01-19-t{i}.md": " ".join(t.split()) for i, t in enumerate(HOSTILE_TITLES)}
    assert seen == expected


def test_post_names_from_url_or_pinyin_and_unique(export_archive, tmp_path):
    data = fixture_data()
    base = data["articles"][0]
    data["articles"] = [
        {**base, "id": 1, "url": "https://a.example.cn/news/2022/0119/index.html", "title": "银川冬季供暖平稳运行"},
        {**base, "id": 2, "url": "https://a.example.cn/show.php?id=9", "title": "银川冬季供暖平稳运行"},
        {**base, "id": 3, "url": "https://a.example.cn/2022/0119/T20220119_12.shtml", "title": "另一条"},
        {**base, "id": 4, "url": "https://b.example.cn/x/T20220119_12.shtml", "title": "同名文件"},
    ]
    for a in data["articles"]:
        a.update(duplicate_of=None, categories=[])
    report = export_all(export_archive(data, raw=True), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    names = sorted(p.name for p in (tmp_path / "site" / "_posts").iterdir())
    assert len(names) == 4 and all(n.startswith("2022-01-19-") and n.endswith(".md") for n in names)
    assert "2022-01-19-yinchuandongjigongnuanpingwenyunxing.md" in names
    assert "2022-01-19-t20220119_12.md" in names
    assert sum(n.startswith("2022-01-19-yinchuandongjigongnuanpingwenyunxing-") for n in names) == 1
    assert sum(n.startswith("2022-01-19-t20220119_12-") for n in names) == 1
    # names are stable: a second export writes nothing
    again = export_all(tmp_path / "archive.db", tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    assert again.files_written == 0 and report.files_written > 0


@pytest.mark.parametrize("url, slug", [
    ("https://x.cn/news/2022-01/19/content_100001.htm", "content_100001"),
    ("https://x.cn/a/b/", "b"),
    ("https://x.cn/index.html", ""),
    ("https://x.cn/", ""),
    ("https://x.cn/%E9%93%B6%E5%B7%9D.html", "yinchuan"),
])
def test_url_slug(url, slug):
    assert url_slug(url) == slug


def test_stale_posts_are_left_alone(export_archive, tmp_path):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2019-01-01-old.md").write_text("---\ntitle: old\n---\nold\n", "utf-8")
    export_all(export_archive(), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    assert (posts / "2019-01-01-old.md").read_text("utf-8").endswith("old\n")


def test_posts_read_back_with_the_jekyll_parser(export_archive, tmp_path):
    from aggregator.extract import jekyll
    data = fixture_data()
    export_all(export_archive(data), tmp_path / "feeds", now=NOW, jekyll_dir=tmp_path / "site")
    by_origin = {a["origin_url"] or a["url"]: a for a in data["articles"] if a["duplicate_of"] is None}
    for path in sorted((tmp_path / "site" / "_posts").iterdir()):
        fields = jekyll.parse_post(path.read_text("utf-8"), path.name, site="https://site.example.org")
        article = by_origin[fields["origin_url"]]
        assert fields["title"] == " ".join(article["title"].replace("\x0b", "").split())
        assert datetime.fromisoformat(fields["published"]) == datetime.fromisoformat(article["published"])
        assert fields["category"] == article["category"]
        assert fields["source"] == (article["source"] or {"yinchuan": "银川新闻网"}[article["spider"]])
        assert "em_media" not in fields["body_html"] and "返回" not in fields["body_html"]
        assert fields["body_text"].split("\n")[0] == article["body_text"].replace("\x1f", "").split("\n")[0]
