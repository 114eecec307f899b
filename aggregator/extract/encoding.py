"""Character encodings of fetched pages.

Owns the decision which codec turns a page's bytes into text: byte-order mark, then the
HTTP ``Content-Type`` charset, then the ``<meta>`` declaration, each trusted only when it
decodes the bytes cleanly, then detection (strict UTF-8, GB18030, Big5). GB2312 and GBK
are always read as GB18030, their superset; Big5 as Big5, or as Big5-HKSCS when plain Big5
cannot read every byte (Hong Kong pages declare ``big5`` and use HKSCS characters). A Chinese
codec whose text comes out with private-use characters (what GB18030 makes of Big5 bytes
and the reverse) yields to the other one when that one reads the bytes without them.
Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

__all__ = ["detect_encoding", "decode_html", "declared_charset", "normalize_charset"]

# Chinese legacy charsets that are strict subsets of GB18030: reading them as GB18030
# never loses a character and fixes pages that use GBK/GB18030-only characters.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "ms936", "x-gbk", "euc-cn", "hz-gb-2312",
              "csgb2312", "iso-ir-58", "chinese", "gb_2312-80"}
_BIG5_FAMILY = {"big5", "big5-hkscs", "big5hkscs", "cp950", "x-x-big5", "csbig5"}


def _big5_variant(body: bytes) -> str:
    """``big5`` when plain Big5 reads every byte, else ``big5hkscs``: Hong Kong pages
    declare big5 and use HKSCS characters (a few kana of the ETEN extension are mapped
    differently by the two codecs, so plain Big5 stays the reading where it suffices)."""
    return "big5" if _error_count(body, "big5", 0) == 0 else "big5hkscs"

# <meta charset="..."> and <meta http-equiv="Content-Type" content="text/html; charset=...">.
# Only the first 4 KiB are searched, like browsers' prescan (which reads 1 KiB; real pages
# often put long <script> or comment blocks first, so we read a bit further).
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
_PRESCAN_BYTES = 4096
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.\-]+)""", re.I)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# A declared charset may be "wrong but almost right": a GBK page with one stray byte
# sequence. Allow that many undecodable sequences per 10 000 bytes before distrusting it.
_TOLERATED_ERRORS_PER_10K = 2


