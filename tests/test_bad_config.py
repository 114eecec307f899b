"""Bad configuration: every invalid sources file fails fast, with one clear line.

Each case is a sources file with one mistake, next to a valid source pointing at a live
local server. ``aggregator run`` (the cron entry) must exit 1 with exactly one line on
stderr naming the file, the source and the field, and the server must see no request at
all: nothing is crawled until the whole file is valid. All cases run concurrently (one
subprocess each) to keep the suite fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.server import StaticSiteServer

pytestmark = pytest.mark.e2e

GOOD = '[[source]]\nname = "good"\ntitle = "正常新闻网"\nstart_urls = ["{url}"]\n'

#: case id -> (sources text after the good source, what the one stderr line must contain)
CASES: dict[str, tuple[str, list[str]]] = {
    "bad toml": ('[[source]]\nname = "broken"\ntitle = "缺引号的新闻网\nstart_urls = ["{url}"]\n',
                 ["invalid TOML", "line"]),
    "unknown key": ('[[source]]\nname = "typo"\ntitle = "拼写错误网"\nstart_urls = ["{url}"]\nmax_page = 3\n',
                    ["source 'typo'", "'max_page'", "unknown key"]),
    "unknown selector field": ('[[source]]\nname = "typo"\ntitle = "拼写错误网"\nstart_urls = ["{url}"]\n'
                               '[source.selectors]\nheadline = "h1"\n', ["source 'typo'", "'selectors.headline'"]),
    "bad regex": ('[[source]]\nname = "rx"\ntitle = "正则错误网"\nstart_urls = ["{url}"]\narticle_url = \'/news/(\\d+\\.html\'\n',
                  ["source 'rx'", "'article_url'", "regular expression"]),
    "bad css selector": ('[[source]]\nname = "css"\ntitle = "选择器错误网"\nstart_urls = ["{url}"]\n'
                         '[source.selectors]\ntitle = "h1[class=="\n', ["source 'css'", "'selectors.title'", "selector"]),
    "bad xpath selector": ('[[source]]\nname = "xp"\ntitle = "路径错误网"\nstart_urls = ["{url}"]\n'
                           '[source.selectors]\nbody = "//div[@class=\'content\'"\n', ["source 'xp'", "'selectors.body'"]),
    "bad next_page selector": ('[[source]]\nname = "np"\ntitle = "翻页错误网"\nstart_urls = ["{url}"]\nnext_page = "a:::next"\n',
                               ["source 'np'", "'next_page'"]),
    "duplicate names": ('[[source]]\nname = "good"\ntitle = "重名新闻网"\nstart_urls = ["{url}"]\n',
                        ["source 'good'", "'name'", "duplicate"]),
    "unreachable jekyll path": ('[[source]]\nname = "blog"\ntitle = "博客"\ntype = "jekyll"\npath = "no/such/folder"\n',
                                ["source 'blog'", "'path'", "does not exist"]),
    "unknown type": ('[[source]]\nname = "kind"\ntitle = "类型错误网"\ntype = "rss"\nstart_urls = ["{url}"]\n',
                     ["source 'kind'", "'type'", "rss"]),
    "missing start_urls": ('[[source]]\nname = "nourl"\ntitle = "无地址网"\n', ["source 'nourl'", "'start_urls'"]),
    "relative start url": ('[[source]]\nname = "rel"\ntitle = "相对地址网"\nstart_urls = ["/news/index.html"]\n',
                           ["source 'rel'", "'start_urls'"]),
    "bad name": ('[[source]]\nname = "Bad Name"\ntitle = "大写名称网"\nstart_urls = ["{url}"]\n', ["source #2", "'name'"]),
    "zero max_pages": ('[[source]]\nname = "mp"\ntitle = "页数错误网"\nstart_urls = ["{url}"]\nmax_pages = 0\n',
                       ["source 'mp'", "'max_pages'"]),
    "string max_pages": ('[[source]]\nname = "mp"\ntitle = "页数错误网"\nstart_urls = ["{url}"]\nmax_pages = "3"\n',
                         ["source 'mp'", "'max_pages'"]),
    "bad timezone": ('[[source]]\nname = "tz"\ntitle = "时区错误网"\nstart_urls = ["{url}"]\ntimezone = "Asia/Beijing"\n',
                     ["source 'tz'", "'timezone'"]),
    "bad encoding": ('[[source]]\nname = "enc"\ntitle = "编码错误网"\nstart_urls = ["{url}"]\nencoding = "gb9999"\n',
                     ["source 'enc'", "'encoding'"]),
    "lower-case setting": ('[[source]]\nname = "st"\ntitle = "设置错误网"\nstart_urls = ["{url}"]\n'
                           '[source.settings]\ndownload_delay = 1\n', ["source 'st'", "'settings.download_delay'"]),
    "empty title": ('[[source]]\nname = "nt"\ntitle = "  "\nstart_urls = ["{url}"]\n', ["source 'nt'", "'title'"]),
    "unknown top-level key": ('[[sources]]\nname = "x"\n', ["'sources'"]),
    "bad custom feed": ('[[feed]]\nname = "f"\ntitle = "自定义"\nkeywords = ["银川"]\n', ["feed 'f'", "'keywords'"]),
    # Scrapy reads settings only when the crawler starts (then fails with a traceback)
    "non-numeric setting value": ('[[source]]\nname = "sv"\ntitle = "设置值错误网"\nstart_urls = ["{url}"]\n'
                                  '[source.settings]\nDOWNLOAD_TIMEOUT = "soon"\n', ["source 'sv'", "'settings.DOWNLOAD_TIMEOUT'"]),
}


def _env():
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run ``aggregator run`` on every bad file at once; {case: (proc, file, server log)}."""
    tmp = tmp_path_factory.mktemp("badconfig")
    site = tmp / "site"
    (site / "news").mkdir(parents=True)
    (site / "news" / "index.html").write_text("<html><body><a href='/a.html'>新闻</a></body></html>", encoding="utf-8")
    out = {}
    with StaticSiteServer(site) as srv:
        url = srv.url("/news/index.html")
        procs = {}
        for case, (text, _) in CASES.items():
            d = tmp / case.replace(" ", "_")
            d.mkdir()
            f = d / "sources.toml"
            f.write_text(GOOD.format(url=url) + "\n" + text.replace("{url}", url), encoding="utf-8")
            procs[case] = (subprocess.Popen(
                [sys.executable, "-m", "aggregator", "run", "--sources", str(f), "--db", str(d / "a.db"),
                 "--out", str(d / "feeds"), "--quiet"], cwd=d, env=_env(), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True), f)
        for case, (proc, f) in procs.items():
            stdout, stderr = proc.communicate(timeout=120)
            out[case] = (proc.returncode, stderr, f)
        log = srv.requests
    return out, log


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_sources_file_fails_with_one_line_naming_file_source_and_field(results, case):
    out, _ = results
    code, stderr, path = out[case]
    assert code == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("aggregator: ") and str(path) in line, line
    for needle in CASES[case][1]:
        assert needle in line, f"{needle!r} missing from: {line}"
    assert not (Path(path).parent / "a.db").exists(), "the archive was created before validation"


def test_no_request_is_made_before_the_file_is_valid(results, capsys):
    out, log = results
    assert log == [], f"requests were made: {log}"
    with capsys.disabled():
        print(f"\n[figures] bad configuration: {len(CASES)} invalid sources files, each one line, "
              f"{len(log)} requests made")


def test_missing_sources_file_and_folder_instead_of_file(tmp_path):
    """A missing file is one line (exit 1); a folder is a usage error (click's exit 2, its
    last line names the path)."""
    for target, code in ((tmp_path / "nope.toml", 1), (tmp_path, 2)):
        proc = subprocess.run([sys.executable, "-m", "aggregator", "run", "--sources", str(target), "--db",
                               str(tmp_path / "a.db"), "--quiet"], cwd=tmp_path, env=_env(), capture_output=True,
                              text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == code and "Traceback" not in proc.stderr, proc.stderr
        assert len(lines) == 1 or code == 2
        assert str(target) in lines[-1]
    assert not (tmp_path / "a.db").exists()
