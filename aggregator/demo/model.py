"""The demo site's model: constants, the article and source records, the truth a crawl must find."""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from aggregator.project import DISPLAY_TZ


#: Beijing time; every date on the demo site is printed in it.
BJT = DISPLAY_TZ
#: Base URL baked into the absolute links (RSS, JSON API, canonical) when none is given.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Modification time of files that are not articles (newest content on the site).
SITE_EPOCH = datetime(2022, 3, 31, 20, 0, tzinfo=BJT)

SITE_NAME = "宁夏新闻汇"
PORTAL_NAME = "塞上在线"
FEED_SITE_NAME = "黄河文旅网"
APP_NAME = "凤城晚报"

PAGE_SIZE = 10  # items per listing page / API page

#: The Jekyll site's media: (category slug, medium, demo source name, article count,
#: cities its stories come from, themes, lead byline, original-URL pattern, newest date, days apart)
JEKYLL_MEDIA = (
    ("yinchuanxinwenwang", "银川新闻网", "yinchuan", 24, ("银川市",),
     ("urban", "livelihood", "economy", "culture", "ecology", "health", "sports", "agri"),
     "银川新闻网讯（记者 {reporter}）", "http://www.yinchuan-news.example/system/{y}/{m}/{d}/{id:09d}.shtml",
     datetime(2022, 3, 30, tzinfo=BJT), 3),
    ("ningxiaribao", "宁夏日报", "nxdaily", 22, ("银川市", "吴忠市", "固原市", "石嘴山市", "中卫市"),
     ("economy", "agri", "ecology", "urban", "tourism", "health", "livelihood"),
     "本报讯（记者 {reporter}）", "http://epaper.nxdaily.example/{y}{m}/{d}/content_{id}.htm",
     datetime(2022, 3, 29, tzinfo=BJT), 3),
    ("xinxiaoxibao", "新消息报", "xinxiaoxi", 16, ("银川市", "石嘴山市", "吴忠市"),
     ("livelihood", "urban", "health", "culture", "sports"),
     "本报讯（记者 {reporter}）", "http://www.xinxiaoxi.example/news/{y}{m}{d}/{id}.html",
     datetime(2022, 3, 28, tzinfo=BJT), 5),
    ("guyuanxinwenwang", "固原新闻网", "guyuan", 14, ("固原市",),
     ("agri", "ecology", "tourism", "health", "culture", "livelihood"),
     "固原新闻网讯（记者 {reporter}）", "http://www.guyuan-news.example/{y}/{m}{d}/c{id}.html",
     datetime(2022, 3, 27, tzinfo=BJT), 6),
)

#: Publishers named by the portal's 来源 lines.
PORTAL_ORIGINS = ("宁夏日报", "塞上在线", "新消息报", "银川晚报", "吴忠日报", "固原日报", "中卫日报", "石嘴山日报")
APP_ORIGINS = ("凤城晚报", "凤城晚报", "凤城晚报客户端")
FEED_ORIGINS = ("黄河文旅网", "黄河文旅网", "宁夏文旅周刊")

# Index (0-based, in publication order, newest first) of the special cases.
_DUAL_LISTED_INDEX = 4  # in yinchuan; also listed on the ningxiaribao category page
_NON_ASCII_INDEX = 3  # in guyuan: a Jekyll post whose slug is Chinese (percent-encoded URL)
_NO_DATE_INDEX = 9  # in the portal's templated articles
_URL_DATE_INDEX = 13
_WRONG_CHARSET_INDEX = 5


# -- deterministic choice -------------------------------------------------------------------


