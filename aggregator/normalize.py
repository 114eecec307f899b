"""Normalisation: pure functions that turn extracted values into archive values.

Owns title clean-up, canonical URLs and dedupe keys, dates to UTC, the HTML sanitiser
(allow-list, absolute URLs, lazy images), body text, content hashes, slugs and XML-safe
text, and :func:`normalize_article`, which turns an extracted Article into the finished
one the archive stores. Pure: no network, no Scrapy engine, no database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import lxml.html
import nh3
from dateutil import parser as dateutil_parser

from aggregator.items import Article
from aggregator.project import DEFAULT_TZ, DEFAULT_TZ_NAME, parse_iso, utc_now_iso
from aggregator.search import PreparedText

# --- text ---------------------------------------------------------------------------

# XML 1.0 forbids C0 controls except \t \n \r, U+FFFE/U+FFFF and lone surrogates.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff]+")


def xml_safe(text: str | None) -> str:
    """Remove characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/F)."""
    if not text:
        return ""
    return _XML_ILLEGAL.sub("", text)


_ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"   # in _WS but not white space to str.split()
_ZERO_WIDTH_TO_SPACE = str.maketrans(dict.fromkeys(_ZERO_WIDTH, " "))


def collapse_ws(text: str | None) -> str:
    """One space for every run of white space (including U+3000 and zero-width)."""
    text = xml_safe(text or "")
    # ``_WS.sub(" ", text).strip()``, but str.split() is several times faster than the
    # regex; it splits on exactly the characters \s matches, so only the zero-width ones
    # (rare) need turning into spaces first
    if not text.isascii() and any(z in text for z in _ZERO_WIDTH):
        text = text.translate(_ZERO_WIDTH_TO_SPACE)
    return " ".join(text.split())


# Separators between a headline and the site name in <title> or og:title.
_TITLE_SEP = re.compile(r"\s*(?:_|\||｜|--?|—+|–|·|::)\s*")
# Site-name tails: words that end names of media and portals (网, 日报, 频道 ...).
_SITE_TAIL = re.compile(r"(网|網|站|报|報|日报|晚报|频道|新闻|新聞|在线|在線|门户|政府|客户端|号|首页|\.com|\.cn|\.net)$", re.I)

MAX_TITLE_CHARS = 300


def clean_title(title: str | None, site_names: tuple[str, ...] = ()) -> str:
    """Headline without site-name suffixes and with single spaces; bounded length."""
    t = collapse_ws(title)
    if not t:
        return ""
    # cut first, then strip suffixes to a fixed point: a second call changes nothing
    if len(t) > MAX_TITLE_CHARS:
        t = t[: MAX_TITLE_CHARS - 1] + "…"
    while True:
        parts = _TITLE_SEP.split(t)
        if len(parts) < 2:
            break
        tail = parts[-1].strip()
        head = t[: len(t) - len(tail)].rstrip()
        head = re.sub(r"\s*(?:_|\||｜|--?|—+|–|·|::)\s*$", "", head)
        if not head or len(head) < 4:
            break
        # only a known site name, or a site-like name (…网, …日报, …频道) after a real
        # separator: "4-1" scores and "——访某某" subtitles are part of the headline
        spaced_or_strong = bool(re.search(r"(_|\||｜|\s[-–—]+\s|——|::)\s*$", t[: len(t) - len(tail)]))
        if tail in site_names or (spaced_or_strong and _SITE_TAIL.search(tail) and len(tail) <= 20
                                  and not re.search(r"[，。！？,.!?：:]", tail)):
            t = head
        else:
            break
    return t


# --- URLs ---------------------------------------------------------------------------

# Query parameters that identify a visit, not a page.
_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|fromsource|from_source|share|share_token|shareid|sharefrom|isappinstalled|"
    r"scene|srcid|wfr|for|timestamp|ts|_t|t|nsukey|ref|referer|refer|source|src|"
    r"jsessionid|phpsessid|sessionid|sid|aspsessionid\w*|cfid|cftoken|gclid|fbclid|yclid|mc_cid|mc_eid|igshid)$",
    re.I,
)
_SESSION_IN_PATH = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.I)
_INDEX_PAGE = re.compile(r"/(index|default)\.(html?|shtml|php|asp|aspx|jsp)$", re.I)


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """URL with fragment, tracking parameters and session ids removed; host lower-cased.

    Cached: a crawl canonicalises each URL several times (link, request, item, pipeline)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # an invalid port or IPv6 literal: keep the URL as it is rather than fail a whole page
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host and ":" in host:
        host = f"[{host}]"
    port = port if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)) else None
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        netloc = parts.username + (f":{parts.password}" if parts.password else "") + "@" + netloc
    path = _SESSION_IN_PATH.sub("", parts.path) or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


