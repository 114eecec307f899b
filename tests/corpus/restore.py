"""Rebuild the evaluation corpus pages into tests/corpus/pages/ (ignored by git).

For every manifest row, the page bytes are read with ``git show COMMIT:PATH`` from a copy of
its repository: a bare snapshot under ``$CORPUS_MIRRORS`` (default ``/work/.mirror``, named
``owner+name``), else a clone made into ``$CORPUS_CLONES`` (default ``~/.cache/aggregator-corpus``).
Each page is checked against its sha256; a mismatch or a missing repository is reported and
the page skipped. Exit status 1 when any page could not be restored.

    .venv/bin/python tests/corpus/restore.py [--only GROUP]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import PAGES, manifest, page_path, unpack  # noqa: E402


def git_dir(repo: str) -> Path | None:
    """A git directory holding ``repo``'s history, cloning it when no mirror has it."""
    mirrors = Path(os.environ.get("CORPUS_MIRRORS", "/work/.mirror"))
    snap = mirrors / repo.replace("/", "+")
    for cand in (snap, *(sorted(snap.glob("*")) if snap.is_dir() else ())):
        for g in (cand, cand / ".git", cand / "repo", cand / "repo" / ".git"):
            if (g / "HEAD").is_file() and (g / "objects").is_dir():
                return g
    clones = Path(os.environ.get("CORPUS_CLONES", Path.home() / ".cache" / "aggregator-corpus"))
    dest = clones / repo.replace("/", "+")
    if not (dest / "HEAD").is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["git", "clone", "-q", "--bare", f"https://github.com/{repo}.git", str(dest)],
                           capture_output=True, text=True)
        if r.returncode:
            return None
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="restore one group (the part of the id before the last '-')")
    args = ap.parse_args(argv)
    PAGES.mkdir(parents=True, exist_ok=True)
    dirs: dict[str, Path | None] = {}
    ok = bad = 0
    for row in manifest():
        if args.only and not row["id"].startswith(args.only + "-"):
            continue
        dest = page_path(row)
        if dest.is_file():
            ok += 1
            continue
        if row["repo"] not in dirs:
            dirs[row["repo"]] = git_dir(row["repo"])
        g = dirs[row["repo"]]
        if g is None:
            print(f"{row['id']}: no copy of {row['repo']} (fetch it, or allow git clone)", file=sys.stderr)
            bad += 1
            continue
        r = subprocess.run(["git", "--git-dir", str(g), "show", f"{row['commit']}:{row['path']}"],
                           capture_output=True)
        if r.returncode or hashlib.sha256(r.stdout).hexdigest() != row["sha256"]:
            print(f"{row['id']}: {row['repo']}@{row['commit'][:10]}:{row['path']} missing or changed", file=sys.stderr)
            bad += 1
            continue
        dest.write_bytes(unpack(r.stdout))
        ok += 1
    print(f"restored {ok} pages into {PAGES}" + (f", {bad} failed" if bad else ""), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
