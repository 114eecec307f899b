"""Generator of the bundled demo site: a pure function of :mod:`aggregator.demo.corpus`.

Owns the demo site's pages and its truth. ``site_files(base_url)`` returns every file as
bytes (same bytes on every call: no clock, no randomness, no dict-order surprises);
``build_site(dest, base_url)`` writes them and returns a :class:`SiteInfo` describing what
a correct crawl must find. ``render_sources(base_url, dest)`` writes the sources TOML
for the demo sources.

Four sources, four structures, one host:

* **jekyll** ``/`` "宁夏新闻汇", a Jekyll-built aggregation site with one paginated category
  page per medium (``/category/<slug>.html``, ``/category/<slug>_2.html``…) and posts at
  ``/<slug>/YYYY/MM/DD/<name>.html`` whose body ends with ``（文章来源：X）``, followed
  by the original URL and ``[返回…]`` links. One demo source per category.
* **portal** ``/news/`` "塞上在线", a provincial portal in GBK bytes declared gb2312/gbk:
  numbered list pages, relative links, lazy images, scripts and ads in the article
  container, ``发布时间：``/``来源：``/``责任编辑：`` lines, a two-page article, an
  article without any date and one dated only by its URL.
* **feed** ``/rss.xml`` "黄河文旅网", RSS 2.0 pointing at UTF-8 pages with Open Graph /
  ``article:published_time`` metadata.
* **json** ``/api/list_N.json`` "凤城晚报", a JSON list API pointing at mobile pages.

Pure: no network; the only I/O is ``build_site``/``render_sources`` writing files.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import posixpath
import re
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

from aggregator.demo import corpus

#: Beijing time; every date on the demo site is printed in it.
BJT = timezone(timedelta(hours=8))
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


def _slots(key: str, city: str, county_entry, when: datetime, theme: dict) -> dict[str, str]:
    county, level, towns = county_entry
    people = _order(corpus.PEOPLE, key, "people")
    org_t, roles = _pick(theme["orgs"], key, "org")
    lead_day = when - timedelta(days=_h(key, "lag") % 2)
    s = {
        "city": city,
        "county": county,
        "level": level,
        "place": county if level == "市" else city + county,
        "town": _pick(towns, key, "town"),
        "official": people[0],
        "resident": people[1],
        "resident2": people[2],
        "reporter": _pick(corpus.REPORTERS, key, "reporter"),
        "date": f"{lead_day.month}月{lead_day.day}日",
        "role": _pick(roles, key, "role"),
    }
    s["org"] = org_t.format(**s)
    s.update(_numbers(key))
    return s


def _numbers(key: str) -> dict[str, str]:
    """Figures for one template; body paragraphs draw their own, so numbers rarely repeat."""
    s = {}
    for sfx in ("", "b"):
        s["n1" + sfx] = str(2 + _h(key, "n1" + sfx) % 8)
        s["n2" + sfx] = str(12 + _h(key, "n2" + sfx) % 85)
        s["n3" + sfx] = str(120 + _h(key, "n3" + sfx) % 87 * 10)
        s["n4" + sfx] = str(1200 + _h(key, "n4" + sfx) % 87 * 100)
        v = 31 + _h(key, "pct" + sfx) % 268
        s["pct" + sfx] = f"{v // 10}.{v % 10}"
        m = _h(key, "money" + sfx)
        tenth = 11 + m % 88
        s["money" + sfx] = f"{tenth // 10}.{tenth % 10}亿元" if m % 3 == 0 else f"{300 + m % 96 * 100}万元"
    a = _h(key, "area")
    tenth = 11 + a % 88
    s["area"] = f"{tenth // 10}.{tenth % 10}万亩" if a % 2 else f"{500 + a % 90 * 100}亩"
    hi = 800 + _h(key, "hi") % 200
    s["hi"] = f"{hi // 10}.{hi % 10}"
    return s


def _compose(key: str, theme_key: str, city: str, when: datetime, byline: str, used_titles: set[str]) -> dict:
    """One templated article: title, blocks and reporter, unique title across the site."""
    theme = corpus.THEMES[theme_key]
    county_entry = _pick(corpus.REGIONS[city], key, "county")
    s = _slots(key, city, county_entry, when, theme)
    title = None
    for thing in _order(theme["things"], key, "thing"):
        for tmpl in _order(theme["titles"], key, "title"):
            s["thing"] = thing
            candidate = tmpl.format(**s)
            if candidate not in used_titles:
                title = candidate
                break
        if title:
            break
    assert title, f"no unique title left for {key}"
    used_titles.add(title)
    n = 3 + _h(key, "len") % 8  # 3..10 paragraphs
    closing = n >= 4 and _h(key, "closing") % 3 == 0
    body = [p.format(**{**s, **_numbers(f"{key}/{p}")}) for p in _order(theme["paras"], key, "paras")[: n - 1 - closing]]
    if closing:
        body.append(_pick(corpus.CLOSINGS, key, "closing-text").format(**{**s, **_numbers(f"{key}/closing")}))
    lead = byline.format(**s) + _pick(theme["leads"], key, "lead").format(**s)
    blocks = [("p", lead)]
    if n >= 5 and _h(key, "subheads") % 3:
        heads = _order(theme["subheads"], key, "subheads")
        half = len(body) // 2
        blocks += [("h", heads[0])] + [("p", p) for p in body[:half]] + [("h", heads[1])] + [("p", p) for p in body[half:]]
    else:
        blocks += [("p", p) for p in body]
    return {"title": title, "blocks": tuple(blocks), "reporter": s["reporter"], "theme": theme_key}


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


# -- planning: which articles exist where -----------------------------------------------------


@dataclass
class _Plan:
    base_url: str
    articles: list[DemoArticle] = field(default_factory=list)
    sources: list[DemoSource] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # per-article rendering details by path
    special: dict = field(default_factory=dict)


def _plan(base_url: str) -> _Plan:
    plan = _Plan(base_url.rstrip("/"))
    used: set[str] = set()
    _plan_jekyll(plan, used)
    _plan_portal(plan, used)
    _plan_feed(plan, used)
    _plan_json(plan, used)
    return plan


def _plan_jekyll(plan: _Plan, used: set[str]) -> None:
    per_cat: dict[str, list[str]] = {}
    dual_path = None
    for slug, medium, name, count, cities, themes, byline, origin_t, start, gap in JEKYLL_MEDIA:
        per_cat[slug] = []
        n_templated = count - (1 if slug == "ningxiaribao" else 0)
        items: list[tuple[datetime, DemoArticle]] = []
        for i in range(n_templated):
            key = f"jekyll/{slug}/{i}"
            when = _when(start, i, gap, key)
            art = _compose(key, themes[i % len(themes)], _pick(cities, key, "city"), when, byline, used)
            art_id = 100000 + _h(key, "id") % 900000
            if slug == "guyuanxinwenwang" and i == _NON_ASCII_INDEX:
                post_slug = re.sub(r"[^\w]", "", art["title"])
            else:
                post_slug = f"{art['theme']}-{_h(key, 'slug') % 10000:04d}"
            path = f"/{slug}/{when:%Y/%m/%d}/{post_slug}.html"
            categories = (slug,)
            if slug == "yinchuanxinwenwang" and i == _DUAL_LISTED_INDEX:
                categories = (slug, "ningxiaribao")
                dual_path = path
            origin = origin_t.format(y=f"{when:%Y}", m=f"{when:%m}", d=f"{when:%d}", id=art_id)
            items.append((when, DemoArticle(
                path=path, title=art["title"], published=when.isoformat(), source=medium, spider=name,
                category=slug, categories=categories, structure="jekyll", blocks=art["blocks"],
                listing_date=_ymd(when), url_date=_ymd(when), origin_url=origin, pages=(path,),
                body_without=(f"（文章来源：{medium}）", f"[返回{medium}]", "[返回首页]", origin),
            )))
            if slug == "guyuanxinwenwang" and i == _NON_ASCII_INDEX:
                plan.special["non_ascii_path"] = path
        if slug == "ningxiaribao":
            when = datetime(2022, 2, 22, 7, 30, tzinfo=BJT)
            path = f"/{slug}/2022/02/22/economy-{_h('syndicated', 'slug') % 10000:04d}.html"
            origin = origin_t.format(y="2022", m="02", d="22", id=202202221)
            items.append((when, DemoArticle(
                path=path, title=corpus.SYNDICATED["title"], published=when.isoformat(), source=medium,
                spider=name, category=slug, categories=(slug,), structure="jekyll",
                blocks=corpus.SYNDICATED["blocks"], listing_date=_ymd(when), url_date=_ymd(when),
                origin_url=origin, pages=(path,),
                body_without=(f"（文章来源：{medium}）", f"[返回{medium}]", "[返回首页]", origin),
            )))
            plan.special["syndicated_jekyll"] = path
        items.sort(key=lambda t: t[0], reverse=True)
        for _, art in items:
            plan.articles.append(art)
            per_cat[slug].append(art.path)
    plan.special["dual_listed"] = dual_path
    by_path = {a.path: a for a in plan.articles}
    per_cat["ningxiaribao"].append(dual_path)
    per_cat["ningxiaribao"].sort(key=lambda p: by_path[p].published, reverse=True)
    for slug, medium, name, *_ in JEKYLL_MEDIA:
        listed = tuple(per_cat[slug])
        pages = _listing_pages(f"/category/{slug}", len(listed), sep="_", first_suffix="", start=2)
        plan.sources.append(DemoSource(
            name=name, title=medium, type="listing", structure="jekyll", category=slug, category_slug=slug,
            start_paths=(pages[0],), listing_paths=pages, listed=listed,
        ))


def _listing_pages(stem: str, n_items: int, sep: str, first_suffix: str, start: int) -> tuple[str, ...]:
    n_pages = max(1, -(-n_items // PAGE_SIZE))
    return tuple(f"{stem}{first_suffix}.html" if k == 0 else f"{stem}{sep}{k - 1 + start}.html" for k in range(n_pages))


def _plan_portal(plan: _Plan, used: set[str]) -> None:
    themes = tuple(corpus.THEMES)
    cities = tuple(corpus.REGIONS)
    start = datetime(2022, 3, 31, tzinfo=BJT)
    items: list[tuple[datetime, DemoArticle]] = []
    for i in range(24):
        key = f"portal/{i}"
        when = _when(start, i, 3, key)
        origin = _pick(PORTAL_ORIGINS, key, "origin")
        art = _compose(key, themes[i % len(themes)], _pick(cities, key, "city"), when, origin + "讯（记者 {reporter}）", used)
        art_id = 10200 + i
        if i == _NO_DATE_INDEX:
            path, published, url_date, listing_date = f"/news/zt/{art_id}.html", None, None, None
            plan.special["no_date"] = path
        elif i == _URL_DATE_INDEX:
            path, published, url_date, listing_date = f"/news/{when:%Y}/{when:%m%d}/c1003-{art_id}.html", None, _ymd(when), None
            plan.special["url_date_only"] = path
        else:
            path, published, url_date, listing_date = (
                f"/news/{when:%Y%m}/t{when:%Y%m%d}_{art_id}.html", when.isoformat(), _ymd(when), _ymd(when))
        if i == _WRONG_CHARSET_INDEX:
            plan.special["wrong_charset_header"] = path
        author = art["reporter"] if _h(key, "author") % 3 else None
        editor = _pick(corpus.EDITORS, key, "editor")
        items.append((when, DemoArticle(
            path=path, title=art["title"], published=published, source=origin, spider="saishang",
            category="saishangzaixian", categories=("saishangzaixian",), structure="portal", blocks=art["blocks"],
            author=author, listing_date=listing_date, url_date=url_date, pages=(path,), encoding="gbk",
            body_without=(f"责任编辑：{editor}", "分享到", "相关链接", "广告", "trackView", "版权所有"),
        )))
        plan.extra[path] = {"editor": editor, "id": art_id}
    # the syndicated copy of the 宁夏日报 story: same text without the byline prefix
    when = datetime(2022, 2, 22, 10, 5, tzinfo=BJT)
    path = f"/news/{when:%Y%m}/t{when:%Y%m%d}_10277.html"
    blocks = list(corpus.SYNDICATED["blocks"])
    blocks[0] = ("p", blocks[0][1].replace("本报讯（记者 马婧）", ""))
    items.append((when, DemoArticle(
        path=path, title=corpus.SYNDICATED["title"], published=when.isoformat(), source="宁夏日报", spider="saishang",
        category="saishangzaixian", categories=("saishangzaixian",), structure="portal", blocks=tuple(blocks),
        author=corpus.SYNDICATED["reporter"], listing_date=_ymd(when), url_date=_ymd(when), pages=(path,),
        encoding="gbk", body_without=("责任编辑：王磊", "分享到", "相关链接", "广告"),
    )))
    plan.extra[path] = {"editor": "王磊", "id": 10277}
    plan.special["syndicated_portal"] = path
    # the two-page article
    when = datetime(2022, 3, 15, 9, 10, tzinfo=BJT)
    path = f"/news/{when:%Y%m}/t{when:%Y%m%d}_10288.html"
    page2 = path.replace(".html", "_2.html")
    blocks = tuple((k, _plain(t.format(zt=plan.special["no_date"]))) for k, t in corpus.MULTI_PAGE["blocks"] if k != "page")
    items.append((when, DemoArticle(
        path=path, title=corpus.MULTI_PAGE["title"], published=when.isoformat(), source=PORTAL_NAME,
        spider="saishang", category="saishangzaixian", categories=("saishangzaixian",), structure="portal",
        blocks=blocks, author="王晨 李欣", listing_date=_ymd(when), url_date=_ymd(when), pages=(path, page2),
        encoding="gbk", body_without=("责任编辑：杨光", "下一页", "上一页", "分享到", "相关链接", "广告"),
    )))
    plan.extra[path] = {"editor": "杨光", "id": 10288}
    plan.special["multi_page"] = (path, page2)
    items.sort(key=lambda t: (t[0], t[1].path), reverse=True)
    arts = [a for _, a in items]
    plan.articles.extend(arts)
    listed = tuple(a.path for a in arts)
    pages = _listing_pages("/news/index", len(listed), sep="_", first_suffix="", start=1)
    plan.sources.append(DemoSource(
        name="saishang", title=PORTAL_NAME, type="listing", structure="portal", category="saishangzaixian",
        category_slug="saishangzaixian", start_paths=(pages[0],), listing_paths=pages, listed=listed, encoding="gbk",
    ))


def _plan_feed(plan: _Plan, used: set[str]) -> None:
    themes = ("tourism", "culture", "sports")
    cities = tuple(corpus.REGIONS)
    start = datetime(2022, 3, 31, tzinfo=BJT)
    arts = []
    for i in range(16):
        key = f"feed/{i}"
        when = _when(start, i, 4, key)
        art = _compose(key, themes[i % len(themes)], _pick(cities, key, "city"), when, "", used)
        path = f"/wenlv/article/{31000 + _h(key, 'id') % 9000}.html"
        arts.append(DemoArticle(
            path=path, title=art["title"], published=when.isoformat(), source=_pick(FEED_ORIGINS, key, "origin"),
            spider="huanghe", category="wenhualvyou", categories=("wenhualvyou",), structure="feed",
            blocks=art["blocks"], author=art["reporter"], listing_date=when.isoformat(), pages=(path,),
            body_without=("分享到", "相关阅读", "热门排行", "标签：", "版权所有"),
        ))
        plan.extra[path] = {"theme": corpus.THEMES[art["theme"]]["name"]}
    plan.articles.extend(arts)
    plan.sources.append(DemoSource(
        name="huanghe", title=FEED_SITE_NAME, type="feed", structure="feed", category="文化旅游",
        category_slug="wenhualvyou", start_paths=("/rss.xml",), listing_paths=("/rss.xml",),
        listed=tuple(a.path for a in arts),
    ))


def _plan_json(plan: _Plan, used: set[str]) -> None:
    themes = ("urban", "livelihood", "health", "sports", "economy")
    start = datetime(2022, 3, 30, tzinfo=BJT)
    arts = []
    for i in range(18):
        key = f"json/{i}"
        when = _when(start, i, 4, key)
        origin = _pick(APP_ORIGINS, key, "origin")
        art = _compose(key, themes[i % len(themes)], "银川市", when, "本报讯（记者 {reporter}）", used)
        art_id = 20000 + i * 7 + _h(key, "id") % 7
        path = f"/m/detail/{art_id}.html"
        arts.append(DemoArticle(
            path=path, title=art["title"], published=when.isoformat(), source=origin, spider="fengcheng",
            category="chengshiminsheng", categories=("chengshiminsheng",), structure="json", blocks=art["blocks"],
            listing_date=when.isoformat(), pages=(path,),
            body_without=("声明：", "打开凤城晚报APP", "为你推荐", "__INITIAL_STATE__"),
        ))
        plan.extra[path] = {"id": art_id}
    plan.articles.extend(arts)
    pages = tuple(f"/api/list_{k + 1}.json" for k in range(-(-len(arts) // PAGE_SIZE)))
    plan.sources.append(DemoSource(
        name="fengcheng", title=APP_NAME, type="json", structure="json", category="城市民生",
        category_slug="chengshiminsheng", start_paths=pages, listing_paths=pages, listed=tuple(a.path for a in arts),
    ))


# -- small binary assets ------------------------------------------------------------------------


def _png(seed: str, width: int = 8, height: int = 6) -> bytes:
    """A tiny valid PNG in a colour derived from ``seed`` (deterministic bytes)."""
    h = _h("png", seed)
    rgb = bytes(((h >> 16) & 255, (h >> 8) & 255, h & 255))
    raw = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


_GIF_1PX = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


# -- rendering ------------------------------------------------------------------------------------

_DISCLAIMER = corpus.DISCLAIMER


class _Files(dict):
    """path -> bytes, plus the mtime each file should get."""

    def __init__(self):
        super().__init__()
        self.mtimes: dict[str, float] = {}

    def add(self, path: str, data: str | bytes, encoding: str = "utf-8", when: datetime | None = None) -> None:
        if isinstance(data, str):
            data = data.encode(encoding)
        assert path not in self, f"duplicate file {path}"
        self[path] = data
        self.mtimes[path] = (when or SITE_EPOCH).timestamp()


def _jekyll_layout(title: str, content: str, head_extra: str = "") -> str:
    nav = "".join(f'<a class="page-link" href="/category/{slug}.html">{medium}</a>' for slug, medium, *_ in JEKYLL_MEDIA)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
{head_extra}<link rel="stylesheet" href="/assets/main.css">
</head>
<body>
<header class="site-header" role="banner">
<div class="wrapper"><a class="site-title" rel="author" href="/">{SITE_NAME}</a>
<nav class="site-nav">{nav}<a class="page-link" href="/about.html">关于</a></nav>
</div>
</header>
<main class="page-content" aria-label="Content">
<div class="wrapper">
{content}
</div>
</main>
<footer class="site-footer h-card">
<div class="wrapper">
<p>{SITE_NAME} · 汇集区内主要媒体新闻</p>
<p>友情链接：<a href="/news/index.html">{PORTAL_NAME}</a> | <a href="/wenlv/index.html">{FEED_SITE_NAME}</a> | <a href="/m/index.html">{APP_NAME}</a></p>
<p>Copyright © 2022 {SITE_NAME} 版权所有 | <a href="/about.html">关于本站</a> | <a href="/admin/login.html">管理登录</a></p>
<p class="disclaimer">{_DISCLAIMER}</p>
</div>
</footer>
</body>
</html>
"""