@lru_cache(maxsize=4096)
def url_key(url: str) -> str:
    """Dedupe key: the canonical URL without scheme, ``index.html`` or trailing slash.

    ``http://x/a/``, ``https://x/a/index.html`` and ``https://x/a`` share one key.
    """
    try:
        c = urlsplit(canonical_url(url))
    except ValueError:
        return (url or "").strip()
    path = _INDEX_PAGE.sub("/", c.path).rstrip("/") or ""
    host = c.netloc
    if host.startswith("www."):
        host = host[4:]
    return host + path + (("?" + c.query) if c.query else "")


# --- dates --------------------------------------------------------------------------



def to_utc_iso(value: str | datetime | None, tz: str | ZoneInfo = DEFAULT_TZ) -> str | None:
    """ISO 8601 in UTC (``2022-01-19T04:20:06+00:00``); naive values are read in ``tz``."""
    if value is None or value == "":
        return None
    if isinstance(tz, str):
        tz = ZoneInfo(tz)
    if isinstance(value, datetime):
        dt = value
    else:
        dt = parse_iso(str(value), tz)
        if dt is None:
            import warnings

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", dateutil_parser.UnknownTimezoneWarning)
                    dt = dateutil_parser.parse(str(value))
            except (ValueError, OverflowError):
                return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    try:
        return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        return None


# --- HTML ---------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Elements dropped with everything inside them (not just unwrapped).
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                      "svg", "math", "form", "button", "select", "textarea", "input", "frame",
                      "frameset", "applet", "base", "meta", "link", "title", "head",
                      # raw-text elements: their markup would come out as escaped text
                      # (plaintext even swallows the rest of the page)
                      "xmp", "plaintext", "noembed", "noframes"}
# Lazy-loading attributes, most specific first.
_LAZY_SRC = ("data-original", "data-src", "data-lazy-src", "data-lazyload", "data-url", "data-echo", "original", "file")

MAX_BODY_CHARS = 1_000_000
#: Version of :func:`sanitize_html`'s rules. Bump it whenever they change what a body may
#: contain: the archive records it per row, and the exporter sanitises again only rows made
#: by an older version (or none).
SANITIZER_VERSION = 1


