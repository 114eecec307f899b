"""Evaluation corpus: manifest and labels (see README.md), restored pages, gold bodies.

Pure helpers shared by ``restore.py`` and the extraction benchmark. The gold body is rebuilt
from each label's body spec (container + cuts, CSS selectors), never from an extractor.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"

# Elements whose boundaries start a new line of body text.
_BLOCK = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "tr", "table", "blockquote", "pre", "section", "article", "figure", "figcaption", "header",
    "footer", "hr", "center", "td", "th", "aside", "main", "nav", "form", "address",
}
_SKIP = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg", "select", "button"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u200b\ufeff\u2002\u2003\u2009]+")


def split_of(site: str) -> str:
    """``test`` or ``dev``: fixed by the site's name, so one site never spans both."""
    return "test" if int(hashlib.sha1(site.encode("utf-8")).hexdigest(), 16) % 2 == 1 else "dev"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def manifest(root: Path = HERE) -> list[dict]:
    """Every manifest row of every group, in file order."""
    rows = []
    for f in sorted(root.glob("manifest-*.jsonl")):
        rows.extend(read_jsonl(f))
    return rows


def labels(root: Path = HERE) -> dict[str, dict]:
    """Gold labels by page id."""
    out = {}
    for f in sorted(root.glob("labels-*.jsonl")):
        for row in read_jsonl(f):
            out[row["id"]] = row
    return out


def page_path(row: dict, pages: Path = PAGES) -> Path:
    return pages / f"{row['id']}.html"


def unpack(raw: bytes) -> bytes:
    """Page bytes as a browser gets them (gzip files decompressed)."""
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def decode(raw: bytes, charset: str | None) -> str:
    """The page's text in the charset it really is in (the manifest's ``charset``)."""
    enc = (charset or "utf-8").lower()
    if enc in ("gb2312", "gbk"):
        enc = "gb18030"
    return raw.decode(enc, errors="replace")


def _lines(el, out: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() in _SKIP:
        if el.tail:
            out[-1] += el.tail
        return
    block = tag.lower() in _BLOCK
    if block:
        out.append("")
    if el.text and isinstance(el.tag, str):
        out[-1] += el.text
    for child in el:
        _lines(child, out)
    if block:
        out.append("")
    if el.tail:
        out[-1] += el.tail


def text_of(elements) -> str:
    """Body text of the selected elements: one line per block, white space collapsed."""
    out = [""]
    for el in elements:
        _lines(el, out)
        out.append("")
    lines = (_WS.sub(" ", line).strip() for line in out)
    return "\n".join(line for line in lines if line)


def gold_body(html: str, spec: dict) -> str:
    """Rebuild the gold body text from a label's ``body`` spec."""
    import lxml.html

    # lxml refuses str input that starts with an XML declaration (XHTML pages); drop it.
    doc = lxml.html.document_fromstring(_XML_DECL.sub("", html, count=1))
    containers = doc.cssselect(spec["container"])
    for sel in spec.get("cut") or []:
        for c in containers:
            for el in c.cssselect(sel):
                if el.getparent() is not None:
                    el.drop_tree()
    return text_of(containers)