def _blocks_html(page_path: str, raw_blocks, style: str, image: str | None = None) -> str:
    """Body HTML of one page; ``raw_blocks`` may contain [[label|/path]] links."""
    out = []
    for n, (kind, text) in enumerate(raw_blocks):
        inner = _LINK_RE.sub(lambda m: f'<a href="{_link(page_path, m.group(2), style)}">{_esc(m.group(1))}</a>', _esc(text))
        if kind == "h":
            out.append({
                "jekyll": f"<h3>{inner}</h3>",
                "portal": f'<p style="text-align: center;"><strong>{inner}</strong></p>',
                "feed": f"<h2>{inner}</h2>",
                "json": f'<p class="sub-title"><b>{inner}</b></p>',
            }[style])
        else:
            out.append(f"<p>\u3000\u3000{inner}</p>" if style == "portal" else f"<p>{inner}</p>")
        if n == 0 and image:
            out.append(image)
    return "\n".join(out)


def _link(page_path: str, target: str, style: str) -> str:
    return _rel(page_path, target) if style == "portal" else quote(target)


def _render_jekyll(plan: _Plan, files: _Files) -> None:
    by_path = {a.path: a for a in plan.articles}
    media = {slug: medium for slug, medium, *_ in JEKYLL_MEDIA}
    for src in (s for s in plan.sources if s.structure == "jekyll"):
        medium = src.title
        # category pages
        for k, page in enumerate(src.listing_paths):
            chunk = src.listed[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]
            lis = "\n".join(
                f'<li><span class="post-meta">{by_path[p].listing_date}</span>\n'
                f'<h3><a class="post-link" href="{quote(p)}">{_esc(by_path[p].title)}</a></h3></li>'
                for p in chunk
            )
            nav = [f'<span class="page_number">第 {k + 1} 页 / 共 {len(src.listing_paths)} 页</span>']
            if k > 0:
                nav.insert(0, f'<a href="{src.listing_paths[k - 1]}" class="previous">上一页</a>')
            if k + 1 < len(src.listing_paths):
                nav.append(f'<a href="{src.listing_paths[k + 1]}" class="next">下一页</a>')
            content = (
                f'<div class="home">\n<h1 class="page-heading">{medium}</h1>\n<ul class="post-list">\n{lis}\n</ul>\n'
                f'<nav class="pagination">{" ".join(nav)}</nav>\n</div>'
            )
            files.add(page, _jekyll_layout(f"{medium} | {SITE_NAME}", content))
    # posts (the dual-listed post is rendered once, under its first category)
    posts = [a for a in plan.articles if a.structure == "jekyll"]
    for a in posts:
        slug = a.category
        medium = media[slug]
        same = [p for p in posts if p.category == slug]
        idx = same.index(a)
        newer = same[idx - 1] if idx > 0 else None
        older = same[idx + 1] if idx + 1 < len(same) else None
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/{slug}/{_h(a.path, 'img') % 100000:05d}.png"
            image = f'<p><img src="{img}" alt="{_attr(a.title)}"></p>'
        seo = {
            "@context": "https://schema.org", "@type": "BlogPosting", "headline": a.title,
            "datePublished": a.published, "url": plan.base_url + a.url_path,
            "publisher": {"@type": "Organization", "name": SITE_NAME},
        }
        head = (
            f'<meta property="og:title" content="{_attr(a.title)}">\n'
            f'<meta property="og:locale" content="zh_CN">\n'
            f'<meta property="og:site_name" content="{SITE_NAME}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="article:published_time" content="{a.published}">\n'
            f'<link rel="canonical" href="{plan.base_url}{a.url_path}">\n'
            f'<script type="application/ld+json">{json.dumps(seo, ensure_ascii=False, sort_keys=True)}</script>\n'
        )
        post_nav = []
        if newer:
            post_nav.append(f'<a class="newer" href="{newer.url_path}">下一篇：{_esc(newer.title)}</a>')
        if older:
            post_nav.append(f'<a class="older" href="{older.url_path}">上一篇：{_esc(older.title)}</a>')
        content = f"""<article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">
<header class="post-header">
<h1 class="post-title p-name" itemprop="name headline">{_esc(a.title)}</h1>
<p class="post-meta"><time class="dt-published" datetime="{a.published}" itemprop="datePublished">{dt:%Y-%m-%d %H:%M}</time> · <a href="/category/{slug}.html">{medium}</a></p>
</header>
<div class="post-content e-content" itemprop="articleBody">
{_blocks_html(a.path, a.blocks, "jekyll", image)}
<p class="em_media">（文章来源：{a.source}）</p>
</div>
<p class="original-url"><a href="{_attr(a.origin_url)}">{_esc(a.origin_url)}</a></p>
<p class="back-links"><a href="/category/{slug}.html">[返回{medium}]</a> <a href="/">[返回首页]</a></p>
<div class="post-nav">{" ".join(post_nav)}</div>
</article>"""
        files.add(a.path, _jekyll_layout(f"{a.title} | {SITE_NAME}", content, head), when=dt)
        if image:
            files.add(img, _png(img))
    # home, about, admin
    sections = []
    for src in (s for s in plan.sources if s.structure == "jekyll"):
        latest = "".join(
            f'<li><span class="post-meta">{by_path[p].listing_date}</span> <a href="{quote(p)}">{_esc(by_path[p].title)}</a></li>'
            for p in src.listed[:5]
        )
        sections.append(
            f'<section class="home-category"><h2><a href="{src.start_paths[0]}">{src.title}</a></h2>'
            f'<ul class="post-list">{latest}</ul><p><a href="{src.start_paths[0]}">更多{src.title}新闻 »</a></p></section>'
        )
    files.add("/index.html", _jekyll_layout(SITE_NAME, '<div class="home">\n' + "\n".join(sections) + "\n</div>"))
    files.add("/about.html", _jekyll_layout(f"关于 | {SITE_NAME}", (
        f'<article class="post"><h1 class="post-title">关于{SITE_NAME}</h1>'
        f"<p>{SITE_NAME}按媒体分类汇集区内新闻，每个分类页对应一家媒体，文章末尾注明来源并附原文链接。</p>"
        f"<p>{_DISCLAIMER}</p></article>"
    )))
    files.add("/admin/login.html", _jekyll_layout(f"管理登录 | {SITE_NAME}", (
        '<form class="login" method="post" action="/admin/login.html"><p>用户名：<input name="user"></p>'
        '<p>密码：<input type="password" name="password"></p><p><button>登录</button></p></form>'
    )))
    files.add("/assets/main.css", "body{font-family:sans-serif;margin:0}.wrapper{max-width:860px;margin:0 auto;padding:0 16px}"
              ".site-header{border-bottom:1px solid #ddd}.post-meta{color:#888;margin-right:8px}.em_media{color:#666}\n")


