"""Sources TOML: parsing, up-front validation with file/source/field, naming rules."""

import re
from pathlib import Path

import pytest

from aggregator.errors import SourcesError
from aggregator.sources import DEFAULT_SOURCES, load_feeds, load_sources, select_sources

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text, name="sources.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


MINIMAL = '''
[[source]]
name = "yinchuan"
title = "银川新闻网"
start_urls = ["https://example.org/category/yinchuanxinwenwang.html"]
'''


def test_minimal_source_gets_defaults_and_pinyin_category(tmp_path):
    (src,) = load_sources(write(tmp_path, MINIMAL))
    assert src.type == "listing"
    assert src.category == "yinchuanxinwenwang"
    assert src.category_name == "银川新闻网"
    assert src.timezone == "Asia/Shanghai"
    assert src.max_pages == 3
    assert src.start_urls == ("https://example.org/category/yinchuanxinwenwang.html",)


def test_full_source_with_hints_and_settings(tmp_path):
    p = write(tmp_path, MINIMAL + '''
article_url = '/\\d{4}/\\d{2}/\\d{2}/'
next_page = "a.next"
max_pages = 5
encoding = "gbk"
timezone = "Asia/Urumqi"
category = "宁夏"
[source.selectors]
title = "h1.title"
published = "//span[@class='time']/text()"
[source.settings]
CONCURRENT_REQUESTS_PER_DOMAIN = 4
''')
    (src,) = load_sources(p)
    assert src.category == "ningxia" and src.category_name == "宁夏"
    assert src.selectors["title"] == "h1.title"
    assert src.settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 4
    assert src.tz.key == "Asia/Urumqi"



def test_source_data_round_trips_through_json(tmp_path):
    """to_data gives plain JSON data (what Redis and sources.config keep); from_data rebuilds it."""
    import json

    (src,) = load_sources(write(tmp_path, MINIMAL + '[source.selectors]\ntitle = "h1"\n[source.settings]\nDOWNLOAD_DELAY = 1.5\n'))
    data = json.loads(json.dumps(src.to_data()))
    assert data["start_urls"] == list(src.start_urls) and data["selectors"] == {"title": "h1"}
    back = type(src).from_data({**data, "no_such_field": 1})
    assert back == src and back.settings["DOWNLOAD_DELAY"] == 1.5
    with pytest.raises(TypeError):
        back.selectors["title"] = "h2"      # mappings come back read-only, as loaded

@pytest.mark.parametrize("body, field, words", [
    ('[[source]]\nname = "a"\ntitle = "A"\ntype = "ftp"\nstart_urls = ["http://x/"]', "type", "unknown type"),
    ('[[source]]\nname = "a"\ntitle = "A"', "start_urls", "required"),
    ('[[source]]\nname = "a"\ntitle = "A"\ntype = "jekyll"', "path", "required"),
    ('[[source]]\nname = "a"\ntitle = "A"\ntype = "jekyll"\npath = "nope"', "path", "does not exist"),
    ('[[source]]\nname = "Bad-Name"\ntitle = "A"\nstart_urls = ["http://x/"]', "name", "slug"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\nbogus = 1', "bogus", "unknown key"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\narticle_url = "("', "article_url", "invalid regular expression"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\n[source.selectors]\ntitle = "h1[["', "selectors.title", "invalid selector"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\nencoding = "klingon"', "encoding", "unknown encoding"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\ntimezone = "Mars/Base"', "timezone", "unknown time zone"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["ftp://x/"]', "start_urls", "absolute"),
    ('[[source]]\nname = "a"\ntitle = "A"\nstart_urls = ["http://x/"]\nmax_pages = 0', "max_pages", "positive"),
])
def test_invalid_source_names_file_source_and_field(tmp_path, body, field, words):
    p = write(tmp_path, body)
    with pytest.raises(SourcesError) as exc:
        load_sources(p)
    msg = str(exc.value)
    assert str(p) in msg and f"'{field}'" in msg and words in msg
    assert "\n" not in msg


def test_duplicate_names_fail(tmp_path):
    p = write(tmp_path, MINIMAL + MINIMAL)
    with pytest.raises(SourcesError, match=r"source 'yinchuan'.*'name'.*duplicate"):
        load_sources(p)


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="invalid TOML"):
        load_sources(write(tmp_path, "[[source]\nname="))
    with pytest.raises(SourcesError, match="not found"):
        load_sources(tmp_path / "missing.toml")


def test_feed_definitions(tmp_path):
    p = write(tmp_path, MINIMAL + '''
[[feed]]
name = "xiangcun"
title = "乡村振兴"
query = "乡村振兴"
exclude = ["广告"]
''')
    (fd,) = load_feeds(p)
    assert fd.query == "乡村振兴" and fd.exclude == ("广告",)
    bad = write(tmp_path, MINIMAL + '[[feed]]\nname = "x"\n', "bad.toml")
    with pytest.raises(SourcesError, match="needs a query"):
        load_sources(bad)


def test_select_sources_unknown_name(tmp_path):
    srcs = load_sources(write(tmp_path, MINIMAL))
    assert select_sources(srcs, []) == srcs
    with pytest.raises(SourcesError, match="no source named 'nope'"):
        select_sources(srcs, ["nope"])


def test_shipped_sources_follow_naming_rules():
    """Names are slugs; a code file spiders/<name>.py holds <PascalName>Spider (alltheplaces-style)."""
    srcs = load_sources(DEFAULT_SOURCES)
    assert srcs, "the shipped sources file defines sources"
    names = [s.name for s in srcs]
    assert len(names) == len(set(names))
    for s in srcs:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", s.name)
    for f in (ROOT / "spiders").glob("*.py"):
        if f.stem in ("__init__", "generic"):
            continue
        assert f.stem in names, f"{f.name} does not belong to a source"
        pascal = "".join(p.capitalize() for p in f.stem.split("_")) + "Spider"
        assert f"class {pascal}(" in f.read_text(encoding="utf-8")
