"""origin: the block walk over the extractor's arrays, with subtrees that cannot name the
original skipped, finds what the plain tree walk finds."""

import pytest
from lxml import html

from aggregator.extract.article import _Doc
from aggregator.extract.origin import _blocks, _blocks_from_doc, _may_name_origin, find_origin_url

PAGE = "http://news.example.org/2024/05/01/story.html"
FILLER = "<div class='story'><p>The council met on Tuesday and agreed the plan.</p>" \
         "<p>Work starts next spring, the mayor said.</p></div>"
CASES = [
    (FILLER + "<p>原文链接：<a href='http://a.example.com/2024/x.html'>点此</a></p>", "http://a.example.com/2024/x.html"),
    (FILLER + "<div><p>&lt;http://b.example.com/post/1&gt;</p></div>", "http://b.example.com/post/1"),
    (FILLER + "<p>来源：<a href='http://c.example.com/a/2024/1.html'>某报</a></p>", "http://c.example.com/a/2024/1.html"),
    (FILLER + "<div>first line<br>阅读原文 <span><a href='http://d.example.com/n/2'>x</a></span><br>end</div>",
     "http://d.example.com/n/2"),
    (FILLER + "<p>Source: <a href='http://e.example.com/world/9'>Wire</a></p>"
     "<div><p>More from us: <a href='http://e.example.com/'>home</a></p></div>", "http://e.example.com/world/9"),
    (FILLER + "<p>原文 <script>var u = 1;</script><a href='http://g.example.com/q/3'>link</a></p>",
     "http://g.example.com/q/3"),
    (FILLER + "<p><button>原文链接</button><a href='http://h.example.com/r/4'>x</a></p>", "http://h.example.com/r/4"),
    (FILLER, None),
    (FILLER + "<script>var s = 'http://i.example.com/s/5';</script>", None),
]


@pytest.mark.parametrize("body,expected", CASES)
def test_array_walk_with_skips_matches_the_tree_walk(body, expected):
    root = html.fromstring(f"<html><head><title>t</title></head><body>{body}</body></html>")
    doc = _Doc(root)
    assert find_origin_url(root, PAGE, doc) == expected
    assert find_origin_url(root, PAGE) == expected
    hot = _may_name_origin(doc)
    if hot is not None:
        def names(t):
            return "http" in t.lower() or "原文" in t or "来源" in t or "source" in t.lower()

        full = [t for _e, t in _blocks_from_doc(doc)]
        kept = [t for _e, t in _blocks_from_doc(doc, hot)]
        # the blocks skipped are blocks whose text names nothing
        assert [t for t in full if names(t)] == [t for t in kept if names(t)]
        assert len(kept) <= len(full) == len(_blocks(root))
