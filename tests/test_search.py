"""Pure search text functions: folding, bigram index text, query parsing, snippets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator import search as fts


@pytest.mark.parametrize("text, folded", [
    ("鄉村振興", "乡村振兴"),
    ("寧夏銀川", "宁夏银川"),
    ("臺灣 裡 裏 為 爲", "台湾 里 里 为 为"),
    ("ＡＰＰ上线，５Ｇ基站", "app上线,5g基站"),
    ("APP Store", "app store"),
    ("\u3000开头", " 开头"),
    ("", ""),
])
def test_fold(text, folded):
    assert fts.fold(text) == folded


@given(st.text())
def test_fold_keeps_length_and_is_idempotent(text):
    folded = fts.fold(text)
    assert len(folded) == len(text)
    assert fts.fold(folded) == folded


@pytest.mark.parametrize("text, tokens", [
    ("银川市", "银川 川市 市"),
    ("新疆", "新疆 疆"),
    ("银", "银"),
    ("银川，新疆。", "银川 川 新疆 疆"),
    ("5G基站APP上线", "5g 基站 站 app 上线 线"),
    ("鄉村振興", "乡村 村振 振兴 兴"),
    ("𠀀𠀁", "𠀀𠀁 𠀁"),
    ("", ""),
    ("—— ……", ""),
])
def test_index_text(text, tokens):
    assert fts.index_text(text) == tokens


def test_index_columns_lead_is_the_opening():
    body = "甲乙" * 100
    title, lead, whole = fts.index_columns("标题", body)
    assert title == "标题 题"
    assert len(lead.split()) == fts.LEAD_CHARS  # 149 bigrams + the final character
    assert len(whole.split()) == len(body)


@pytest.mark.parametrize("query, terms, expression, phrase", [
    ("银川", ["银川"], '("银川")', '("银川")'),
    ("川", ["川"], '("川"*)', '("川"*)'),
    ("鄉村振興", ["乡村振兴"], '("乡村" AND "村振" AND "振兴")', '("乡村 村振 振兴")'),
    ("银川  新疆", ["银川", "新疆"], '("银川") AND ("新疆")', '("银川") AND ("新疆")'),
    ('"乡村 振兴"', ["乡村 振兴"], '("乡村" AND "村" AND "振兴")', '("乡村 村 振兴")'),
    ("5G基站", ["5g基站"], '("5g" AND "基站")', '("5g 基站")'),
    ("基站5G", ["基站5g"], '("基站" AND "站" AND "5g")', '("基站 站 5g")'),
    ("5G站", ["5g站"], '("5g" AND "站"*)', '("5g 站"*)'),
    ("银川 银川", ["银川"], '("银川")', '("银川")'),
    ('他说"', ["他说"], '("他说")', '("他说")'),
    ("银川，", ["银川"], '("银川")', '("银川")'),
])
def test_parse_query_and_match_expression(query, terms, expression, phrase):
    parsed = fts.parse_query(query)
    assert [t.text for t in parsed] == terms
    assert fts.match_expression(parsed) == expression
    assert fts.match_expression(parsed, phrase=True) == phrase


@pytest.mark.parametrize("query", ["", "   ", "，。！", '""', "——"])
def test_queries_without_searchable_text(query):
    assert fts.parse_query(query) == []


def test_matches_is_substring_on_folded_text():
    terms = fts.parse_query("乡村振兴 固原")
    assert fts.matches(terms, fts.fold("固原市推進鄉村振興"))
    assert not fts.matches(terms, fts.fold("固原市乡村道路修好了，振兴街道开业"))


def test_snippet_window_and_markers():
    text = "开头的句子。" * 10 + "固原市推進鄉村振興，成效明显。" + "结尾的句子。" * 10
    plain = fts.snippet(text, fts.parse_query("乡村振兴"), width=30)
    assert plain.startswith("…") and plain.endswith("…")
    assert "鄉村振興" in plain and len(plain) == 32
    marked = fts.snippet(text, fts.parse_query("乡村振兴 固原"), width=30, markers=("[", "]"))
    assert "[固原]市推進[鄉村振興]" in marked
    assert fts.snippet("短文", fts.parse_query("没有")) == "短文"
    assert fts.snippet("第一段\n第二段", fts.parse_query("第二")) == "第一段 第二段"
