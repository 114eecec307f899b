"""The SQL cookbook (docs/archive.md) runs against a fixture archive and answers its question.

Every ```sql block of the "## SQL cookbook" section of docs/archive.md (before the next "## "
heading) is executed on an archive built here through the archive API, with dates
relative to now so "this week" questions have answers. Each block must return rows;
blocks whose ``####`` question names a known topic also get their answer checked.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aggregator.archive import Archive
from aggregator.items import Article
from aggregator.sources import Source

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = (ROOT / "docs" / "archive.md",)


def cookbook_text() -> str:
    """The "## SQL cookbook" section (first file that has one)."""
    for path in CANDIDATES:
        if path.exists():
            text = path.read_text("utf-8")
            m = re.search(r"^## SQL cookbook\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
            if m:
                return m.group(1)
    pytest.fail("docs/archive.md has no '## SQL cookbook' section")


def recipes() -> list[tuple[str, str]]:
    """(question, sql) for every ```sql block, the question being the #### heading above it."""
    out, question = [], None
    for m in re.finditer(r"^#### (.+?)\s*$|^```sql\s*\n(.*?)^```", cookbook_text(), re.M | re.S):
        if m.group(1):
            question = m.group(1).strip()
        else:
            assert question, "a ```sql block without a #### question above it"
            out.append((question, m.group(2)))
            question = None
    return out


def ago(**kw) -> str:
    return (datetime.now(timezone.utc) - timedelta(**kw)).replace(microsecond=0).isoformat()


BODIES = {
    "farm": "银川市今年将新建改造高标准农田十二万亩，重点推进引黄灌区节水改造，预计每亩节水三成。"
            "全市计划在贺兰、永宁两县先行试点，把滴灌设施铺到田间地头。",
    "bus": "为方便市民夜间出行，银川公交集团开通三条夜间线路，末班车延至二十三点，票价不变。",
    "cotton": "新疆昌吉州的棉花种植户正忙着春播前的准备工作，合作社推广北斗导航播种，效率提高一倍。",
    "veg": "固原市围绕乡村振兴发展冷凉蔬菜，带动两万多户群众增收，村民在家门口就能找到工作。",
    "old": "中卫沙坡头景区冬季游客量创新高，滑沙和黄河羊皮筏子项目吸引了大批南方游客前来体验。",
}


@pytest.fixture(scope="module")
def cookbook_db(tmp_path_factory) -> sqlite3.Connection:
    """An archive with a week of news, a reprint, a revision, a silent source and failed runs."""
    path = tmp_path_factory.mktemp("cookbook") / "archive.db"

    def art(key, url, title, spider, category, published, **kw):
        return Article(url=url, title=title, body_text=BODIES[key], body_html=f"<p>{BODIES[key]}</p>",
                       published=published, spider=spider, category=category, source=f"{spider} 日报", **kw)

    with Archive(path) as a:
        a.upsert_sources([Source(name=n, title=t, category=c, category_name=cn) for n, t, c, cn in (
            ("yinchuan", "银川新闻网", "yinchuan", "银川新闻"), ("xinjiang", "新疆新闻", "xinjiang", "新疆新闻"),
            ("guyuan", "固原新闻", "guyuan", "固原新闻"), ("zhongwei", "中卫新闻", "zhongwei", "中卫新闻"))])
        a.store_articles([art("old", "https://zw.example.cn/1.html", "沙坡头冬季游客量创新高", "zhongwei",
                              "zhongwei", "2024-03-02T02:00:00+00:00")], now=ago(days=30))
        a.store_articles([art("farm", "https://yc.example.cn/1.html", "银川新建高标准农田十二万亩", "yinchuan",
                              "yinchuan", ago(days=2), categories=["nongye"])], now=ago(days=2))
        a.store_articles([art("bus", "https://yc.example.cn/2.html", "银川开通三条夜间公交线路", "yinchuan",
                              "yinchuan", ago(days=1))], now=ago(days=1))
        a.store_articles([art("cotton", "https://xj.example.cn/1.html", "昌吉棉农忙春播", "xinjiang",
                              "xinjiang", ago(days=3))], now=ago(days=3))
        a.store_articles([art("veg", "https://gy.example.cn/1.html", "固原冷凉蔬菜带动增收", "guyuan",
                              "guyuan", ago(hours=5))], now=ago(hours=5))
        # the farmland story reprinted by Guyuan, and the bus story corrected later
        a.store_articles([art("farm", "https://gy.example.cn/2.html", "银川：新建农田十二万亩", "guyuan",
                              "guyuan", ago(days=1))], now=ago(days=1))
        fixed = art("bus", "https://yc.example.cn/2.html", "银川开通三条夜间公交线路", "yinchuan", "yinchuan",
                    ago(days=1))
        fixed.body_text += "首班车六点发车。"
        a.store_articles([fixed], now=ago(hours=3))
        a.record_run({"spider": "yinchuan", "started_at": ago(hours=2), "finished_at": ago(hours=2), "status": "ok",
                      "pages": 40, "errors": 0, "error_kinds": {}})
        a.record_run({"spider": "xinjiang", "started_at": ago(hours=6), "finished_at": ago(hours=6),
                      "status": "failed", "reason": "site unreachable: 503", "pages": 2, "errors": 5,
                      "error_kinds": {"http_503": 4, "timeout": 1}})
        a.record_run({"spider": "zhongwei", "started_at": ago(hours=1), "finished_at": ago(hours=1), "status": "ok",
                      "pages": 12, "errors": 1, "error_kinds": {"timeout": 1}})
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def column(rows, name):
    return [r[name] for r in rows]


