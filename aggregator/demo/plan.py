"""The demo site's plan: which article goes where, composed from the corpus (deterministic)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aggregator.demo import corpus
from aggregator.demo.model import (APP_NAME, APP_ORIGINS, BJT, DemoArticle, DemoSource, FEED_ORIGINS, FEED_SITE_NAME,
                                   JEKYLL_MEDIA, PAGE_SIZE, PORTAL_NAME, PORTAL_ORIGINS, _DUAL_LISTED_INDEX,
                                   _NON_ASCII_INDEX, _NO_DATE_INDEX, _URL_DATE_INDEX, _WRONG_CHARSET_INDEX, _h,
                                   _order, _pick, _plain, _when, _ymd)


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
