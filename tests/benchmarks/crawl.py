"""Crawl measurements: the ceiling spider and ``aggregator crawl``/``run`` as child processes.

Every crawl runs in its own process (one Twisted reactor each), started with the venv's
Python; its wall time and CPU time come from ``os.wait4``, its peak resident set size
from ``VmHWM`` in ``/proc/PID/status`` polled every 20 ms (``ru_maxrss`` is only the
fallback: Linux carries the parent's high-water mark over fork+exec, so it would report
this runner's size whenever that is bigger), pages and crawl time from Scrapy's stats
(``response_received_count`` / ``elapsed_time_seconds``: engine open to close, so the
interpreter start-up is not counted; the wall time is reported too).

- :func:`ceiling_crawl` runs :mod:`tests.benchmarks.ceiling`;
- :func:`our_crawl` writes a sources TOML for the same categories (one source, its
  ``[source.settings]`` = :data:`BENCH_CRAWL_SETTINGS`) and runs ``aggregator crawl``
  into a fresh archive, reading the ``crawl_runs`` row it recorded;
- :func:`our_run` runs ``aggregator run`` (crawl + export) on an existing archive.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.ceiling import BENCH_CRAWL_SETTINGS

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable


@dataclass
class Measured:
    """One child process: exit code, wall seconds, peak RSS in MiB, CPU seconds, output."""

    returncode: int
    wall: float
    rss_mib: float
    stdout: str = ""
    stderr: str = ""
    cpu: float = 0.0


@dataclass
class CrawlResult:
    """One crawl: pages (responses), Scrapy's crawl seconds, wall seconds, peak RSS, CPU seconds."""

    pages: int
    seconds: float
    wall: float
    rss_mib: float
    status: str = "ok"
    extra: dict = field(default_factory=dict)
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        """Pages per second of crawl time."""
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def wall_rate(self) -> float:
        """Pages per second of the whole process's wall time (start-up included)."""
        return self.pages / self.wall if self.wall else 0.0

    @property
    def cpu_rate(self) -> float:
        """Pages per CPU second of the crawl process and its extraction processes (user + system,
        start-up included)."""
        return self.pages / self.cpu if self.cpu else 0.0


def _children(pid: int) -> list[int]:
    """Child pids of ``pid`` (Linux /proc; empty when unavailable)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except (OSError, ValueError):
        return []


def _vm_hwm_kb(status_file: str) -> int:
    """``VmHWM`` (peak resident set, kB) from /proc/PID/status, 0 when unavailable."""
    try:
        with open(status_file, "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_measured(cmd: list[str], cwd: str | Path | None = None, env: dict | None = None,
                 timeout: float = 3600) -> Measured:
    """Run ``cmd``; wall time, CPU time (``os.wait4``) and the child's own peak RSS (VmHWM)."""
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "REDIS_URL"):
        full_env.pop(var, None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        hwm: dict[int, int] = {}   # pid -> peak RSS (kB) of the process and its extraction processes
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                for p in (proc.pid, *_children(proc.pid)):
                    hwm[p] = max(hwm.get(p, 0), _vm_hwm_kb(f"/proc/{p}/status"))
                if time.monotonic() > deadline:
                    proc.kill()
                time.sleep(0.02)
        except BaseException:  # interrupted: do not leave the crawl running
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # VmHWM is the peak RSS of the process image after exec; ru_maxrss would also count
        # the parent's RSS at fork time (Linux keeps the high-water mark across exec), which
        # is wrong as soon as this runner has grown bigger than the crawl it starts.
        # The crawl's extraction processes (aggregator.offload) count too: the sum of their
        # peaks (an upper bound of the tree's peak); their CPU time is in wait4's figure,
        # since the crawl reaps them before it exits.
        peak_kb = sum(hwm.values()) or usage.ru_maxrss
        return Measured(proc.returncode, wall, peak_kb / 1024.0,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        usage.ru_utime + usage.ru_stime)


def ceiling_crawl(base_url: str, categories: list[dict], workdir: Path) -> CrawlResult:
    """The link-following ceiling over ``categories`` (manifest entries)."""
    out = Path(workdir) / "ceiling-stats.json"
    cmd = [PYTHON, "-m", "tests.benchmarks.ceiling", "--out", str(out)]
    for c in categories:
        cmd += ["--allow", f"/c/{c['slug']}/"]
    cmd += [base_url + c["start"] for c in categories]
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError(f"ceiling crawl failed ({m.returncode}): {m.stderr[-2000:]}")
    st = json.loads(out.read_text())
    return CrawlResult(st.get("response_received_count", 0), st.get("elapsed_time_seconds", 0.0), m.wall, m.rss_mib,
                       extra={"stats": st}, cpu=m.cpu)


def sources_toml(base_url: str, categories: list[dict], max_pages: int = 10_000) -> str:
    """One listing source over the categories' start pages, politeness off (BENCH_CRAWL_SETTINGS)."""
    urls = ", ".join(json.dumps(base_url + c["start"]) for c in categories)
    settings = "\n".join(f"{k} = {json.dumps(v)}" for k, v in BENCH_CRAWL_SETTINGS.items())
    return (f'[[source]]\nname = "bench"\ntitle = "塞上新闻网"\ncategory = "bench"\nstart_urls = [{urls}]\n'
            f"max_pages = {max_pages}\n[source.settings]\n{settings}\n")


def _last_run(db: Path) -> dict:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        row = con.execute("select * from crawl_runs order by id desc limit 1").fetchone()
        return dict(row) if row else {}
    finally:
        con.close()


def _article_count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("select count(*) from articles").fetchone()[0]
    finally:
        con.close()


def our_crawl(base_url: str, categories: list[dict], workdir: Path, command: str = "crawl",
              fresh: bool = True, extra_args: list[str] | None = None) -> CrawlResult:
    """``aggregator crawl`` (or ``run``) of the categories into ``workdir/archive.db``."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    sources = workdir / "sources.toml"
    sources.write_text(sources_toml(base_url, categories), encoding="utf-8")
    db = workdir / "archive.db"
    if fresh:
        for suffix in ("", "-wal", "-shm", ".lock"):
            p = Path(f"{db}{suffix}")
            if p.exists():
                p.unlink()
    cmd = [PYTHON, "-m", "aggregator", command, "--sources", str(sources), "--db", str(db), "--quiet",
           *(extra_args or [])]
    if command == "run":
        cmd += ["--out", str(workdir / "feeds")]
    m = run_measured(cmd, cwd=workdir)
    if not db.exists():
        raise RuntimeError(f"aggregator {command} wrote no archive ({m.returncode}): {m.stderr[-2000:]}")
    row = _last_run(db)
    stats = json.loads(row.get("stats") or "{}")
    res = CrawlResult(row.get("pages", 0), stats.get("elapsed_time_seconds", 0.0), m.wall, m.rss_mib,
                      status=row.get("status", "?"),
                      extra={"run": {k: v for k, v in row.items() if k != "stats"}, "stats": stats,
                             "returncode": m.returncode, "stderr": m.stderr[-2000:],
                             "articles": _article_count(db)}, cpu=m.cpu)
    return res
