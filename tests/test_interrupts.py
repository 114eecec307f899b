"""Ctrl-C and SIGTERM on a real ``aggregator run`` crawling a slow local site.

The first signal stops requesting pages, writes the open batch, records every source's
run as ``interrupted`` (not failing), prints a true summary, exports nothing and exits
130 (SIGINT) / 143 (SIGTERM); a second signal ends the process within 5 s with the
archive intact.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.manysite import ManySite

pytestmark = pytest.mark.e2e

SOURCES = 4


def _count(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0
    try:
        return con.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:   # not created yet
        return 0
    finally:
        con.close()


def _start_run(tmp_path, site):
    sources = tmp_path / "sources.toml"
    sources.write_text(site.sources_toml(CONCURRENT_REQUESTS_PER_DOMAIN=4), encoding="utf-8")
    db = tmp_path / "archive.db"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aggregator", "run", "--sources", str(sources), "--db", str(db),
         "--out", str(tmp_path / "feeds"), "-s", "AGGREGATOR_BATCH_SIZE=3"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while _count(db) < 6:   # a few batches are stored: the crawl is well under way
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the crawl stored nothing"
        time.sleep(0.1)
    return proc, db


def _summary_new(stderr: str) -> dict[str, tuple[str, int]]:
    return {m[1]: (m[2], int(m[3])) for m in re.finditer(r"^(cat\d+): (\w+), (\d+) new", stderr, re.M)}


def _finish(proc, timeout):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return out, err


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_one_signal_records_interrupted_runs_and_exports_nothing(tmp_path, run_cli, sig, code):
    with ManySite(categories=SOURCES, per_category=40, delay=0.25) as site:
        proc, db = _start_run(tmp_path, site)
        proc.send_signal(sig)
        _, err = _finish(proc, 60)
        hits_after = sum(site.hits.values())
        time.sleep(0.5)
        assert sum(site.hits.values()) == hits_after      # nothing requested after the exit
        total_pages = 1 + SOURCES * 41
        assert hits_after < total_pages                    # it stopped early
    assert proc.returncode == code, err
    assert "Traceback" not in err
    con = sqlite3.connect(db)
    runs = con.execute("select spider, status, finish_reason, items_new from crawl_runs order by spider").fetchall()
    stored = dict(con.execute("select spider, count(*) from articles group by spider").fetchall())
    con.close()
    assert [r[0] for r in runs] == [f"cat{k}" for k in range(SOURCES)]
    assert {r[1] for r in runs} == {"interrupted"}
    # the summary and the rows tell the truth: what each source stored
    summary = _summary_new(err)
    assert {k: v[1] for k, v in summary.items()} == {f"cat{k}": stored.get(f"cat{k}", 0) for k in range(SOURCES)}
    assert {v[0] for v in summary.values()} == {"interrupted"}
    assert {r[0]: r[3] for r in runs} == {k: v[1] for k, v in summary.items()}
    assert sum(stored.values()) >= 6
    # no export after an interrupt
    assert not (tmp_path / "feeds").exists() or not any((tmp_path / "feeds").iterdir())
    assert "feeds not exported" in err
    # an interrupted run is not a failure of the site
    st = run_cli("status", "--db", db, "--json")
    assert st.returncode == 0, st.stderr
    verdicts = {json.loads(line)["name"]: json.loads(line)["verdict"] for line in st.stdout.splitlines() if line.strip()}
    assert set(verdicts) == {f"cat{k}" for k in range(SOURCES)}
    assert "failing" not in verdicts.values()


def test_second_signal_ends_the_run_within_5_s_with_the_archive_intact(tmp_path):
    with ManySite(categories=SOURCES, per_category=40, delay=0.25) as site:
        proc, db = _start_run(tmp_path, site)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = _finish(proc, 30)
        took = time.monotonic() - t0
    assert took < 5, (took, err)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    con = sqlite3.connect(db)
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)
    stored = dict(con.execute("select spider, count(*) from articles group by spider").fetchall())
    runs = dict(con.execute("select spider, status from crawl_runs").fetchall())
    con.close()
    summary = _summary_new(err)
    assert {k: v[1] for k, v in summary.items()} == {f"cat{k}": stored.get(f"cat{k}", 0) for k in range(SOURCES)}
    assert sum(stored.values()) >= 6
    assert runs == {f"cat{k}": "interrupted" for k in range(SOURCES)}   # every source has its row
    assert not (tmp_path / "feeds").exists() or not any((tmp_path / "feeds").iterdir())
