"""Link discovery's whole output pinned on the saved pages (tests/fixtures/**/*.html).

Every article link (URL, text, date) and next page that :func:`discover_links` finds on
each saved page, generic and with a source's ``article_url``/``next_page`` hints, equals
``tests/golden/links.json``. Optimisations of link discovery must not change what it finds;
a deliberate change of behaviour rewrites the file with ``AGGREGATOR_PIN_LINKS=1``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from parsel import Selector

from aggregator.extract.encoding import detect_encoding
from aggregator.extract.links import discover_links

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden" / "links.json"
BASE = "http://news.example.com.cn/c/list/index_2.html"
NOW = datetime(2026, 12, 1, 12, 0)


class Hinted:
    article_url = r"\d{4,}"
    next_page = "a::attr(href)"
    timezone = "Asia/Shanghai"


def found() -> dict:
    out = {}
    for f in sorted(FIXTURES.rglob("*.html")):
        body = f.read_bytes()
        sel = Selector(text=body.decode(detect_encoding(body, None), "replace"))
        for name, source in (("generic", None), ("hinted", Hinted)):
            links = discover_links(sel, source, base_url=BASE, now=NOW)
            out[f"{f.relative_to(FIXTURES).as_posix()}:{name}"] = {
                "articles": [[a.url, a.text, a.date] for a in links.articles],
                "next_pages": links.next_pages,
            }
    return out


def test_link_discovery_output_is_pinned_on_every_saved_page():
    got = found()
    if os.environ.get("AGGREGATOR_PIN_LINKS"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want)
    assert sum(len(v["articles"]) for v in want.values()) > 100  # the pin covers real lists
    for key in want:
        assert got[key] == want[key], key
