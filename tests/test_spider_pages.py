"""Every hand-written page fixture, extracted the way the spider does it.

One parametrized test over ``tests/fixtures/pages/<site>/<case>.html`` with its
``<case>.expect.toml`` (no per-site code). The response is built from the saved bytes
(plus the HTTP charset the imagined server sends, ``http_charset``), its encoding is
decided by ``detect_encoding`` and applied with ``response.replace(encoding=...)``, then
``extract_article`` runs. A field missing from the expect file must come out as None.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from aggregator.extract.article import extract_article
from aggregator.extract.encoding import declared_charset, detect_encoding

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASES = sorted(PAGES.glob("*/*.expect.toml"))
FIELDS = ("title", "published", "published_from", "source", "author", "next_page")


def load_case(expect_path: Path) -> tuple[dict, HtmlResponse]:
    """The expectations and the HtmlResponse (encoding decided) of one page fixture."""
    with expect_path.open("rb") as fh:
        expect = tomllib.load(fh)
    html_path = expect_path.with_name(expect_path.name.replace(".expect.toml", ".html"))
    body = html_path.read_bytes()
    url = expect["url"]
    headers = {}
    if expect.get("http_charset"):
        headers["Content-Type"] = f"text/html; charset={expect['http_charset']}"
    else:
        headers["Content-Type"] = "text/html"
    response = HtmlResponse(url=url, body=body, headers=headers, request=Request(url))
    enc = detect_encoding(body, expect.get("http_charset"), declared_charset(body))
    return expect, response.replace(encoding=enc)


def extract_case(expect: dict, response: HtmlResponse) -> dict:
    """Run the extractor on one fixture (following its next pages when present)."""
    now = datetime.fromisoformat(expect["now"]) if expect.get("now") else None
    return extract_article(response, None, response.url, now=now)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name[:-12]}" for c in CASES])
def test_page_fixture(case):
    expect, response = load_case(case)
    if expect.get("encoding"):
        assert response.encoding == expect["encoding"]
    got = extract_case(expect, response)
    for field in FIELDS:
        want = expect.get(field)
        if field == "published" and want and len(want) == 10:
            # a page printing only a day: midnight of that day in the source's zone
            assert (got[field] or "").startswith(want + "T00:00:00"), field
            continue
        assert got[field] == want, field
    body = got["body_text"] or ""
    for snippet in expect.get("body_with", []):
        assert snippet in body, f"missing from body: {snippet!r}"
    for snippet in expect.get("body_without", []):
        assert snippet not in body, f"boilerplate left in body: {snippet!r}"
        assert snippet not in (got["body_html"] or ""), f"boilerplate left in body_html: {snippet!r}"


def test_there_are_enough_page_fixtures():
    assert len(CASES) >= 20
    assert len({c.parent.name for c in CASES}) >= 8
