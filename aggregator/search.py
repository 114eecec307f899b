"""Chinese full-text search text processing: folding, bigram index text, queries, snippets.

Owns the pure half of the archive's search (``aggregator.archive`` owns the SQL):

* :func:`fold` maps text to the form that is indexed and searched: traditional
  characters to simplified (OpenCC's character table, first choice), full-width ASCII to
  ASCII, ASCII upper case to lower case. It never changes the length of a string, so an
  offset found in folded text is the same offset in the original (snippets rely on it).
* :func:`index_text` turns folded text into the text of the bigram index: every run of
  CJK characters becomes its overlapping two-character tokens plus its last character
  alone (``银川市`` -> ``银川 川市 市``); other words stay words. The FTS5 table reads
  it with the ``ascii`` tokenizer (space separated tokens, non-ASCII kept verbatim).
* :func:`parse_query` turns what a user typed into :class:`Term` objects and
  :func:`match_expression` into an FTS5 MATCH expression: a one-character term is a
  prefix query (``"川"*`` matches ``川市`` and the run-final ``川``), a longer one is the
  AND of its bigrams (``"乡村" AND "村振" AND "振兴"``: cheap to rank) and the archive
  keeps only candidates whose folded title or body contains the term (:func:`matches`).
  :meth:`Term.phrase` gives the exact phrase form (``"乡村 村振 振兴"``) for SQL users.

* :func:`body_fingerprint` tells syndicated copies apart; :class:`PreparedText` is all of
  this done for one body ahead of storing it (in an extraction process).

Pure: no database, no Scrapy. See docs/archive.md "Full-text search" for why bigrams.
"""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Bump when fold()/index_text() change: the archive rebuilds its bigram index when the
#: stored version differs, because deleting rows from a contentless FTS5 table needs
#: exactly the tokens that were indexed.
SEARCH_VERSION = "1"

# CJK ideographs: Extension A, the basic block, compatibility ideographs, Extensions B-G.
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK = re.compile(f"[{_CJK_CLASS}]")
# A token run: CJK characters, or letters/digits that are not CJK.
_RUNS = re.compile(f"([{_CJK_CLASS}]+)|([^\\W_{_CJK_CLASS}]+)")
_QUERY_TERMS = re.compile(r'"([^"]*)"|(\S+)')
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")

#: Characters of the lead (same as the archive's generated ``lead`` column): hits there weigh more.
LEAD_CHARS = 150


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    """str.translate table: traditional -> simplified, full-width -> ASCII, A-Z -> a-z."""
    table: dict[int, int] = {}
    try:
        import opencc

        path = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
        lines = path.read_text("utf-8").splitlines()
    except (ImportError, OSError):  # pragma: no cover - opencc is a dependency
        lines = []
    for line in lines:
        key, _, values = line.partition("\t")
        first = values.split(" ")[0] if values else ""
        if len(key) == 1 and len(first) == 1 and key != first:
            table[ord(key)] = ord(first)
    # Chains (A -> B where B -> C) resolve to the end, so fold() is idempotent.
    for key, value in list(table.items()):
        seen = {key}
        while value in table and value not in seen:
            seen.add(value)
            value = table[value]
        table[key] = value
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII forms
        table[code] = code - 0xFEE0
    table[0x3000] = 0x20  # ideographic space
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
    for code in range(0xFF21, 0xFF3B):  # full-width A-Z -> a-z
        table[code] = code - 0xFEE0 + 32
    # Identity entries for the characters news text is made of: str.translate handles a
    # missing key as a caught KeyError per character, which made folding ~1.6x slower.
    for block in (range(0x80), range(0x2000, 0x3100), range(0x4E00, 0xA000), range(0xFF00, 0xFFF0)):
        for code in block:
            table.setdefault(code, code)
    return table


@lru_cache(maxsize=1)
def _fold_list() -> list[int]:
    """:func:`_fold_table` as a list indexed by code point, for the Basic Multilingual Plane.

    str.translate finds a character in a list with one index, in a dict with a hash probe
    and a key comparison; in a crawl, where the table is cold in the CPU cache after each
    page's parsing, that folds a body about a third faster (same mapping)."""
    table = _fold_table()
    return [table.get(code, code) for code in range(0x10000)]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str | None) -> str:
    """Searchable form of ``text``: simplified Chinese, half-width, ASCII lower case.

    Length-preserving: ``len(fold(t)) == len(t)`` and characters stay at their offsets.
    """
    if not text:
        return ""
    if _ASTRAL.search(text):   # beyond the list (CJK Extension B-G, emoji): the dict
        return text.translate(_fold_table())
    return text.translate(_fold_list())