_PORTAL_CSS = "body{font:14px/1.8 SimSun,serif}.main{width:1000px;margin:0 auto}.left{float:left;width:700px}.right{float:right;width:280px}\n"
_PORTAL_JS = (
    "function trackView(id){ /* 统计代码 */ }\n"
    "function doZoom(size){ document.getElementById('zoom').style.fontSize = size + 'px'; }\n"
    "function createPageHTML(total, current, prefix, ext){ /* 分页由静态链接提供 */ }\n"
)


def _portal_layout(path: str, title: str, main: str, right: str = "", charset: str = "gb2312") -> str:
    r = lambda target: _rel(path, target)  # noqa: E731 - local shorthand
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />' if charset == "gb2312"
            else f'<meta charset="{charset}" />')
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{meta}
<title>{_esc(title)}</title>
<meta name="keywords" content="{PORTAL_NAME},宁夏新闻,本地资讯" />
<link href="{r('/news/css/style.css')}" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="{r('/news/js/common.js')}"></script>
</head>
<body>
<div class="top">
<div class="logo"><a href="{r('/news/index.html')}">{PORTAL_NAME}</a></div>
<ul class="nav"><li><a href="{r('/news/index.html')}">首页</a></li><li><a href="{r('/news/index.html')}">新闻中心</a></li><li><a href="{r('/news/index_1.html')}">本地资讯</a></li></ul>
</div>
<div class="main">
<div class="left">
{main}
</div>
<div class="right">
{right}
</div>
</div>
<div class="footer">
<p>主办：{PORTAL_NAME}　联系电话：0951-0000000　举报邮箱：demo@example.org</p>
<p>{PORTAL_NAME} 版权所有　未经书面授权禁止转载、摘编或建立镜像</p>
<p>{_DISCLAIMER}</p>
</div>
</body>
</html>
"""


def _render_portal(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "portal")
    arts = [a for a in plan.articles if a.structure == "portal"]
    by_path = {a.path: a for a in arts}
    total_pages = len(src.listing_paths)
    for k, page in enumerate(src.listing_paths):
        rows = []
        for p in src.listed[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]:
            a = by_path[p]
            shown = a.title if len(a.title) <= 20 else a.title[:19] + "…"
            date = f'<span class="date">{a.listing_date}</span>' if a.listing_date else ""
            rows.append(f'<li><a href="{_rel(page, p)}" target="_blank" title="{_attr(a.title)}">{_esc(shown)}</a>{date}</li>')
        pager = [f"共{len(src.listed)}条　第{k + 1}/{total_pages}页", f'<a href="{_rel(page, src.listing_paths[0])}">首页</a>']
        if k > 0:
            pager.append(f'<a href="{_rel(page, src.listing_paths[k - 1])}">上一页</a>')
        if k + 1 < total_pages:
            pager.append(f'<a href="{_rel(page, src.listing_paths[k + 1])}">下一页</a>')
        pager.append(f'<a href="{_rel(page, src.listing_paths[-1])}">尾页</a>')
        main = (
            f'<div class="position">您的位置：<a href="{_rel(page, "/news/index.html")}">首页</a> &gt; 新闻中心</div>\n'
            f'<div class="list-box"><div class="hd">新闻中心</div>\n<ul class="list-news">\n' + "\n".join(rows) + "\n</ul>\n"
            f'<div class="pagination">{"　".join(pager)}</div>\n'
            f'<script type="text/javascript">createPageHTML({total_pages}, {k}, "index", "html");</script>\n</div>'
        )
        files.add(page, _portal_layout(page, f"新闻中心_{PORTAL_NAME}", main, charset="gbk"), encoding="gbk")
    hot = arts[:6]
    for a in arts:
        extra = plan.extra[a.path]
        raw = corpus.MULTI_PAGE["blocks"] if a.path == plan.special["multi_page"][0] else a.blocks
        if raw is corpus.MULTI_PAGE["blocks"]:
            raw = tuple((k, t.format(zt=plan.special["no_date"])) for k, t in raw)
            split = [i for i, (k, _) in enumerate(raw) if k == "page"][0]
            parts = [raw[:split], raw[split + 1:]]
        else:
            parts = [a.blocks]
        related = [b for b in arts if b.path != a.path][_h(a.path, "rel") % 10:][:3]
        when = datetime.fromisoformat(a.published) if a.published else None
        for n, (page, blocks) in enumerate(zip(a.pages, parts)):
            info = []
            if when:
                info.append(f"<span>发布时间：{when:%Y年%m月%d日 %H:%M}</span>")
            info.append(f"<span>来源：{a.source}</span>")
            if a.author:
                info.append(f"<span>作者：{a.author}</span>")
            info.append('<span class="font">【字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</span>')
            image = None
            if _h(a.path, "image", n) % 2 == 0:
                img = f"/news/images/{extra['id'] // 100}/{extra['id']}_{n + 1}.png"
                image = (f'<p style="text-align: center;"><img data-src="{_rel(page, img)}" '
                         f'src="{_rel(page, "/news/images/blank.gif")}" alt="" class="lazy" /></p>')
                if img not in files:
                    files.add(img, _png(img))
            body = _blocks_html(page, blocks, "portal", image).split("\n")
            ad = (f'<div class="ad"><a href="{_rel(page, "/news/index.html")}" target="_blank">'
                  f'<img src="{_rel(page, "/news/images/ad/banner.gif")}" alt="" /></a><span>广告</span></div>')
            body.insert(min(2, len(body)), ad)
            body.insert(0, f'<script type="text/javascript">var _articleId = "{extra["id"]}"; trackView(_articleId);</script>')
            if n == len(a.pages) - 1:
                body.append(f'<p class="editor" style="text-align: right;">（责任编辑：{extra["editor"]}）</p>')
            pagebar = ""
            if len(a.pages) > 1:
                bits = []
                if n > 0:
                    bits.append(f'<a href="{_rel(page, a.pages[n - 1])}">上一页</a>')
                for m, p in enumerate(a.pages):
                    bits.append(f'<span class="cur">{m + 1}</span>' if m == n else f'<a href="{_rel(page, p)}">{m + 1}</a>')
                if n + 1 < len(a.pages):
                    bits.append(f'<a href="{_rel(page, a.pages[n + 1])}">下一页</a>')
                pagebar = f'<div class="pagebar">{" ".join(bits)}</div>\n'
            rel_items = "".join(f'<li><a href="{_rel(page, b.path)}" target="_blank">{_esc(b.title)}</a></li>' for b in related)
            main = f"""<div class="position">您的位置：<a href="{_rel(page, '/news/index.html')}">首页</a> &gt; <a href="{_rel(page, '/news/index.html')}">新闻中心</a> &gt; 正文</div>