def resolve_url(base: str, value: str | None, schemes: Collection[str] = ("http", "https", "mailto", ""),
                file_under_file_base: bool = False) -> str | None:
    """``value`` resolved against ``base``, or None when empty, unparsable or of a scheme
    not in ``schemes`` ("" = still relative, i.e. no base). ``file_under_file_base``
    also allows ``file:`` URLs when ``base`` is one (local sites, Jekyll folders)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        absu = urljoin(base, value) if base else value
        scheme = urlsplit(absu).scheme.lower()
    except ValueError:
        return None
    if scheme in schemes or (file_under_file_base and scheme == "file" and base.startswith("file:")):
        return absu
    return None


def _resolve(base: str, value: str) -> str | None:
    return resolve_url(base, value, file_under_file_base=True)


def sanitize_html(html: str | None, base_url: str = "") -> str:
    """Allow-listed article HTML: no scripts/handlers/styles, absolute links, lazy images resolved.

    Images get ``referrerpolicy="no-referrer"`` and ``loading="lazy"`` (Chinese sites block
    hotlinked images with a referrer check).
    """
    html = xml_safe(html)
    if not html or not html.strip():
        return ""
    if len(html) > 4 * MAX_BODY_CHARS:
        html = html[: 4 * MAX_BODY_CHARS]
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):
        # lxml asserts on an empty <html> element ("too many bodies: []"): nothing to keep
        return ""
    for el in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower().split("}")[-1]
        if tag in _DROP_WITH_CONTENT and el is not root:
            el.drop_tree()
    for img in list(root.iter("img")):
        # the first candidate that resolves to a safe URL: lazy attributes, src, srcset
        candidates = [img.get(attr) for attr in _LAZY_SRC]
        candidates.append(img.get("src"))
        if img.get("srcset"):
            candidates.append(img.get("srcset").split(",")[0].strip().split(" ")[0])
        absu = None
        for cand in candidates:
            if cand and not cand.strip().lower().startswith("data:"):
                absu = _resolve(base_url, cand)
                if absu:
                    break
        if absu:
            img.set("src", absu)
            # set here, not by nh3's set_tag_attribute_values: that one iterates a hash
            # map, so the attribute order (and the bytes) would change from run to run
            img.set("referrerpolicy", "no-referrer")
            img.set("loading", "lazy")
        else:
            img.drop_tree()
    for a in root.iter("a"):
        href = a.get("href")
        absu = _resolve(base_url, href) if href else None
        if absu:
            a.set("href", absu)
        elif href is not None:
            del a.attrib["href"]
    inner = lxml.html.tostring(root, encoding="unicode")
    inner = inner[inner.find(">") + 1: inner.rfind("<")]
    cleaned = _allow_list(inner)
    cleaned = _EMPTY_PARAS.sub("", cleaned).strip()
    shown = _TAG_NOT_IMG.sub("", cleaned)
    if not shown or _VISIBLE.fullmatch(shown):
        # only white space (&nbsp; included) and empty tags: nothing a reader would see;
        # returning it would also make a second pass differ ("&nbsp;" -> "")
        return ""
    if len(cleaned) > MAX_BODY_CHARS:
        cleaned = _allow_list(cleaned[:MAX_BODY_CHARS])
    return cleaned


# ``(<p>\s*</p>\s*)+`` written to start with a literal, which the regex engine finds by a
# fast scan (the group first made it try every position: 20 times slower on a body)
_EMPTY_PARAS = re.compile(r"<p>\s*</p>\s*(?:<p>\s*</p>\s*)*")
_TAG_NOT_IMG = re.compile(r"<(?!img\b)[^>]*>", re.I)
_VISIBLE = re.compile(r"(?:&nbsp;|&#160;|&#xa0;|[\s\u00a0\u3000\u200b\ufeff])+", re.I)


def _allow_list(html: str) -> str:
    """The nh3 (ammonia) pass: allow-listed tags, attributes and URL schemes only."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT - {"head", "title", "meta", "link", "base"} | {"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        tag_attribute_values={"img": {"referrerpolicy": {"no-referrer"}, "loading": {"lazy"}}},
        strip_comments=True,
    )


_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote", "pre", "figcaption",
          "figure", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "caption"}


