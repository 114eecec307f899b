"""CLI: help for every command, one-line errors, exit codes (subprocess: the cron path)."""

import pytest

from aggregator.cli import cli


def test_every_command_has_help_with_example(run_cli):
    for name, cmd in cli.commands.items():
        assert cmd.help and "Example" in cmd.help, f"{name} lacks help/example"
    r = run_cli("--help")
    assert r.returncode == 0
    for name in cli.commands:
        assert name in r.stdout


def test_bad_sources_file_is_one_line_exit_1(run_cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nname = "a"\ntitle = "A"\ntype = "ftp"\nstart_urls = ["http://x/"]\n', encoding="utf-8")
    r = run_cli("crawl", "--sources", bad, "--db", tmp_path / "a.db")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("aggregator: ")
    assert "bad.toml" in r.stderr and "'type'" in r.stderr
    assert not (tmp_path / "a.db").exists(), "validation happens before anything is created"


def test_unknown_source_name_and_usage_error(run_cli, tmp_path):
    r = run_cli("crawl", "no_such_source", "--db", tmp_path / "a.db")
    assert r.returncode == 2 and "no source named 'no_such_source'" in r.stderr
    r = run_cli("export", "--limit", "zero")
    assert r.returncode == 2


def test_export_without_archive_fails_clearly(run_cli, tmp_path):
    r = run_cli("export", "--db", tmp_path / "missing.db", "--out", tmp_path / "feeds")
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_sources_lists_shipped_sources_as_never_crawled(run_cli):
    r = run_cli("sources")
    assert r.returncode == 0
    assert "yinchuan" in r.stdout and "never crawled successfully" in r.stdout
