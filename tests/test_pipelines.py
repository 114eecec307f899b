"""Each pipeline called directly with an Article (alltheplaces style)."""

import pytest
from scrapy.utils.test import get_crawler

from aggregator.items import Article, ArticleLink
from aggregator.normalize import normalize_article
from aggregator.pipelines import (DedupePipeline, Duplicate, MissingBody, MissingTitle, NormalizePipeline,
                                  ValidatePipeline)
from aggregator.sources import Source


def article(**kw):
    base = dict(url="http://news.example.cn/2022/0119/a.html?utm_source=wx#p", title=" 银川清雪_银川新闻网 ",
                published="2022-01-19 12:20:06", body_html="<p>第一段。</p><script>x()</script><p>第二段。</p>",
                category="银川新闻网", spider="yinchuan", source="  银川新闻网 ")
    base.update(kw)
    return Article(**base)


def crawler_with_spider(settings=None):
    from scrapy import Spider

    class S(Spider):
        name = "yinchuan"
        source = Source(name="yinchuan", title="银川新闻网", start_urls=("http://x/",))

    crawler = get_crawler(S, settings_dict=settings)
    crawler.spider = S()
    crawler.stats.open_spider()
    return crawler


def test_validate_drops_missing_title_and_body():
    v = ValidatePipeline()
    with pytest.raises(MissingTitle):
        v.process_item(article(title="  \u3000 "))
    with pytest.raises(MissingBody):
        v.process_item(article(body_html="", body_text=""))
    link = ArticleLink(url="http://x/a.html", category="c")
    assert v.process_item(link) is link
    assert v.process_item(article()).title


def test_normalize_article_fields():
    art, truncated = normalize_article(article(), site_names=("银川新闻网",))
    assert not truncated
    assert art.url == "http://news.example.cn/2022/0119/a.html"
    assert art.title == "银川清雪"
    assert art.published == "2022-01-19T04:20:06+00:00"
    assert art.category == "yinchuanxinwenwang" and art.categories == ["yinchuanxinwenwang"]
    assert "script" not in art.body_html
    assert art.body_text == "第一段。\n第二段。"
    assert art.source == "银川新闻网"
    assert len(art.content_hash) == 32
    again, _ = normalize_article(art, site_names=("银川新闻网",))
    assert (again.url, again.title, again.published, again.body_html, again.content_hash) == \
        (art.url, art.title, art.published, art.body_html, art.content_hash)


def test_normalize_pipeline_drops_body_that_was_only_scripts_and_counts_coverage():
    crawler = crawler_with_spider()
    p = NormalizePipeline.from_crawler(crawler)
    with pytest.raises(MissingBody):
        p.process_item(article(body_html="<script>a()</script><style>b{}</style>"))
    out = p.process_item(article(author="张三"))
    assert out.author == "张三"
    assert crawler.stats.get_value("aggregator/coverage/author") == 1
    assert crawler.stats.get_value("aggregator/coverage/published") == 1


def test_normalize_bounds_huge_body():
    crawler = crawler_with_spider({"AGGREGATOR_MAX_BODY_CHARS": 10_000})
    p = NormalizePipeline.from_crawler(crawler)
    out = p.process_item(article(body_html="<p>" + "很长的正文。" * 50_000 + "</p>"))
    assert len(out.body_html) <= 10_000
    assert crawler.stats.get_value("aggregator/body_truncated") == 1


def test_dedupe_by_url_key_within_run():
    d = DedupePipeline()
    d.process_item(article(url="https://news.example.cn/2022/0119/a.html"))
    with pytest.raises(Duplicate):
        d.process_item(article(url="http://news.example.cn/2022/0119/a.html?spm=2"))
    d.process_item(article(url="http://news.example.cn/2022/0119/b.html"))
