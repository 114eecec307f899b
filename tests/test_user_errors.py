"""Failures a user can cause: one ``aggregator: …`` line, the documented exit code, no
traceback (the real command in a subprocess, as cron runs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

JEKYLL = Path(__file__).parent / "fixtures" / "jekyll"


def one_line(r, code: int) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert len(lines) == 1 and lines[0].startswith("aggregator: "), r.stderr
    return lines[0]


def jekyll_sources(tmp_path: Path) -> Path:
    posts = tmp_path / "site"
    shutil.copytree(JEKYLL, posts)
    src = tmp_path / "sources.toml"
    src.write_text(f'[[source]]\nname = "finews"\ntitle = "新闻汇"\ntype = "jekyll"\npath = "{posts}"\n'
                   f'site = "https://finews.example.com"\n', encoding="utf-8")
    return src


def read_only(folder: Path, argv: list[str]) -> list[str]:
    """``argv`` run with ``folder`` read-only: a read-only bind mount in a private mount
    namespace for root (permissions do not stop root), a mode of 0555 for anyone else."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return argv
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -o bind,ro "$0" "$0"', str(folder)],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    return ["unshare", "-m", "sh", "-c", 'mount -o bind,ro "$0" "$0" && shift && exec "$@"', str(folder), "--", *argv]


def run_argv(argv, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REDIS_URL", None)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_export_into_a_read_only_folder_is_one_line_exit_1(tmp_path, run_cli):
    src = jekyll_sources(tmp_path)
    r = run_cli("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet")
    assert r.returncode == 0, r.stderr
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    argv = read_only(feeds, [sys.executable, "-m", "aggregator", "export", "--db", str(tmp_path / "a.db"),
                             "--out", str(feeds), "--sources", str(src)])
    line = one_line(run_argv(argv, tmp_path), 1)
    assert str(feeds) in line and ("Read-only file system" in line or "Permission denied" in line), line
    assert list(feeds.iterdir()) == []


def test_run_into_a_read_only_folder_keeps_the_crawl_summary(tmp_path):
    src = jekyll_sources(tmp_path)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    argv = read_only(feeds, [sys.executable, "-m", "aggregator", "run", "--sources", str(src), "--db",
                             str(tmp_path / "a.db"), "--out", str(feeds)])
    r = run_argv(argv, tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    summary = [line for line in lines if line.startswith("finews: ok, ")]
    assert summary and " 0 new" not in summary[0], r.stderr
    errors = [line for line in lines if line.startswith("aggregator: ")]
    assert len(errors) == 1 and "cannot write the feeds" in errors[0], r.stderr
    # the crawl is stored although the export failed
    import sqlite3

    with sqlite3.connect(tmp_path / "a.db") as con:
        assert con.execute("select count(*) from articles").fetchone()[0] > 0
    con.close()
    r = run_argv([sys.executable, "-m", "aggregator", "run", "--sources", str(src), "--db", str(tmp_path / "a.db"),
                  "--out", str(feeds), "--log-level", "DEBUG", "-s", "LOG_LEVEL=ERROR"], tmp_path)
    assert r.returncode == 0, r.stderr  # writable again: fine


def test_missing_folder_of_db_is_not_created(tmp_path, run_cli):
    src = jekyll_sources(tmp_path)
    for cmd in ("run", "crawl", "export", "status", "search"):
        args = [cmd, "--db", tmp_path / "nws" / "x.db"] + (["--sources", src] if cmd in ("run", "crawl") else [])
        if cmd == "search":
            args.insert(1, "银川")
        line = one_line(run_cli(*args), 2)
        assert "--db" in line and str(tmp_path / "nws") in line and "does not exist" in line, line
    assert not (tmp_path / "nws").exists()


def test_unknown_source_name_is_a_usage_error_with_a_suggestion(tmp_path, run_cli):
    src = jekyll_sources(tmp_path)
    line = one_line(run_cli("crawl", "finwes", "--sources", src, "--db", tmp_path / "a.db"), 2)
    assert "no source named 'finwes'" in line and "did you mean 'finews'?" in line
    line = one_line(run_cli("run", "zzzz", "--sources", src, "--db", tmp_path / "a.db"), 2)
    assert "no source named 'zzzz'" in line and "aggregator sources" in line
    assert not (tmp_path / "a.db").exists()


def test_typo_in_a_source_key_names_the_right_one(tmp_path, run_cli):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "a"\ntitle = "A"\nstart_url = ["http://x/"]\n', encoding="utf-8")
    line = one_line(run_cli("sources", "--sources", bad), 1)
    assert "'start_url': unknown key (did you mean 'start_urls'?)" in line
    bad.write_text('[exports]\nbase_url = "https://x.example/"\n', encoding="utf-8")
    assert "did you mean 'export'?" in one_line(run_cli("sources", "--sources", bad), 1)
    bad.write_text('[export]\nbaseurl = "https://x.example/"\n', encoding="utf-8")
    assert "did you mean 'base_url'?" in one_line(run_cli("sources", "--sources", bad), 1)


@pytest.mark.parametrize("args", [
    ["export", "--limit", "zero"],
    ["export", "--days", "-1"],
    ["serve", "--port", "70000"],
    ["run", "--log-level", "LOUD"],
    ["run", "--no-such-option"],
    ["search"],
])
def test_bad_option_values_are_one_line_exit_2(run_cli, args):
    line = one_line(run_cli(*args), 2)
    assert "--help" in line


def test_bad_base_url_is_one_line(tmp_path, run_cli, export_archive):
    db = export_archive()
    line = one_line(run_cli("export", "--db", db, "--out", tmp_path / "f", "--base-url", "feeds.example.org"), 1)
    assert "base-url" in line


def test_base_url_set_once_in_the_sources_file(tmp_path, run_cli, export_archive):
    db = export_archive()
    src = tmp_path / "s.toml"
    src.write_text('[export]\nbase_url = "https://news.example.org/feeds/"\n', encoding="utf-8")
    r = run_cli("export", "--db", db, "--out", tmp_path / "f", "--sources", src)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
    opml = (tmp_path / "f" / "index.opml").read_text("utf-8")
    assert 'xmlUrl="https://news.example.org/feeds/' in opml
    # the option wins over the file
    r = run_cli("export", "--db", db, "--out", tmp_path / "g", "--sources", src, "--base-url", "https://other.example/")
    assert 'xmlUrl="https://other.example/' in (tmp_path / "g" / "index.opml").read_text("utf-8")
    # without any: one warning naming both ways
    r = run_cli("export", "--db", db, "--out", tmp_path / "h", "--sources", tmp_path / "empty.toml")
    assert r.returncode == 1  # the named sources file does not exist
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    r = run_cli("export", "--db", db, "--out", tmp_path / "h", "--sources", tmp_path / "empty.toml")
    warn = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warn) == 1 and "[export]" in warn[0] and "--base-url" in warn[0]


def test_run_warns_about_a_missing_base_url_and_help_shows_both_cron_lines(tmp_path, run_cli):
    src = jekyll_sources(tmp_path)
    r = run_cli("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds")
    assert r.returncode == 0, r.stderr
    assert sum("warning: no base URL" in line for line in r.stderr.splitlines()) == 1
    r = run_cli("run", "--sources", src, "--db", tmp_path / "a.db", "--out", tmp_path / "feeds", "--quiet")
    assert r.returncode == 0 and r.stderr == ""
    help_text = run_cli("run", "--help").stdout
    assert "[export]" in help_text and "--base-url https://" in help_text and "crontab" in help_text


def test_search_and_status_print_beijing_time_with_offset(tmp_path, run_cli):
    src = jekyll_sources(tmp_path)
    assert run_cli("crawl", "--sources", src, "--db", tmp_path / "a.db", "--quiet").returncode == 0
    r = run_cli("search", "清雪", "--db", tmp_path / "a.db")
    assert r.returncode == 0, r.stderr
    # the post is dated 2022-01-19 12:20:06 +08:00 (stored as 04:20:06 UTC)
    assert r.stdout.splitlines()[0].startswith("2022-01-19 12:20+08:00  "), r.stdout
    r = run_cli("status", "--db", tmp_path / "a.db")
    assert r.returncode == 0 and "+08:00" in r.stdout, r.stdout


def _columns(line: str, upto: int) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line[:upto])


