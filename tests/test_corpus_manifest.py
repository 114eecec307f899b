"""The evaluation corpus's manifests and labels (tests/corpus/): well-formed, split by site once,
no page twice, nothing from the repositories kept for independent checks. Needs no page bytes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
_spec = importlib.util.spec_from_file_location("corpus_helpers", CORPUS / "corpus.py")
cp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cp)

EXCLUDED = {
    "generalnewsextractor/generalnewsextractor", "gerapy/gerapyautoextractor",
    "immortal-autumn/chinese-web-content-extraction-dataset", "flairnlp/fundus", "mozilla/readability",
    "adbar/htmldate", "adbar/trafilatura", "zning1994/finews", "scrapinghub/article-extraction-benchmark",
    "andythefactory/newspaper4k",
}
FIELDS = {"id", "repo", "commit", "path", "sha256", "site", "lang", "split"}


def test_manifest_rows_are_complete_and_split_by_site():
    rows = cp.manifest(CORPUS)
    assert len(rows) >= 400
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "an id is used twice"
    hashes = [r["sha256"] for r in rows]
    assert len(hashes) == len(set(hashes)), "a page is in the corpus twice"
    for r in rows:
        assert FIELDS <= set(r), r["id"]
        assert re.fullmatch(r"[0-9a-f]{40}", r["commit"]) and re.fullmatch(r"[0-9a-f]{64}", r["sha256"]), r["id"]
        assert r["split"] == cp.split_of(r["site"]), f"{r['id']}: split not by site"
        assert r["repo"].lower() not in EXCLUDED, f"{r['id']}: from a repository kept for independent checks"


def test_every_page_has_a_label_with_a_body_spec():
    labels = cp.labels(CORPUS)
    rows = cp.manifest(CORPUS)
    for r in rows:
        lab = labels.get(r["id"])
        assert lab is not None, r["id"]
        assert lab.get("body") is None or lab["body"].get("container"), r["id"]
    zh = [r for r in rows if r["lang"].startswith("zh")]
    assert len(zh) >= 200 and len({r["site"] for r in zh}) >= 80
    assert len(rows) - len(zh) >= 200
