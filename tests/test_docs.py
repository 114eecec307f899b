"""The documentation (README.md and docs/) covers every command, setting and interface field.

``docs/commands.md`` is generated from the commands' ``--help``; after changing an option run
``.venv/bin/python tests/test_docs.py --write`` and commit the file.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from aggregator import settings
from aggregator.cli import cli
from aggregator.items import Article
from aggregator.sources import Source

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_MD = DOCS_DIR / "commands.md"


def pages() -> list[str]:
    """README.md and every docs/*.md page."""
    return [README] + [p.read_text(encoding="utf-8") for p in sorted(DOCS_DIR.glob("*.md"))]


def all_docs() -> str:
    """README.md and every docs/*.md page, one text."""
    return "\n".join(pages())


def section(title: str) -> str:
    """The body of the ``# title`` or ``## title`` section (up to the next heading of level
    1 or 2), wherever in README.md or docs/ it is."""
    # a page's "# title" is its first line; "# " elsewhere is a comment in a code block
    text = "".join(f"\0{page}\n" for page in pages()) + "\0"
    m = re.search(rf"^(?:## |\0# ){re.escape(title)}\n(.*?)(?=^## |\0)", text, re.S | re.M)
    assert m, f"no '# {title}' or '## {title}' section in README.md or docs/"
    return m.group(1)


def command_reference() -> str:
    """docs/commands.md as generated from every command's --help."""
    import click

    out = ["# Command reference", "",
           "Generated from `--help` by `.venv/bin/python tests/test_docs.py --write`; do not edit by hand.", ""]
    with click.Context(cli, info_name="aggregator", terminal_width=100, max_content_width=100) as ctx:
        out += ["## `aggregator`", "", "```", cli.get_help(ctx), "```", ""]
        for name in sorted(cli.commands):
            cmd = cli.commands[name]
            with click.Context(cmd, info_name=name, parent=ctx, terminal_width=100, max_content_width=100) as sub:
                out += [f"## `aggregator {name}`", "", "```", cmd.get_help(sub), "```", ""]
    return "\n".join(out)


def test_command_reference_is_generated_from_help():
    assert COMMANDS_MD.is_file(), "run .venv/bin/python tests/test_docs.py --write"
    assert COMMANDS_MD.read_text(encoding="utf-8") == command_reference(), (
        "docs/commands.md is stale: run .venv/bin/python tests/test_docs.py --write")


def test_readme_is_short_and_docs_have_a_page_per_topic():
    assert len(README.splitlines()) <= 400
    pages = sorted(p.name for p in DOCS_DIR.glob("*.md"))
    assert len(pages) >= 6
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).is_file(), f"README links to missing {link}"


def test_every_docs_page_is_linked_from_the_readme():
    for page in DOCS_DIR.glob("*.md"):
        assert f"(docs/{page.name})" in README, f"README does not link docs/{page.name}"


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


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--write"]:
        COMMANDS_MD.write_text(command_reference(), encoding="utf-8")
        print(f"wrote {COMMANDS_MD}")