def _tokens(folded: str, *, final_unigram: bool) -> list[str]:
    out: list[str] = []
    extend, append, add = out.extend, out.append, operator.add   # bound once: ~500 runs a body
    for cjk, word in _RUNS.findall(folded):  # findall: no Match objects (hot path of ingest)
        if not cjk:
            append(word)
        elif len(cjk) > 1:
            extend(map(add, cjk, cjk[1:]))
            if final_unigram:
                append(cjk[-1])
        else:
            append(cjk)
    return out


def index_text(text: str | None) -> str:
    """Bigram index text of (unfolded) ``text``: space separated tokens, see module docs."""
    if not text:
        return ""
    return " ".join(_tokens(fold(text), final_unigram=True))


def index_columns(title: str | None, body: str | None) -> tuple[str, str, str]:
    """The ``articles_search`` columns (title, lead, body) for an article's title and body text."""
    return index_columns_folded(fold(title), fold(body))


def index_columns_folded(title: str, body: str, body_columns: tuple[str, str] | None = None) -> tuple[str, str, str]:
    """:func:`index_columns` for text already passed through :func:`fold`.

    ``body_columns`` is ``body_columns_folded(body)`` when the caller has it already.
    """
    lead, full = body_columns or body_columns_folded(body)
    return " ".join(_tokens(title, final_unigram=True)), lead, full


def body_columns_folded(body: str) -> tuple[str, str]:
    """The (lead, body) columns of ``articles_search`` for a folded body."""
    return (
        " ".join(_tokens(body[:LEAD_CHARS], final_unigram=True)),
        " ".join(_tokens(body, final_unigram=True)),
    )


@dataclass(frozen=True)
class Term:
    """One search term: folded text that must occur (as a substring) in title or body."""

    text: str

    @property
    def tokens(self) -> list[str]:
        """Index tokens of the term in text order, as the index holds them where it occurs.

        Like :func:`index_text`, but the last run keeps no run-final character: in the
        text the term may be followed by more CJK characters.
        """
        toks = _tokens(self.text, final_unigram=True)
        last = _RUNS.findall(self.text)[-1][0] if toks else ""
        if len(last) > 1:
            toks.pop()
        return toks

    def fts(self) -> str:
        """FTS5 expression: the AND of the term's tokens; a trailing lone CJK character is a prefix.

        Cheap to rank (bm25 weighs each token by its own document frequency); it also
        matches texts where the tokens are apart, which :func:`matches` filters out.
        """
        return " AND ".join(self._quoted())

    def phrase(self) -> str:
        """FTS5 phrase (``"乡村 村振 振兴"``): exact, tokens at consecutive positions.

        Exact, but bm25 over a multi-token phrase first scans every match of the phrase
        with positions, several times slower on frequent terms than :meth:`fts`.
        """
        toks = self.tokens
        phrase = '"' + " ".join(toks) + '"'
        return phrase + "*" if toks and len(toks[-1]) == 1 and _CJK.match(toks[-1]) else phrase

    def _quoted(self) -> list[str]:
        toks = self.tokens
        out = ['"' + tok + '"' for tok in toks]
        if toks and len(toks[-1]) == 1 and _CJK.match(toks[-1]):
            out[-1] += "*"
        return out


def parse_query(query: str | None) -> list[Term]:
    """Terms of a user query: white space separates terms (all must match); ``"…"`` keeps one.

    Terms are folded, so ``鄉村振興`` and ``乡村振兴`` give the same term. Punctuation at
    either end of a term is dropped (``银川，`` is ``银川``); terms with nothing searchable
    are dropped.
    """
    terms: list[Term] = []
    for quoted, bare in _QUERY_TERMS.findall(query or ""):
        raw = re.sub(r"\s+", " ", (quoted if quoted else bare))
        text = _EDGE_PUNCT.sub("", fold(raw))
        if text and _tokens(text, final_unigram=False) and Term(text) not in terms:
            terms.append(Term(text))
    return terms


def match_expression(terms: list[Term], phrase: bool = False) -> str:
    """FTS5 MATCH expression for the bigram index: every term (:meth:`Term.fts` or :meth:`Term.phrase`), ANDed."""
    return " AND ".join(f"({t.phrase() if phrase else t.fts()})" for t in terms)


def matches(terms: list[Term], folded_text: str) -> bool:
    """True when every term occurs in ``folded_text`` (the verification step)."""
    return all(t.text in folded_text for t in terms)


def snippet(text: str | None, terms: list[Term], width: int = 60, markers: tuple[str, str] = ("", "")) -> str:
    """About ``width`` characters of ``text`` around the first hit of a term, with ``…`` marks.

    ``markers`` wrap every hit (for example ``("【", "】")`` or ANSI bold codes).
    Falls back to the start of the text when no term occurs in it.
    """
    text = text or ""
    folded = fold(text)
    hits = [(folded.find(t.text), t) for t in terms]
    hits = [(pos, t) for pos, t in hits if pos >= 0]
    if hits:
        pos, term = min(hits, key=lambda h: h[0])
        start = max(0, pos - (width - len(term.text)) // 2)
    else:
        start = 0
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece, fpiece = text[start:end], folded[start:end]
    if markers != ("", "") and hits:
        spans: list[tuple[int, int]] = []
        for t in terms:
            i = fpiece.find(t.text)
            while i >= 0:
                spans.append((i, i + len(t.text)))
                i = fpiece.find(t.text, i + len(t.text))
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out, last = [], 0
        for s, e in merged:
            out += [piece[last:s], markers[0], piece[s:e], markers[1]]
            last = e
        out.append(piece[last:])
        piece = "".join(out)
    piece = piece.replace("\n", " ")
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


# --- fingerprints and prepared text ------------------------------------------------

#: Bodies with fewer significant characters than this are never linked as duplicates.
MIN_FINGERPRINT_CHARS = 50

_CREDIT_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(?:文章来源|来源|來源|责任编辑|責任編輯|编辑|編輯|审核|審核|校对|校對|作者|记者|記者|"
    r"通讯员|通訊員|原标题|原標題|供图|供圖|摄影|攝影|图片来源|圖片來源|监制|監製|统筹|統籌|出品|值班编辑)\s*[:：]"
)
_CREDIT_INLINE = re.compile(r"[（(]\s*(?:记者|記者|通讯员|通訊員|责任编辑|責任編輯|编辑|編輯|来源|來源|作者)[^（()）]{0,40}[）)]")
_DATELINE = re.compile(r"^\s*(?:本报讯|本台讯|本報訊|[^\s，。,]{0,24}?\d{1,2}月\d{1,2}日(?:电|讯|電|訊))\s*")
_NOT_TEXT = re.compile(r"[\W_]+")


def body_fingerprint(body_text: str | None, folded: str | None = None) -> str | None:
    """Fingerprint for syndicated copies, or None for bodies too short to judge.

    The rule (docs/archive.md "Duplicates"): fold the body (traditional -> simplified), drop
    credit lines (来源/责任编辑/记者/编辑/审核 …), credit parentheses such as
    ``（记者 王某）``, a leading dateline (``本报讯``, ``新华社银川1月19日电``), then every
    space and punctuation mark; what is left must have at least
    :data:`MIN_FINGERPRINT_CHARS` characters. Equal fingerprints = same story.
    ``folded`` is ``fold(body_text)`` when the caller has it already.
    """
    if not body_text:
        return None
    text = folded if folded is not None else fold(body_text)
    lines = [line for line in text.split("\n") if not _CREDIT_LINE.match(line)]
    if lines:
        lines[0] = _DATELINE.sub("", lines[0])
    core = _NOT_TEXT.sub("", _CREDIT_INLINE.sub("", "\n".join(lines)))
    if len(core) < MIN_FINGERPRINT_CHARS:
        return None
    return hashlib.sha1(core.encode("utf-8", "surrogatepass")).hexdigest()[:24]


@dataclass(frozen=True)
class PreparedText:
    """What storing a ``body_text`` costs in Python, done ahead of time (in an extraction
    process, see ``aggregator.offload``): folded text, fingerprint, search columns."""

    text: str
    folded: str
    fingerprint: str | None
    columns: tuple[str, str]   # (lead, body) of articles_search

    @classmethod
    def of(cls, text: str) -> "PreparedText":
        """Prepare ``text`` now."""
        folded = fold(text)
        return cls(text, folded, body_fingerprint(text, folded), body_columns_folded(folded))
