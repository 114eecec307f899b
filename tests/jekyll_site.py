"""An imitation of a Jekyll-built aggregation site, for end-to-end crawls (our own text).

The layout follows what Jekyll renders with the default "minima"-style post layout:
``/category/<slug>.html`` pages listing post links (``<ul><li><a href="/SLUG/YYYY/MM/DD/NAME.html">``),
and post pages ``/<slug>/YYYY/MM/DD/<name>.html`` with a site header, a post header (``h1``
and the date as the site writes it: no offset, the site's own zone), the post body, a
closing line that is only the original article's URL rendered as a link (``<http://…>``
in the post's Markdown), and 返回 links back to the category page and the home page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

SITE_NAME = "新闻汇编"

#: (slug, display name, original site host) per category.
CATEGORIES = [
    ("yinchuanxinwenwang", "银川新闻网", "www.example-yinchuan.cn"),
    ("ningxiaribao", "宁夏日报", "www.example-nxrb.cn"),
    ("akesudiqurongmeitizhongxin", "阿克苏地区融媒体中心", "www.example-aksu.cn"),
]

_TEXTS = [
    ("银川推进老旧小区加装电梯", "今年计划为一百二十个单元加装电梯，居民出资比例按楼层分担。",
     "街道工作人员逐户上门征求意见，方案公示期为十个工作日。"),
    ("固原冷凉蔬菜首批外销", "首批西芹和娃娃菜发往广州和深圳，采摘后四小时内进入冷库。",
     "合作社负责人说，订单价格比去年同期略高。"),
    ("黄河宁夏段开展春季巡河", "巡河人员重点检查堤防、涵闸和沿岸排污口，发现问题当场登记。",
     "各县区将在月底前完成问题整改。"),
    ("贺兰山东麓酒庄迎来开放日", "二十多家酒庄同时开放参观，游客可以在酒窖里品鉴当年的新酒。",
     "主办方介绍，开放日期间还安排了葡萄种植讲座。"),
]


@dataclass(frozen=True)
class Post:
    """One post of the imitation site and what a crawl must store for it."""

    category: str
    path: str          # /<slug>/YYYY/MM/DD/<name>.html
    title: str
    local_time: str    # as the page prints it: YYYY-MM-DD HH:MM:SS, site zone (+08:00)
    utc: str           # the same instant in UTC, ISO 8601
    origin_url: str
    first_paragraph: str


def _page(title: str, content: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {SITE_NAME}</title>
<link rel="stylesheet" href="/assets/main.css">
</head>
<body>
<header class="site-header" role="banner">
  <div class="wrapper">
    <a class="site-title" rel="author" href="/">{SITE_NAME}</a>
    <nav class="site-nav"><a class="page-link" href="/about/">关于</a></nav>
  </div>
</header>
<main class="page-content" aria-label="Content">
  <div class="wrapper">
{content}
  </div>
</main>
<footer class="site-footer h-card">
  <div class="wrapper"><p>{SITE_NAME} 汇集各地媒体公开发布的新闻，版权归原作者所有。</p></div>
</footer>
</body>
</html>
"""


def _minimal_theme_page(title: str, content: str) -> str:
    # the other common shape: a theme whose header carries the *site* name as an h1, the
    # post's date in a <small> line above the post's own h1, and a tags line after the body
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<title>{escape(title)} | {SITE_NAME}</title>
<meta property="og:title" content="{escape(title)}">
</head>
<body>
<div class="wrapper">
  <header>
    <h1><a href="/">{SITE_NAME}</a></h1>
    <p>各地媒体新闻汇编</p>
  </header>
  <section>
{content}
  </section>
  <footer><p>&copy; 2022</p></footer>
</div>
</body>
</html>
"""


def write_site(dest: Path, posts_per_category: int = 5, layout: str = "minima") -> list[Post]:
    """Write the site under ``dest`` in ``layout`` (``minima`` or ``minimal``); returns every post."""
    page = _page if layout == "minima" else _minimal_theme_page
    posts: list[Post] = []
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    for ci, (slug, name, host) in enumerate(CATEGORIES):
        links = []
        for k in range(posts_per_category):
            n = ci * posts_per_category + k
            title, first, second = _TEXTS[n % len(_TEXTS)]
            title = f"{title}（{name}第{k + 1}条）"
            day, hour = 1 + n % 27, (n * 5) % 24
            local = f"2022-02-{day:02d} {hour:02d}:30:00"
            utc_day, utc_hour = (day, hour - 8) if hour >= 8 else (day - 1, hour + 16)
            utc = f"2022-02-{utc_day:02d}T{utc_hour:02d}:30:00+00:00" if utc_day >= 1 else f"2022-01-31T{utc_hour:02d}:30:00+00:00"
            pname = f"2022020{ci}{k:04d}"
            path = f"/{slug}/2022/02/{day:02d}/{pname}.html"
            origin = f"http://{host}/news/2022-02/{day:02d}/content_{70000 + n}.htm"
            paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in (first, second) if p)
            if layout != "minima":
                content = f"""<small>(GMT+8) {local}</small>
<h1>{escape(title)}</h1>
{paragraphs}<p><a href="{origin}">{origin}</a></p>
<p><a href="../../../../category/{slug}.html">返回{escape(name)}新闻</a>｜<a href="../../../../">返回首页</a></p>
<small>tags: <em>{escape(name)}</em></small>"""
            else:
                content = f"""<article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">
  <header class="post-header">
    <h1 class="post-title p-name" itemprop="name headline">{escape(title)}</h1>
    <p class="post-meta"><time class="dt-published" itemprop="datePublished">{local}</time></p>
  </header>
  <div class="post-content e-content" itemprop="articleBody">
{paragraphs}<p><a href="{origin}">{origin}</a></p>
<p><a href="../../../../category/{slug}.html">返回{escape(name)}新闻</a>
<a href="../../../../">返回首页</a></p>
  </div>
</article>"""
            target = dest / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page(title, content), "utf-8")
            posts.append(Post(slug, path, title, local, utc, origin, first))
            links.append(f'    <li><a href="{path}">{escape(title)}</a></li>')
        cat_page = dest / "category" / f"{slug}.html"
        cat_page.parent.mkdir(parents=True, exist_ok=True)
        cat_page.write_text(page(f"{name}新闻", "<ul>\n" + "\n".join(links) + "\n</ul>"), "utf-8")
    index = "\n".join(f'<li><a href="/category/{s}.html">{escape(n)}</a></li>' for s, n, _ in CATEGORIES)
    (dest / "index.html").write_text(page("首页", f"<ul>\n{index}\n</ul>"), "utf-8")
    return posts