def _h(*key: object) -> int:
    """Stable 64-bit hash of a key (sha256; independent of PYTHONHASHSEED and Python version)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, key)).encode("utf-8")).digest()[:8], "big")


def _pick(seq, *key):
    return seq[_h(*key) % len(seq)]


def _order(seq, *key) -> list:
    return sorted(seq, key=lambda item: (_h(*key, item), str(item)))


# -- truth records ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArticle:
    """The truth about one demo article (what a correct crawl stores).

    Attributes:
        path: URL path on the demo server, not percent-encoded (``/news/202201/t20220119_10201.html``).
        title: headline as a reader sees it (no site suffix).
        published: ISO 8601 with ``+08:00`` as the page states it; None when the page has no date.
        source: publisher the page names (``来源：``/``文章来源：``/JSON ``source``).
        spider: demo source whose listing links it (the first one for the dual-listed article).
        category: category slug of that source; ``categories`` has every listing category.
        structure: ``jekyll`` | ``portal`` | ``feed`` | ``json``.
        blocks: body as ``("p", paragraph)`` / ``("h", subheading)`` pairs, in order.
        author: byline the page names (作者 / meta author), else None.
        listing_date: date shown beside the link on the listing / feed / API, else None.
        url_date: date readable from the URL (``YYYY-MM-DD``), else None.
        origin_url: the original-article URL the page names (Jekyll posts), else None.
        pages: every page of the article (two for the multi-page one).
        encoding: bytes encoding of its pages (``utf-8`` or ``gbk``).
        body_without: boilerplate strings on the page that must not reach ``body_text``.
    """

    path: str
    title: str
    published: str | None
    source: str
    spider: str
    category: str
    categories: tuple[str, ...]
    structure: str
    blocks: tuple[tuple[str, str], ...]
    author: str | None = None
    listing_date: str | None = None
    url_date: str | None = None
    origin_url: str | None = None
    pages: tuple[str, ...] = ()
    encoding: str = "utf-8"
    body_without: tuple[str, ...] = ()

    @property
    def url_path(self) -> str:
        """The path percent-encoded as it appears in links."""
        return quote(self.path)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Body paragraphs (subheadings excluded)."""
        return tuple(t for k, t in self.blocks if k == "p")

    @property
    def body_text(self) -> str:
        """Expected plain text: paragraphs and subheadings, one per line."""
        return "\n".join(t for _, t in self.blocks)

    @property
    def first_paragraph(self) -> str:
        """First body paragraph."""
        return self.paragraphs[0]

    @property
    def last_paragraph(self) -> str:
        """Last body paragraph."""
        return self.paragraphs[-1]

    @property
    def published_utc(self) -> str | None:
        """``published`` in the archive's format (``2022-01-19T04:20:00+00:00``)."""
        if self.published is None:
            return None
        return datetime.fromisoformat(self.published).astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class DemoSource:
    """One demo source: a ``[[source]]`` of the demo sources TOML and what it lists.

    ``category`` is the value written in the TOML (a slug, or Chinese text the loader
    turns into a pinyin slug); ``category_slug`` is the slug the archive will use.
    ``listed`` holds every article path its listing pages / feed / API link to.
    """

    name: str
    title: str
    type: str
    structure: str
    category: str
    category_slug: str
    start_paths: tuple[str, ...]
    listing_paths: tuple[str, ...]
    listed: tuple[str, ...]
    encoding: str = "utf-8"


@dataclass(frozen=True)
class SiteInfo:
    """What :func:`build_site` wrote and what a correct crawl of it must find."""

    root: Path | None
    base_url: str
    sources: tuple[DemoSource, ...]
    articles: tuple[DemoArticle, ...]
    multi_page: tuple[str, str]
    syndicated: tuple[str, str]
    dual_listed: str
    no_date: str
    url_date_only: str
    wrong_charset_header: str
    non_ascii_path: str
    files: tuple[str, ...] = field(default=(), repr=False)

    def url(self, path: str) -> str:
        """Absolute URL of a site path (percent-encoded)."""
        return self.base_url + quote(path)

    def article(self, path: str) -> DemoArticle:
        """The article at ``path`` (percent-encoded or not)."""
        from urllib.parse import unquote

        want = unquote(path)
        for a in self.articles:
            if a.path == want or want in a.pages:
                return a
        raise KeyError(path)

    def source(self, name: str) -> DemoSource:
        """The demo source called ``name``."""
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def articles_of(self, name: str) -> tuple[DemoArticle, ...]:
        """Articles whose ``spider`` is ``name``."""
        return tuple(a for a in self.articles if a.spider == name)

    @property
    def structures(self) -> tuple[str, ...]:
        """The distinct site structures (``jekyll``, ``portal``, ``feed``, ``json``)."""
        return tuple(dict.fromkeys(s.structure for s in self.sources))

    @property
    def per_source(self) -> dict[str, int]:
        """Distinct articles per demo source (the dual-listed one counts for its first source)."""
        c = Counter(a.spider for a in self.articles)
        return {s.name: c[s.name] for s in self.sources}

    @property
    def listed_per_source(self) -> dict[str, int]:
        """Article links per demo source (the dual-listed one counts for both)."""
        return {s.name: len(s.listed) for s in self.sources}

    @property
    def per_category(self) -> dict[str, int]:
        """Distinct articles per primary category slug."""
        return dict(Counter(a.category for a in self.articles))

    @property
    def listed_per_category(self) -> dict[str, int]:
        """Articles per category slug counting every category an article is listed in."""
        return dict(Counter(c for a in self.articles for c in a.categories))

    @property
    def categories(self) -> dict[str, str]:
        """Category slug -> display name."""
        out = {}
        for s in self.sources:
            out[s.category_slug] = s.title if s.category == s.category_slug else s.category
        return out


# -- composing articles from the corpus ------------------------------------------------------


def _when(start: datetime, i: int, gap_days: int, key: str) -> datetime:
    day = start - timedelta(days=i * gap_days)
    return day.replace(hour=7 + _h(key, "hour") % 14, minute=_h(key, "minute") % 60, second=0)


def _ymd(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d")


_LINK_RE = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")


def _plain(text: str) -> str:
    return _LINK_RE.sub(lambda m: m.group(1), text)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _rel(from_path: str, to_path: str) -> str:
    """Relative link from one page to another path (what a portal CMS writes)."""
    rel = posixpath.relpath(to_path, posixpath.dirname(from_path))
    return quote(rel)
