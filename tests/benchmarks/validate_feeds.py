"""Validate an exported feeds folder with the W3C Feed Validation Service's own code.

Dev script, not collected by pytest. The validator is not vendored: check out
``w3c/feedvalidator`` anywhere (it needs Python 3 with ``lxml``, ``html5lib`` and
``rdflib``; a throw-away venv is fine) and pass the checkout's path::

    python tests/benchmarks/validate_feeds.py ~/src/feedvalidator feeds/ \\
        --base-url https://example.org/feeds/

Every ``*.xml``, ``*.atom`` and ``*.opml`` under the folder is validated as the online
service would (compatibility level ``AA``); with ``--base-url`` each file is validated
as if fetched from its public URL, so ``atom:link rel="self"`` is checked too. Prints
errors and warnings per file and a total; exits 1 when any file has an error.
``--demo`` builds the exporter's test fixture archive into a temporary folder first
(with the project's ``.venv/bin/python``, see ``--python``) and validates that, with and
without a base URL.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

SUFFIXES = (".xml", ".atom", ".opml")


def load_validator(checkout: Path):
    """Import ``feedvalidator`` from a checkout (its code lives in ``src/``)."""
    src = checkout / "src" if (checkout / "src" / "feedvalidator").is_dir() else checkout
    if not (src / "feedvalidator").is_dir():
        raise SystemExit(f"{checkout}: not a w3c/feedvalidator checkout (no src/feedvalidator)")
    sys.path.insert(0, str(src))
    import feedvalidator  # noqa: E402
    from feedvalidator import compatibility  # noqa: E402
    from feedvalidator.formatter.text_plain import Formatter  # noqa: E402

    return feedvalidator, compatibility, Formatter


def validate_folder(checkout: Path, folder: Path, base_url: str | None = None, level: str = "AA") -> tuple[int, int]:
    """Validate every feed file under ``folder``; print findings; return (errors, warnings)."""
    feedvalidator, compatibility, Formatter = load_validator(checkout)
    from feedvalidator import logging as fvlog

    total_errors = total_warnings = 0
    files = sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    for path in files:
        rel = path.relative_to(folder).as_posix()
        base = (base_url.rstrip("/") + "/" + rel) if base_url else "http://localhost/" + rel
        try:
            events = feedvalidator.validateStream(io.BytesIO(path.read_bytes()), firstOccurrenceOnly=1,
                                                  base=base)["loggedEvents"]
        except fvlog.ValidationFailure as vf:
            events = [vf.event]
        events = getattr(compatibility, level)(events)
        errors = [e for e in events if isinstance(e, fvlog.Error)]
        warnings = [e for e in events if isinstance(e, fvlog.Warning)]
        total_errors += len(errors)
        total_warnings += len(warnings)
        status = "ok" if not events else f"{len(errors)} error(s), {len(warnings)} warning(s)"
        print(f"{rel}: {status}")
        for kind, found in (("ERROR", errors), ("WARNING", warnings)):
            for event, line in zip(found, Formatter(found)):
                print(f"  {kind} {type(event).__name__}: {line}")
    print(f"{len(files)} files, {total_errors} errors, {total_warnings} warnings")
    return total_errors, total_warnings


DEMO_BASE = "https://feeds.example.org/nx/"


def _demo_folders(tmp: Path, python: str) -> list[tuple[Path, str | None]]:
    """Export the test fixture archive twice (with and without a base URL) with the
    project's Python (the validator's environment need not have the project installed)."""
    import subprocess

    subprocess.run([python, __file__, "--export-demo", str(tmp), "unused"], check=True)
    return [(tmp / "with-base", DEMO_BASE), (tmp / "no-base", None)]


def export_demo(tmp: Path) -> None:
    """Build the fixture archive of tests/golden/export_archive.json and export it."""
    import json
    from datetime import datetime, timezone

    import sqlite_utils

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from aggregator.export import export_all
    from aggregator.normalize import url_key
    from aggregator.sources import FeedDefinition

    data = json.loads((root / "tests" / "golden" / "export_archive.json").read_text("utf-8"))
    db = sqlite_utils.Database(tmp / "archive.db")
    db["sources"].insert_all(data["sources"], pk="name")
    db["categories"].insert_all(data["categories"], pk="slug")
    for a in data["articles"]:
        row = {k: v for k, v in a.items() if k not in ("categories", "first_version")}
        row["url_key"] = url_key(row["url"])
        db["articles"].insert(row, pk="id")
        for c in a["categories"]:
            db["article_categories"].insert({"article_id": a["id"], "category": c}, pk=("article_id", "category"))
    db.close()
    custom = [FeedDefinition(name="xiangcun", title="乡村振兴", query="乡村振兴")]
    now = datetime(2022, 1, 20, tzinfo=timezone.utc)
    export_all(tmp / "archive.db", tmp / "with-base", base_url=DEMO_BASE, now=now, feeds=custom)
    export_all(tmp / "archive.db", tmp / "no-base", now=now, feeds=custom)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("validator", type=Path, nargs="?", help="path of a w3c/feedvalidator checkout")
    ap.add_argument("folder", type=Path, nargs="?", help="feeds folder to validate")
    ap.add_argument("--base-url", help="public URL of the folder (the --base-url given to the exporter)")
    ap.add_argument("--level", default="AA", choices=["A", "AA", "AAA"], help="validator strictness (AA = online service)")
    ap.add_argument("--demo", action="store_true", help="validate the exporter's fixture archive instead")
    ap.add_argument("--python", default=str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"),
                    help="Python with the project installed, for --demo (default: .venv/bin/python)")
    ap.add_argument("--export-demo", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.export_demo:
        export_demo(args.export_demo)
        return 0
    if args.validator is None:
        ap.error("give the path of a w3c/feedvalidator checkout")
    errors = 0
    if args.demo:
        with tempfile.TemporaryDirectory() as tmp:
            for folder, base in _demo_folders(Path(tmp), args.python):
                print(f"== {folder.name} (base URL: {base or 'none'})")
                errors += validate_folder(args.validator, folder, base, args.level)[0]
    else:
        if args.folder is None:
            ap.error("give a feeds folder or --demo")
        errors += validate_folder(args.validator, args.folder, args.base_url, args.level)[0]
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