def test_sources_columns_align_after_chinese_titles(tmp_path, run_cli):
    src = tmp_path / "s.toml"
    src.write_text('[[source]]\nname = "a"\ntitle = "银川新闻网"\nstart_urls = ["http://a.example/"]\n'
                   '[[source]]\nname = "b"\ntitle = "Ningxia Daily"\nstart_urls = ["http://b.example/"]\n'
                   '[[source]]\nname = "c"\ntitle = "宁夏回族自治区人民政府网站"\nstart_urls = ["http://c.example/"]\n',
                   encoding="utf-8")
    r = run_cli("sources", "--sources", src)
    lines = r.stdout.splitlines()
    assert len(lines) == 3
    starts = {_columns(line, line.index("http://")) for line in lines}
    assert len(starts) == 1, r.stdout


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat not installed (.ci/install --test)")
def test_demo_hints_work_verbatim_in_a_fresh_shell(tmp_path):
    script = Path(sys.executable).parent / "aggregator"
    assert script.is_file(), "the console script of the set-up command"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}  # a fresh shell: no venv on PATH
    proc = subprocess.run([str(script), "demo", "--workdir", "demo", "--quiet"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any("no base URL" in line for line in lines)  # the demo warns like export does
    search = next(line.split("try:", 1)[1].strip() for line in lines if line.startswith("try:"))
    assert not search.startswith("aggregator ")
    r = subprocess.run(["sh", "-c", search], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "银川" in r.stdout and "+08:00" in r.stdout, (search, r.stderr)
    read = next(line.split("read:", 1)[1].split("(then", 1)[0].strip() for line in lines if line.startswith("read:"))
    (tmp_path / ".newsboat").mkdir()
    r = subprocess.run(["sh", "-c", read], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, (read, r.stderr)
    urls = (tmp_path / ".newsboat" / "urls").read_text("utf-8").split()
    assert urls and all(u.startswith("file://") and Path(u[7:]).is_file() for u in urls)
    serve = next(line.split("serve:", 1)[1].split("(then", 1)[0].strip() for line in lines if line.startswith("serve:"))
    assert serve.split()[0] == search.split()[0]


def test_export_into_a_full_disk_is_one_line_exit_1(tmp_path, run_cli, export_archive):
    if os.geteuid() != 0:
        pytest.skip("needs a private tmpfs mount (root)")
    db = export_archive()
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    # a 16 KiB file system: the first feeds fit, then the disk is full
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=16k tmpfs "$0"', str(feeds)],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {probe.stderr.strip()}")
    argv = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=16k tmpfs "$0" && shift && exec "$@"', str(feeds),
            "--", sys.executable, "-m", "aggregator", "export", "--db", str(db), "--out", str(feeds)]
    line = one_line(run_argv(argv, tmp_path), 1)
    assert "cannot write the feeds in" in line and "No space left on device" in line, line