<div class="article">
<h1 class="title">{_esc(a.title)}</h1>
<div class="info">{"　".join(info)}</div>
<div class="share">分享到：<a href="javascript:void(0)" class="wx">微信</a> <a href="javascript:void(0)" class="wb">微博</a> <a href="javascript:void(0)" class="qq">QQ空间</a></div>
<div class="content TRS_Editor" id="zoom">
{chr(10).join(body)}
</div>
{pagebar}<div class="related"><div class="hd">相关链接</div><ul>{rel_items}</ul></div>
</div>"""
            right = ('<div class="hot"><div class="hd">热点排行</div><ol>'
                     + "".join(f'<li><a href="{_rel(page, b.path)}">{_esc(b.title)}</a></li>' for b in hot)
                     + "</ol></div>")
            files.add(page, _portal_layout(page, f"{a.title}_{PORTAL_NAME}", main, right), encoding="gbk", when=when)
        if a.path == plan.special["wrong_charset_header"]:
            # a server that lies: claims UTF-8 for GBK bytes (the <meta> is right)
            files.add(a.path + ".headers", "# served by aggregator.server.StaticSiteServer\nContent-Type: text/html; charset=utf-8\n")
    files.add("/news/css/style.css", _PORTAL_CSS)
    files.add("/news/js/common.js", _PORTAL_JS)
    files.add("/news/images/blank.gif", _GIF_1PX)
    files.add("/news/images/ad/banner.gif", _GIF_1PX)


def _feed_layout(title: str, content: str, head_extra: str = "", body_class: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{_esc(title)}</title>
{head_extra}<link rel="alternate" type="application/rss+xml" title="{FEED_SITE_NAME}" href="/rss.xml">
<link rel="stylesheet" href="/wenlv/css/site.css">
</head>
<body class="{body_class}">
<div class="topbar"><a class="logo" href="/wenlv/index.html">{FEED_SITE_NAME}</a>
<nav><a href="/wenlv/index.html">首页</a> <a href="/wenlv/index.html">文旅资讯</a> <a href="/rss.xml">RSS订阅</a></nav></div>
<div class="container">
{content}
</div>
<footer class="footer"><p>© 2022 {FEED_SITE_NAME} 版权所有</p><p>{_DISCLAIMER}</p></footer>
</body>
</html>
"""


