"""Jekyll posts → fields (pure parser)."""

from pathlib import Path

from aggregator.extract.jekyll import parse_post
from aggregator.normalize import to_utc_iso

POSTS = Path(__file__).parent / "fixtures" / "jekyll" / "_posts"


def load(name, **kw):
    return parse_post((POSTS / name).read_text(encoding="utf-8"), name, **kw)


def test_html_post_fields():
    f = load("2022-01-19-yinchuan-snow-clearing.md", site="https://finews.example.com")
    assert f["title"] == "银川连夜清雪保障市民出行：环卫工人坚守一线"
    assert to_utc_iso(f["published"]) == "2022-01-19T04:20:06+00:00"
    assert f["category"] == "yinchuanxinwenwang"
    assert f["category_name"] == "银川新闻网"
    assert f["source"] == "银川新闻网"
    assert f["origin_url"] == "http://www.example-yinchuan.cn/news/2022-01/19/content_100001.htm"
    assert f["url"] == "https://finews.example.com/yinchuanxinwenwang/2022/01/19/yinchuan-snow-clearing.html"
    lines = f["body_text"].split("\n")
    assert lines[0].startswith("1月18日夜间") and lines[1] == "机械作业与人工清扫结合"
    assert lines[-1].startswith("截至19日清晨")
    for gone in ("文章来源", "返回", "http://www.example-yinchuan.cn", "em_media"):
        assert gone not in f["body_text"] and gone not in f["body_html"]


def test_markdown_post_and_default_file_url():
    f = load("2022-02-03-markdown-post.md", file_url="file:///x/2022-02-03-markdown-post.md")
    assert f["title"] == 'He said: "春节" #1 > 数据'
    assert f["category"] == "ningxiaribao" and f["source"] == "宁夏日报"
    assert f["url"] == "file:///x/2022-02-03-markdown-post.md"
    assert "<h2>冰雪项目受欢迎</h2>" in f["body_html"]
    assert f["body_text"].split("\n") == [
        "春节假期，宁夏各大景区共接待游客数量同比增长，冰雪旅游成为新亮点。",
        "冰雪项目受欢迎",
        "沙湖、镇北堡等景区推出的冰上项目吸引了大批家庭游客。",
    ]


def test_no_front_matter_is_none():
    assert parse_post("just text", "x.md") is None
    assert parse_post("---\n: [unclosed\n---\nbody", "x.md") is None


def test_dates_without_offset_are_in_the_site_timezone(tmp_path):
    from aggregator.extract.jekyll import parse_post

    post = "---\nlayout: post\ntitle: 测试\ndate: 2021-12-08 13:16:19\ncategories: emnews\n---\n\n正文。\n"
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2021-12-08-1.md").write_text(post, "utf-8")
    url = (posts / "2021-12-08-1.md").as_uri()
    # no _config.yml: the source's zone
    assert parse_post(post, "2021-12-08-1.md", tz="Asia/Shanghai", file_url=url)["published"] == "2021-12-08T13:16:19+08:00"
    # the site's own zone wins (Jekyll reads the date in it), whatever the source default
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: x\ntimezone: Asia/Urumqi\n", "utf-8")
    url = (site / "_posts" / "2021-12-08-1.md").as_uri()
    assert parse_post(post, "2021-12-08-1.md", tz="Asia/Shanghai", file_url=url)["published"] == "2021-12-08T13:16:19+06:00"
    # an explicit offset is kept as written
    with_offset = post.replace("13:16:19", "13:16:19 +0000")
    assert parse_post(with_offset, "2021-12-08-1.md", tz="Asia/Shanghai", file_url=url)["published"] == "2021-12-08T13:16:19+00:00"
