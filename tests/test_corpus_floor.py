"""The corpus-test floor of ``tests/benchmarks/extraction.py``: each row is pinned to its pages.

A split that grows must not hide a regression on the pages the floor was set on, and
``--raise-floor`` must never lower a stored figure."""

from __future__ import annotations

import json

from tests.benchmarks import extraction as bench


def _setup(tmp_path, monkeypatch, floor, per_page):
    path = tmp_path / "floor.json"
    path.write_text(json.dumps(floor), encoding="utf-8")
    monkeypatch.setattr(bench, "CORPUS_FLOOR", path)
    monkeypatch.setattr(bench, "REPO", tmp_path)
    # score(): the mean of a per-page title figure, enough to exercise the floor logic
    monkeypatch.setattr(bench, "score", lambda pages, tool: {
        "title": sum(per_page[p["id"]] for p in pages) / len(pages)})
    return path


def test_grown_split_is_checked_on_the_floor_pages(tmp_path, monkeypatch):
    per_page = {"a": 1.0, "b": 0.0, "c": 1.0}
    _setup(tmp_path, monkeypatch, {"corpus-test/zh": [{"pages": ["a", "b"], "title": 0.75}]}, per_page)
    sets = {"corpus-test/zh": [{"id": i} for i in "abc"]}
    # the whole grown split clears the floor (0.9) but the old pages score 0.5: the old row breaks
    assert not bench.check_floor({("corpus-test/zh", "ours"): {"title": 0.9}}, sets)
    per_page["b"] = 0.5
    assert bench.check_floor({("corpus-test/zh", "ours"): {"title": 0.9}}, sets)


def test_raise_adds_a_row_for_a_grown_split_and_never_lowers(tmp_path, monkeypatch):
    per_page = {"a": 1.0, "b": 1.0, "c": 0.0}
    path = _setup(tmp_path, monkeypatch, {"corpus-test/zh": {"title": 0.9}}, per_page)
    one = {"corpus-test/zh": [{"id": "a"}, {"id": "b"}]}
    # a legacy row (no ids) belongs to the current split; raising keeps the higher figure
    assert bench.check_floor({("corpus-test/zh", "ours"): {"title": 0.95}}, one, raise_floor=True)
    rows = json.loads(path.read_text())["corpus-test/zh"]
    assert rows == [{"pages": ["a", "b"], "title": 0.95}]
    grown = {"corpus-test/zh": [{"id": i} for i in "abc"]}
    assert bench.check_floor({("corpus-test/zh", "ours"): {"title": 2 / 3}}, grown, raise_floor=True)
    rows = json.loads(path.read_text())["corpus-test/zh"]
    # the older row goes up to what its own pages score now (1.0); the grown split gets a row
    assert rows == [{"pages": ["a", "b"], "title": 1.0}, {"pages": ["a", "b", "c"], "title": 0.6667}]