def _render_feed(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "feed")
    arts = [a for a in plan.articles if a.structure == "feed"]
    base = plan.base_url
    for i, a in enumerate(arts):
        section = plan.extra[a.path]["theme"]
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/wenlv/{_h(a.path, 'img') % 100000:05d}.png"
            image = f'<p class="pic"><img src="/images/placeholder.png" data-original="{img}" alt="{_attr(a.title)}"></p>'
            files.add(img, _png(img))
        related = [b for b in arts if b.path != a.path][i % 5:][:3]
        head = (
            f'<meta name="description" content="{_attr(_summary(a))}">\n'
            f'<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{_attr(a.title)}">\n'
            f'<meta property="og:site_name" content="{FEED_SITE_NAME}">\n'
            f'<meta property="og:url" content="{base}{a.url_path}">\n'
            f'<meta property="article:published_time" content="{a.published}">\n'
            f'<meta property="article:section" content="{section}">\n'
            f'<meta name="author" content="{_attr(a.author or "")}">\n'
            f'<link rel="canonical" href="{base}{a.url_path}">\n'
        )
        content = f"""<div class="crumbs"><a href="/wenlv/index.html">首页</a> / <span>{section}</span></div>
<div class="main-col">
<article>
<h1 class="headline">{_esc(a.title)}</h1>
<div class="byline"><span class="time">{dt:%Y/%m/%d %H:%M}</span> <span class="author">作者：{_esc(a.author or "")}</span> <span class="src">来源：{a.source}</span></div>
<div class="article-body">
{_blocks_html(a.path, a.blocks, "feed", image)}
</div>
<div class="share-bar">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> <a href="javascript:;">QQ空间</a></div>
<div class="tags">标签：<a href="/wenlv/index.html">{section}</a></div>
</article>
<section class="related"><h2>相关阅读</h2><ul>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in related)}</ul></section>
</div>
<aside class="side-col"><h3>热门排行</h3><ol>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in arts[:5])}</ol></aside>"""
        files.add(a.path, _feed_layout(f"{a.title} - {FEED_SITE_NAME}", content, head, "article-page"), when=dt)
    lis = "".join(f'<li><a href="{a.url_path}">{_esc(a.title)}</a> <span class="time">{a.published[:10]}</span></li>' for a in arts)
    files.add("/wenlv/index.html", _feed_layout(FEED_SITE_NAME, f'<div class="main-col"><h1>文旅资讯</h1><ul class="news">{lis}</ul></div>'))
    files.add("/wenlv/css/site.css", "body{margin:0;font-family:sans-serif}.container{display:flex;gap:24px}.main-col{flex:3}.side-col{flex:1}\n")
    files.add("/images/placeholder.png", _png("placeholder", 2, 2))
    # the feed itself: absolute links with tracking parameters, as CMS feeds have
    items = []
    for a in arts:
        link = f"{base}{a.url_path}?utm_source=rss&utm_medium=feed"
        items.append(f"""<item>
<title>{_esc(a.title)}</title>
<link>{_esc(link)}</link>
<guid isPermaLink="false">huanghe-{a.path.rsplit("/", 1)[1].split(".")[0]}</guid>
<pubDate>{format_datetime(datetime.fromisoformat(a.published))}</pubDate>
<dc:creator>{_esc(a.author or "")}</dc:creator>
<category>{plan.extra[a.path]["theme"]}</category>
<description>{_esc(_summary(a))}</description>
</item>""")
    newest = max(datetime.fromisoformat(a.published) for a in arts)
    rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{FEED_SITE_NAME}</title>