# Answers the fixture must give, by a word of the question.
CHECKS = {
    "per day": lambda rows: sum(r["articles"] for r in rows if r["spider"] == "yinchuan") == 2
    and "zhongwei" not in [r["spider"] for r in rows],
    "newest": lambda rows: "固原冷凉蔬菜带动增收" in [r["title"] for r in rows]
    and "银川：新建农田十二万亩" not in [r["title"] for r in rows],
    "silent": lambda rows: [r["name"] for r in rows] == ["zhongwei"],
    "syndicated": lambda rows: [(r["title"], r["copies"]) for r in rows] == [("银川新建高标准农田十二万亩", 1)],
    "mention": lambda rows: [r["title"] for r in rows] == ["固原冷凉蔬菜带动增收"] and "乡村振兴" in rows[0]["snippet"],
    "whole bodies": lambda rows: [r["title"] for r in rows] == ["昌吉棉农忙春播"],
    "between": lambda rows: [r["title"] for r in rows] == ["沙坡头冬季游客量创新高"],
    "top categories": lambda rows: rows[0]["articles"] >= 2 and "新闻" in rows[0]["name"],
    "changed": lambda rows: [(r["title"], r["revisions"]) for r in rows] == [("银川开通三条夜间公交线路", 1)],
    "errors": lambda rows: {r["spider"] for r in rows} == {"xinjiang", "zhongwei"},
    "kind": lambda rows: (rows[0]["spider"], rows[0]["error_kind"], rows[0]["count"]) == ("xinjiang", "http_503", 4),
    "guessed": lambda rows: {r["spider"] for r in rows} >= {"yinchuan", "guyuan"},
    "more than one category": lambda rows: [r["title"] for r in rows] == ["银川新建高标准农田十二万亩"],
}


def test_cookbook_has_eight_or_more_recipes():
    found = recipes()
    assert len(found) >= 8, [q for q, _ in found]


@pytest.mark.parametrize("question, sql", recipes(), ids=[q[:40] for q, _ in recipes()])
def test_recipe_answers_its_question(cookbook_db, question, sql):
    rows = cookbook_db.execute(sql).fetchall()
    assert rows, f"{question!r} returns nothing on the fixture archive"
    for word, check in CHECKS.items():
        if word in question.lower():
            assert check(rows), (question, [tuple(r) for r in rows])


def test_every_check_matches_a_question():
    questions = [q.lower() for q, _ in recipes()]
    unused = [w for w in CHECKS if not any(w in q for q in questions)]
    assert not unused, f"checks without a cookbook question: {unused}"
