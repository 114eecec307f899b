"""Pure normalisation functions, table-driven."""

import pytest

from aggregator import normalize as N


@pytest.mark.parametrize("raw, site, expected", [
    ("  银川市举办  冬季  运动会_银川新闻网 ", (), "银川市举办 冬季 运动会"),
    ("黄河流域生态保护推进会召开 - 新华网", (), "黄河流域生态保护推进会召开"),
    ("黄河流域生态保护推进会召开｜宁夏日报", (), "黄河流域生态保护推进会召开"),
    ("今日头条\u3000新闻", (), "今日头条 新闻"),
    ("标题\x00含\x07控制符", (), "标题含控制符"),
    ("A-B testing in newsrooms", (), "A-B testing in newsrooms"),
    ("Wild beat Sabres 4-1", (), "Wild beat Sabres 4-1"),
    ("扎根基层办实事——访社区书记李某", (), "扎根基层办实事——访社区书记李某"),
    ("冬季运动会开幕 - 测试新闻网", (), "冬季运动会开幕"),
    ("冬季运动会开幕_本地资讯", ("本地资讯",), "冬季运动会开幕"),
])
def test_clean_title(raw, site, expected):
    assert N.clean_title(raw, site) == expected


def test_clean_title_bounds_length():
    assert len(N.clean_title("长" * 100_000)) <= N.MAX_TITLE_CHARS


@pytest.mark.parametrize("url, expected", [
    ("HTTP://Example.COM:80/a/b.html?utm_source=x&id=3#frag", "http://example.com/a/b.html?id=3"),
    ("https://x.cn/a.html?spm=1.2&from=timeline", "https://x.cn/a.html"),
    ("https://x.cn/a.jsp;jsessionid=ABC?id=1", "https://x.cn/a.jsp?id=1"),
    ("https://x.cn", "https://x.cn/"),
])
def test_canonical_url(url, expected):
    assert N.canonical_url(url) == expected


def test_url_key_merges_variants():
    variants = ["http://www.x.cn/news/", "https://x.cn/news/index.html", "https://x.cn/news",
                "https://x.cn/news/?utm_medium=rss", "https://x.cn/news/#top"]
    assert len({N.url_key(v) for v in variants}) == 1
    assert N.url_key("https://x.cn/news/a.html") != N.url_key("https://x.cn/news/b.html")


@pytest.mark.parametrize("value, expected", [
    ("2022-01-19T12:20:06+08:00", "2022-01-19T04:20:06+00:00"),
    ("2022-01-19 12:20:06", "2022-01-19T04:20:06+00:00"),
    ("2022-01-19T04:20:06Z", "2022-01-19T04:20:06+00:00"),
    ("garbage", None),
    (None, None),
])
def test_to_utc_iso(value, expected):
    assert N.to_utc_iso(value, "Asia/Shanghai") == expected


def test_sanitize_removes_active_content_and_resolves_urls():
    html = ('<p onclick="x()">正文<script>alert(1)</script><style>p{}</style></p>'
            '<img data-src="/img/a.jpg" src="data:image/gif;base64,R0lG" onerror="y()">'
            '<a href="javascript:alert(1)">坏链接</a><a href="../b.html">相关</a>'
            '<iframe src="http://evil/"></iframe><div class="x" style="color:red">段落</div>')
    out = N.sanitize_html(html, base_url="http://site.cn/news/2022/a.html")
    for bad in ("script", "alert", "onclick", "onerror", "iframe", "style", "javascript:", "data:"):
        assert bad not in out
    assert 'src="http://site.cn/img/a.jpg"' in out
    assert 'referrerpolicy="no-referrer"' in out
    assert 'href="http://site.cn/news/b.html"' in out
    assert "正文" in out and "段落" in out


def test_html_to_text_one_line_per_block():
    html = "<p>第一段  内容</p><p><strong>小标题</strong></p><ul><li>甲</li><li>乙</li></ul><p>末段<br>换行</p>"
    assert N.html_to_text(html) == "第一段 内容\n小标题\n甲\n乙\n末段\n换行"


def test_content_hash_ignores_whitespace_only():
    assert N.content_hash("标题", "正文 一") == N.content_hash("标题 ", "正文一\n")
    assert N.content_hash("标题", "正文一") != N.content_hash("标题", "正文二")


@pytest.mark.parametrize("text, expected", [
    ("银川新闻网", "yinchuanxinwenwang"),
    ("yinchuan", "yinchuan"),
    ("Ningxia News", "ningxia-news"),
    ("../../etc/passwd", "etc-passwd"),
])
def test_slugify(text, expected):
    assert N.slugify(text) == expected


def test_slugify_is_always_a_safe_distinct_filename():
    a, b = N.slugify("Новости"), N.slugify("أخبار")
    assert a != b and a.startswith("x-") and b.startswith("x-")
    long1, long2 = N.slugify("新闻" * 100 + "甲"), N.slugify("新闻" * 100 + "乙")
    assert long1 != long2 and len(long1) <= N.MAX_SLUG
    for s in (a, b, long1, N.slugify("a/b c..d")):
        assert "/" not in s and ".." not in s and " " not in s


def test_xml_safe_drops_controls_and_lone_surrogates():
    assert N.xml_safe("a\x00b\x1fc\ud800d\ufffe") == "abcd"