<link>{base}/wenlv/index.html</link>
<description>{FEED_SITE_NAME}：文化旅游资讯（演示站点，内容均为虚构）</description>
<language>zh-cn</language>
<lastBuildDate>{format_datetime(newest)}</lastBuildDate>
<atom:link href="{base}{src.start_paths[0]}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""
    files.add("/rss.xml", rss)


def _summary(a: DemoArticle, limit: int = 60) -> str:
    text = a.first_paragraph
    return text if len(text) <= limit else text[:limit] + "…"


def _render_json(plan: _Plan, files: _Files) -> None:
    src = next(s for s in plan.sources if s.structure == "json")
    arts = [a for a in plan.articles if a.structure == "json"]
    base = plan.base_url
    for i, a in enumerate(arts):
        art_id = plan.extra[a.path]["id"]
        dt = datetime.fromisoformat(a.published)
        image = None
        if _h(a.path, "image") % 3 == 0:
            img = f"/images/m/{art_id}.png"
            image = f'<p class="img"><img src="{img}" style="width:100%"></p>'
            files.add(img, _png(img))
        recommend = [b for b in arts if b.path != a.path][i % 7:][:3]
        state = {"id": str(art_id), "title": a.title, "publishTime": f"{dt:%Y-%m-%d %H:%M:%S}", "source": a.source}
        page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1,user-scalable=no">
