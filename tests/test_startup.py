"""A crawl's start-up imports only what the crawl uses (issue #19: a second run of many
sources with nothing new is mostly start-up)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from aggregator.multisource import OptionalComponents
from aggregator.project import project_settings

COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
REMOTE = "scrapy.extensions.remote_control.RemoteControl"


def components(overrides=None):
    settings = project_settings(overrides=overrides)
    OptionalComponents().update_settings(settings)
    return settings.getwithbase("DOWNLOADER_MIDDLEWARES"), settings.getwithbase("EXTENSIONS")


def test_components_turned_off_are_left_out_and_come_back_when_turned_on():
    mw, ext = components()
    assert COOKIES not in mw and REMOTE not in ext
    assert "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware" in mw   # the rest stays
    mw, ext = components({"COOKIES_ENABLED": True, "REMOTE_CONTROL_ENABLED": "true"})
    assert mw[COOKIES] == 700 and ext[REMOTE] == 0


@pytest.mark.e2e
def test_a_crawl_does_not_import_cookies_remote_control_or_redis(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    (tmp_path / "s.toml").write_text(
        f'[[source]]\nname = "x"\ntitle = "x"\ncategory = "x"\nstart_urls = ["http://127.0.0.1:{port}/"]\n',
        encoding="utf-8")
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "aggregator", "crawl", "--sources", "s.toml",
                          "--db", "a.db", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "site unreachable" in out.stderr          # the crawl really ran its source
    imported = {line.rsplit("|", 1)[1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert "scrapy.core.engine" in imported and "aggregator.offload" in imported
    assert not imported & {"tldextract", "requests", "aiohttp", "redis", "scrapy_redis"}
