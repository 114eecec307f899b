"""Shared fixtures: no proxies, a CLI runner in a subprocess, fresh archives, page builder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# No test may reach the internet: make sure no proxy redirects 127.0.0.1 traffic either.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "REDIS_URL"):
    os.environ.pop(_var, None)


@pytest.fixture
def run_cli(tmp_path):
    """Run ``python -m aggregator ARGS`` in a subprocess (the cron path); returns CompletedProcess."""

    def _run(*args, cwd=None, env=None, timeout=300):
        full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
        full_env.pop("REDIS_URL", None) if not (env and "REDIS_URL" in env) else None
        return subprocess.run(
            [sys.executable, "-m", "aggregator", *map(str, args)],
            cwd=cwd or tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout,
        )

    return _run


def make_response(body: bytes | str, url: str = "http://example.com/a.html", headers: dict | None = None,
                  encoding: str | None = None):
    """An HtmlResponse with a Request attached, decoded by Scrapy as a crawl would."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    if isinstance(body, str):
        body = body.encode(encoding or "utf-8")
    kw = {"encoding": encoding} if encoding else {}
    return HtmlResponse(url=url, body=body, headers=headers or {}, request=Request(url), **kw)
