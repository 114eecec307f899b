"""Extraction quality floor over all page fixtures (trafilatura-style gate).

Scores across every ``tests/fixtures/pages`` case: the share of ``body_with`` snippets
found in the body, of ``body_without`` snippets absent from it, and of expected fields
(title, published, source, author, next_page) extracted exactly. Each score must stay at
or above the floor pinned in ``tests/extraction_baseline.json``. The floor only goes up:
after an improvement run ``python tests/test_extraction_floor.py --raise`` (it refuses to
lower any value) and commit the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))

from tests.test_spider_pages import CASES, extract_case, load_case  # noqa: E402

BASELINE = HERE / "extraction_baseline.json"
FIELDS = ("title", "published", "source", "author", "next_page")


def _published_ok(got, want) -> bool:
    if want and len(want) == 10:
        return (got or "").startswith(want + "T00:00:00")
    return got == want


def measure() -> dict:
    """Scores of the extractor over the page fixtures (fractions in [0, 1])."""
    with_hit = with_total = without_ok = without_total = field_ok = field_total = 0
    for case in CASES:
        expect, response = load_case(case)
        got = extract_case(expect, response)
        body = got["body_text"] or ""
        for snippet in expect.get("body_with", []):
            with_total += 1
            with_hit += snippet in body
        for snippet in expect.get("body_without", []):
            without_total += 1
            without_ok += snippet not in body
        for field in FIELDS:
            field_total += 1
            want = expect.get(field)
            field_ok += _published_ok(got[field], want) if field == "published" else got[field] == want
    return {
        "cases": len(CASES),
        "body_with": round(with_hit / with_total, 4),
        "body_without": round(without_ok / without_total, 4),
        "fields": round(field_ok / field_total, 4),
    }


def test_quality_does_not_drop_below_the_floor():
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))
    got = measure()
    assert got["cases"] >= floor["cases"], "page fixtures were removed"
    for key in ("body_with", "body_without", "fields"):
        assert got[key] >= floor[key], f"{key}: {got[key]} < floor {floor[key]}"


def test_baseline_is_a_real_floor():
    floor = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert floor["cases"] >= 20
    assert all(0.8 <= floor[k] <= 1.0 for k in ("body_with", "body_without", "fields"))


if __name__ == "__main__":
    current = measure()
    print(json.dumps(current, indent=1))
    if "--raise" in sys.argv:
        old = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
        new = {k: max(v, old.get(k, 0)) for k, v in current.items()}
        if any(current[k] < old.get(k, 0) for k in current):
            print("refusing to lower the floor; fix the regression instead", file=sys.stderr)
            sys.exit(1)
        tmp = BASELINE.with_suffix(".tmp")
        tmp.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
        tmp.replace(BASELINE)
        print(f"wrote {BASELINE}")