def html_to_text(html: str | None) -> str:
    """Plain text of (sanitised) HTML: one line per block element, single spaces within."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError, AssertionError):  # AssertionError: an empty <html>
        return collapse_ws(re.sub(r"<[^>]+>", " ", html))
    chunks: list[str] = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _BLOCK
        if block:
            chunks.append("\n")
        if tag == "br":
            chunks.append("\n")
        if el.text and tag not in ("script", "style"):
            chunks.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                chunks.append(child.tail)
        if block:
            chunks.append("\n")

    walk(root)
    lines = (collapse_ws(line) for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(title: str, body_text: str) -> str:
    """Stable hash of what a reader sees: title and body text, white space ignored."""
    # "".join(t.split()) is re.sub(r"\s+", "", t): str.split() splits on exactly the
    # characters \s matches (tests/test_crawl_fastpaths.py), several times faster
    norm = "".join((title or "").split()) + "\x1f" + "".join((body_text or "").split())
    return hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- slugs --------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_SLUG = 64


def slugify(text: str | None) -> str:
    """Safe lowercase slug: Chinese as toneless pinyin (银川新闻网 -> ``yinchuanxinwenwang``).

    Only ``[a-z0-9_-]`` survive, so a slug is always a safe file name (no ``/``, no
    ``..``). A name with nothing transliterable becomes ``x-<hash>``; long slugs are cut and
    get a hash suffix so two long names never collide.
    """
    raw = (text or "").strip()
    if not raw:
        return ""
    if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", raw) and len(raw) <= MAX_SLUG:
        return raw
    from pypinyin import lazy_pinyin

    out: list[str] = []
    for piece in re.split(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)", raw):
        if not piece:
            continue
        if _CJK.match(piece):
            out.append("".join(lazy_pinyin(piece)))
        else:
            ascii_ = unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode().lower()
            out.append(re.sub(r"[^a-z0-9]+", "-", ascii_))
    # filter before trimming: pypinyin returns characters it cannot read unchanged, and
    # dropping one of them after the trim could leave a leading "-" ("㠻:0" -> "-0")
    slug = re.sub(r"[^a-z0-9_-]", "", "".join(out))
    slug = re.sub(r"-{2,}", "-", slug).strip("-_")
    digest = hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if not slug:
        return f"x-{digest}"
    if len(slug) > MAX_SLUG:
        slug = slug[: MAX_SLUG - 9].rstrip("-_") + "-" + digest
    return slug


# --- articles -------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanBody:
    """A body already sanitised by :func:`clean_body` (in an extraction process), with the
    inputs it was made from: :func:`normalize_article` uses it only when they still match."""

    raw: str
    base_url: str
    max_chars: int
    html: str
    text: str
    truncated: bool
    search: PreparedText | None = None   # of ``text`` (folded text, fingerprint, index columns)

    @classmethod
    def of(cls, raw: str, base_url: str, max_chars: int, prepare_search: bool = False) -> "CleanBody":
        """Sanitise ``raw`` now (and prepare the text for the archive's search index)."""
        html, text, truncated = clean_body(raw, base_url, max_chars)
        search = None
        if prepare_search and text:
            search = PreparedText.of(text)
        return cls(raw, base_url, max_chars, html, text, truncated, search)

    def matches(self, raw: str, base_url: str, max_chars: int) -> bool:
        """True when made from exactly these inputs."""
        return self.base_url == base_url and self.max_chars == max_chars and self.raw == raw


def clean_body(body_html: str, base_url: str, max_body_chars: int = MAX_BODY_CHARS) -> tuple[str, str, bool]:
    """Sanitised body HTML (at most ``max_body_chars``), its plain text, and whether it was cut."""
    body_html = sanitize_html(body_html, base_url=base_url)
    truncated = False
    cut = max_body_chars
    while len(body_html) > max_body_chars and cut > 0:
        # cutting may leave open tags that the sanitiser closes again: cut until it fits
        cut = cut - max(64, cut // 20)
        body_html = sanitize_html(body_html[:max(cut, 0)], base_url=base_url)
        truncated = True
    return body_html, html_to_text(body_html), truncated


def normalize_article(item: Article, max_body_chars: int = MAX_BODY_CHARS, site_names: tuple[str, ...] = (),
                      tz: str = DEFAULT_TZ_NAME) -> tuple[Article, bool]:
    """Pure normalisation of one Article; returns (article, body_was_truncated)."""
    url = canonical_url(item.url)
    title = clean_title(item.title, site_names)
    published = to_utc_iso(item.published, tz) or None
    body_html, body_text, truncated, search = "", "", False, None
    if item.body_html:
        pre = item.prepared_body   # set by the spider when an extraction process did it
        if isinstance(pre, CleanBody) and pre.matches(item.body_html, url, max_body_chars):
            body_html, body_text, truncated, search = pre.html, pre.text, pre.truncated, pre.search
        else:
            body_html, body_text, truncated = clean_body(item.body_html, url, max_body_chars)
    if not body_html:
        body_text = collapse_ws(item.body_text)
    source = collapse_ws(item.source)[:100] or (site_names[0] if site_names else None)
    author = collapse_ws(item.author)[:100] or None
    category = slugify(item.category) if item.category else ""
    cats = []
    for c in [category, *(item.categories or [])]:
        s = slugify(c) if c else ""
        if s and s not in cats:
            cats.append(s)
    art = replace(
        item,
        prepared_body=None,
        prepared_text=None,
        url=url,
        title=title,
        published=published,
        published_guessed=bool(item.published_guessed),
        source=source,
        author=author,
        category=category,
        categories=cats,
        category_name=collapse_ws(item.category_name)[:200] or None,
        body_html=body_html,
        body_text=body_text,
        sanitizer_version=SANITIZER_VERSION if body_html else None,
        origin_url=(canonical_url(item.origin_url)
                    if item.origin_url and item.origin_url.strip().lower().startswith(("http://", "https://")) else None),
        fetched_at=to_utc_iso(item.fetched_at, "UTC") if item.fetched_at else utc_now_iso(),
    )
    art.content_hash = content_hash(art.title, art.body_text)
    if search is not None and search.text == art.body_text:
        art.prepared_text = search   # the archive uses it only while it matches body_text
    return art, truncated