def normalize_charset(name: str | None) -> str | None:
    """Canonical Python codec name for a charset label, or None when unknown.

    gb2312/gbk and friends become ``gb18030``; Big5 variants become ``big5``; latin-1 and
    ascii labels become ``cp1252`` (as browsers read them).
    """
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if not label:
        return None
    if label in _GB_FAMILY:
        return "gb18030"
    if label in _BIG5_FAMILY:
        return "big5hkscs" if "hkscs" in label else "big5"
    if label in ("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        return "utf-8"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec in ("gbk", "gb2312", "hz"):
        return "gb18030"
    # Browsers read latin-1/ascii labels as windows-1252 (WHATWG encoding spec).
    if codec in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return codec


def declared_charset(body: bytes) -> str | None:
    """Charset declared in the page itself (``<meta>`` or XML declaration), raw label."""
    head = body[:_PRESCAN_BYTES]
    m = _XML_DECL.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    for m in _META_CHARSET.finditer(head):
        label = m.group(1).decode("ascii", "replace")
        # <script charset="utf-8"> tags are not declarations; _META_CHARSET only matches
        # inside <meta ...>, but a page may carry several metas: the first known one wins.
        if normalize_charset(label):
            return label
    return None


def _bom(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def _error_count(body: bytes, codec: str, limit: int) -> int:
    """Number of undecodable sequences (stops counting past ``limit``)."""
    errors = 0
    start = 0
    while start < len(body):
        try:
            body[start:].decode(codec)
            return errors
        except UnicodeDecodeError as exc:
            errors += 1
            if errors > limit:
                return errors
            # A truncated multi-byte sequence at the very end (cut download) is not an error.
            if exc.reason == "unexpected end of data" and exc.start + start >= len(body) - 4:
                return errors - 1
            start += exc.end
        except LookupError:
            return limit + 1
    return errors


def _decodes_cleanly(body: bytes, codec: str) -> bool:
    if _single_byte(codec):
        # Every byte string "decodes" in a single-byte charset (cp1252, iso-8859-15,
        # windows-1256 …); distrust it for bytes that are valid UTF-8 with non-ASCII
        # content (a mislabelled UTF-8 page).
        return not _is_utf8_with_multibyte(body)
    allowed = max(_TOLERATED_ERRORS_PER_10K, len(body) * _TOLERATED_ERRORS_PER_10K // 10_000)
    if codec == "utf-8":
        allowed = 1 if len(body) > 2000 else 0
    return _error_count(body, codec, allowed) <= allowed


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """One character per byte: a UTF-8 sequence of three bytes reads as three characters."""
    try:
        return len("中".encode("utf-8").decode(codec, "replace")) == 3
    except LookupError:
        return False


def _is_utf8_with_multibyte(body: bytes) -> bool:
    if body.isascii():
        return False
    return _error_count(body, "utf-8", 1) <= 1


def _looks_like_utf8_misread_as_gb(body: bytes) -> bool:
    """True when the bytes are valid UTF-8 with CJK text.

    Chinese UTF-8 (3-byte sequences) often also decodes as GB18030 without errors, into
    mojibake. Valid UTF-8 with many multi-byte sequences is practically never GBK text.
    """
    if body.isascii():
        return False
    return _error_count(body, "utf-8", 1) <= (1 if len(body) > 2000 else 0)


def detect_encoding(body: bytes, http_charset: str | None = None,
                    declared: str | None = None) -> str:
    """Name of the codec that decodes ``body`` correctly.

    Order: BOM, HTTP header charset, ``declared`` (or the page's own ``<meta>``), then
    detection. A declared charset is trusted only when it decodes the bytes cleanly;
    GB-family charsets are returned as ``gb18030``. Bytes that are valid UTF-8 with
    non-ASCII content are UTF-8 whatever the page claims (the common "gb2312 meta on a
    UTF-8 page" mistake).
    """
    bom = _bom(body)
    if bom:
        return bom
    if declared is None:
        declared = declared_charset(body)
    utf8_ok: bool | None = None
    for label in (http_charset, declared):
        codec = normalize_charset(label)
        if not codec:
            continue
        if codec in ("big5", "big5hkscs"):
            codec = _big5_variant(body)
        if codec in ("gb18030", "big5", "big5hkscs"):
            if utf8_ok is None:
                utf8_ok = _looks_like_utf8_misread_as_gb(body)
            if utf8_ok:
                return "utf-8"
            if _decodes_cleanly(body, codec):
                return _other_if_private_use(body, codec)
            continue
        if _decodes_cleanly(body, codec):
            return codec
    return _sniff(body)


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _private_use(text: str) -> int:
    return len(_PRIVATE_USE.findall(text))


def _other_if_private_use(body: bytes, codec: str) -> str:
    """``codec`` (gb18030 or a Big5), unless its text has private-use characters and
    the other Chinese codec reads the bytes cleanly with fewer of them: Big5 bytes decode
    as GB18030 "without errors" into mojibake with user-defined-area characters."""
    pua = _private_use(body.decode(codec, "replace"))
    if pua <= 1:
        return codec
    other = _big5_variant(body) if codec == "gb18030" else "gb18030"
    if not _decodes_cleanly(body, other):
        return codec
    text, other_text = body.decode(codec, "replace"), body.decode(other, "replace")
    if _private_use(other_text) * 4 < pua and _common_ratio(other_text) > _common_ratio(text):
        return other   # and more everyday characters: GBK text read as Big5 has few
    return codec


def _sniff(body: bytes) -> str:
    if body.isascii():
        return "utf-8"
    if _decodes_cleanly(body, "utf-8"):
        return "utf-8"
    gb_errors = _error_count(body, "gb18030", 50)
    big5 = _big5_variant(body)
    big5_errors = _error_count(body, big5, 50)
    if big5_errors <= gb_errors and big5_errors <= 50:
        # Big5 bytes often decode as GB18030 without errors (and vice versa, less often):
        # the decoding with more everyday characters (and fewer private-use ones) is right.
        sample = body[:20000]
        as_big5, as_gb = sample.decode(big5, "ignore"), sample.decode("gb18030", "ignore")
        if (_common_ratio(as_big5) - _private_use(as_big5) / max(1, len(as_big5)) * 20
                > _common_ratio(as_gb) - _private_use(as_gb) / max(1, len(as_gb)) * 20):
            return big5
    if gb_errors <= 50:
        return "gb18030"
    return "utf-8"


# Very frequent characters of Chinese text, simplified and traditional forms.
_COMMON = frozenset(
    "的一是不了在人有我他这這个個们們中大来來上国國到说說和地也子时時道出而要于於就下得可你年"
    "生自会會那后後能对對着著事其里裡所去行过過家十用发發天如然作方成者多日都三小军軍二无無同"
    "经經法当當起与與好看学學进進种種将將还還分此心前面又定见見只主没沒公从從以为為之市区區新"
    "记記者报報开開月工业業高民政府表示相关關等月"
)


def _common_ratio(text: str) -> float:
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    return sum(1 for c in cjk if c in _COMMON) / len(cjk)


def decode_html(body: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes: ``(text, codec)``; undecodable bytes become U+FFFD."""
    enc = detect_encoding(body, http_charset)
    text = body.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc
