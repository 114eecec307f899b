"""The README is the documentation: every command, setting and interface field is in it."""

import dataclasses
import re
from pathlib import Path

import pytest

from aggregator import settings
from aggregator.cli import cli
from aggregator.items import Article
from aggregator.sources import Source

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README + "\n## ", re.S | re.M)
    assert m, f"README has no '## {title}' section"
    return m.group(1)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented(name):
    assert f"### `aggregator {name}`" in section("Usage")
    assert cli.commands[name].help


@pytest.mark.parametrize("name", sorted(k for k in dir(settings) if k.startswith("AGGREGATOR_")))
def test_every_setting_is_in_the_settings_table(name):
    assert f"| `{name}` |" in section("Settings")


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Article)])
def test_every_article_field_is_documented(field):
    assert f"| `{field}` |" in section("The Article record")


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Source)])
def test_every_source_field_is_documented(field):
    assert f"| `{field}` |" in section("Sources")


def test_no_setting_of_ours_collides_with_scrapy_feed_exports():
    assert not [k for k in dir(settings) if k.startswith("FEED") and k != "FEED_EXPORT_ENCODING"]


def test_the_two_setup_commands_are_the_ci_command():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/install --test && .venv/bin/python -m pytest" in ci
    assert ".ci/install --test && .venv/bin/python -m pytest" in section("Set-up (two commands)")
    assert ".ci/install && .venv/bin/aggregator demo" in section("Set-up (two commands)")