<title>{_esc(a.title)}_{APP_NAME}</title>
<link rel="stylesheet" href="/m/css/app.css">
</head>
<body>
<div id="app">
<div class="m-header"><a class="back" href="/m/index.html">返回</a><span class="logo">{APP_NAME}</span></div>
<div class="detail-wrap">
<div class="d-title">{_esc(a.title)}</div>
<div class="d-info"><span class="d-src">来源：{a.source}</span> <span class="d-time">{dt:%Y-%m-%d %H:%M}</span></div>
<div class="d-content" id="detailContent">
{_blocks_html(a.path, a.blocks, "json", image)}
</div>
<div class="d-statement">声明：本文由{APP_NAME}原创，转载请注明出处。</div>
<div class="d-open"><a href="/m/index.html">打开凤城晚报APP，阅读更多精彩内容</a></div>
<div class="d-recommend"><div class="hd">为你推荐</div><ul>{"".join(f'<li><a href="{b.url_path}">{_esc(b.title)}</a></li>' for b in recommend)}</ul></div>
</div>
</div>
<script>window.__INITIAL_STATE__={json.dumps(state, ensure_ascii=False, sort_keys=True)};</script>
<script src="/m/js/app.js"></script>
</body>
</html>
"""
        files.add(a.path, page, when=dt)
    for k, path in enumerate(src.listing_paths):
        chunk = arts[k * PAGE_SIZE:(k + 1) * PAGE_SIZE]
        data = {
            "code": 0,
            "msg": "success",
            "data": {
                "page": k + 1,
                "page_size": PAGE_SIZE,
                "pages": len(src.listing_paths),
                "total": len(arts),
                "next": f"{base}{src.listing_paths[k + 1]}" if k + 1 < len(src.listing_paths) else None,
                "list": [
                    {
                        "id": str(plan.extra[a.path]["id"]),
                        "title": a.title,
                        "link": f"{base}{a.url_path}",
                        "time": f"{datetime.fromisoformat(a.published):%Y-%m-%d %H:%M:%S}",
                        "source": a.source,
                        "summary": _summary(a, 40),
                    }
                    for a in chunk
                ],
            },
        }
        files.add(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    files.add("/m/index.html", (
        f'<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>{APP_NAME}</title>'
        f'<link rel="stylesheet" href="/m/css/app.css"></head>\n<body><div id="app"><p>请下载{APP_NAME}客户端阅读全部新闻。</p>'
        f"<p>{_DISCLAIMER}</p></div></body></html>\n"
    ))
    files.add("/m/css/app.css", "body{margin:0;font-size:16px}.d-title{font-size:22px;font-weight:bold}.d-info{color:#999}\n")
    files.add("/m/js/app.js", "(function(){ /* 客户端唤起与统计 */ })();\n")


def _render(plan: _Plan) -> _Files:
    files = _Files()
    _render_jekyll(plan, files)
    _render_portal(plan, files)
    _render_feed(plan, files)
    _render_json(plan, files)
    files.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n")
    return files


# -- public API -------------------------------------------------------------------------------------


def _info(plan: _Plan, root: Path | None, files: tuple[str, ...]) -> SiteInfo:
    sp = plan.special
    return SiteInfo(
        root=root,
        base_url=plan.base_url,
        sources=tuple(plan.sources),
        articles=tuple(plan.articles),
        multi_page=sp["multi_page"],
        syndicated=(sp["syndicated_jekyll"], sp["syndicated_portal"]),
        dual_listed=sp["dual_listed"],
        no_date=sp["no_date"],
        url_date_only=sp["url_date_only"],
        wrong_charset_header=sp["wrong_charset_header"],
        non_ascii_path=sp["non_ascii_path"],
        files=files,
    )


def site_files(base_url: str = DEFAULT_BASE_URL) -> dict[str, bytes]:
    """Every file of the demo site, ``{url path: bytes}`` (pure; same bytes every call)."""
    return dict(_render(_plan(base_url)))


def site_info(base_url: str = DEFAULT_BASE_URL) -> SiteInfo:
    """The demo site's truth without writing anything (``root`` is None)."""
    plan = _plan(base_url)
    return _info(plan, None, tuple(sorted(_render(plan))))


def build_site(dest: str | os.PathLike, base_url: str = DEFAULT_BASE_URL) -> SiteInfo:
    """Write the demo site under ``dest`` and return what a correct crawl must find.

    ``base_url`` is the address the site will be served at (``StaticSiteServer.base_url``);
    it appears in the absolute links of the RSS feed, the JSON API and canonical links, so
    start the server on ``dest`` first, then build. Files are (re)written with fixed
    modification times (an article's publication time, else :data:`SITE_EPOCH`); files in
    ``dest`` that the site does not have are left alone.
    """
    root = Path(dest)
    plan = _plan(base_url)
    files = _render(plan)
    for path, data in files.items():
        target = root.joinpath(*path.lstrip("/").split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        os.utime(target, (files.mtimes[path], files.mtimes[path]))
    return _info(plan, root.resolve(), tuple(sorted(files)))


def sources_toml(base_url: str = DEFAULT_BASE_URL) -> str:
    """The demo sources file (TOML text) for a site served at ``base_url``."""
    base = base_url.rstrip("/")
    plan = _plan(base)
    notes = {
        "jekyll": "Jekyll aggregation site: one paginated category page per medium; posts end with （文章来源：X）.",
        "portal": "Provincial portal: GBK bytes declared gb2312; relative links, lazy images, a two-page article.",
        "feed": "Publishes RSS 2.0 at /rss.xml; the spider follows each item's link.",
        "json": "JSON list API; items carry link/title/time/source.",
    }
    out = [
        "# Sources of the bundled demo site (written by aggregator.demo.render_sources).",
        "# Every article on the demo site is invented. Generic discovery and extraction only:",
        "# no selectors, no article_url, no encoding hints.",
        "",
    ]
    for s in plan.sources:
        out.append("[[source]]")
        out.append(f"# {notes[s.structure]}")
        out.append(f'name = "{s.name}"')
        out.append(f'title = "{s.title}"')
        if s.type != "listing":
            out.append(f'type = "{s.type}"')
        out.append(f'category = "{s.category}"')
        urls = ", ".join(f'"{base}{p}"' for p in s.start_paths)
        out.append(f"start_urls = [{urls}]")
        if s.type == "listing":
            out.append(f"max_pages = {len(s.listing_paths)}")
        if s.type == "json":
            out.append('json_items = "data.list"')
            out.append("[source.json_fields]")
            out.append('url = "link"')
            out.append('title = "title"')
            out.append('published = "time"')
            out.append('source = "source"')
        out.append("")
    return "\n".join(out)


def render_sources(base_url: str, dest: str | os.PathLike) -> Path:
    """Write the demo sources TOML; ``dest`` is a ``.toml`` file or a folder (-> ``sources.toml``)."""
    dest = Path(dest)
    path = dest if dest.suffix == ".toml" else dest / "sources.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sources_toml(base_url), encoding="utf-8")
    return path
