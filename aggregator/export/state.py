"""What the last export wrote, so the next one renders only the feeds whose inputs changed.

The state file (``.aggregator-export.state``, JSON, in the feeds folder) holds:

* ``quick``: a digest of the archive's change marker (``content_version``, which the
  archive's triggers bump on every change of what feeds are made from; for archives
  older than schema 6: counts and newest timestamps) and of the export parameters. When it is unchanged and every file is still there with the size it
  was written with, nothing is rendered at all.
* ``feeds``: per feed file stem, a digest of everything its three files are made from:
  the feed's own fields (title, URLs, …), the export parameters, the category names and
  source titles, and for each member article (in order) its row values, links and
  sanitiser version (:meth:`ArchiveView.signatures`). A feed whose digest is unchanged is
  not rendered.
* ``index``: the digest of all feed digests (``index.html`` and ``index.opml`` show every feed).
* ``files``: the size of every file written, to notice a file deleted or edited by hand.

The state lives with the files it describes (not in the archive), so two feeds folders
made from one archive, or an archive opened read-only, both work. Deleting the state file
makes the next export render everything again (and still write only files whose bytes
differ).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.export.write import write_if_changed

STATE_FILE = ".aggregator-export.state"   # JSON; not *.json, which globs for feeds would match
#: Bump when the renderers change what they write, so every feed is rendered again.
EXPORTER_VERSION = 1


def digest(*parts) -> str:
    """A short stable digest of JSON-able values."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class ExportState:
    """The state file's content (empty when there is none or it is unreadable)."""

    quick: str | None = None
    index: str | None = None
    feeds: dict[str, str] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    stems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, out: Path) -> "ExportState":
        try:
            data = json.loads((out / STATE_FILE).read_text("utf-8"))
            if data.get("exporter") != EXPORTER_VERSION:
                return cls()
            return cls(quick=data.get("quick"), index=data.get("index"), feeds=dict(data.get("feeds") or {}),
                       files={k: int(v) for k, v in (data.get("files") or {}).items()},
                       stems=list(data.get("stems") or []), notes=list(data.get("notes") or []))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, out: Path) -> bool:
        """Write the state file if its content changed; True when written."""
        data = {"exporter": EXPORTER_VERSION, "quick": self.quick, "index": self.index, "feeds": self.feeds,
                "files": self.files, "stems": self.stems, "notes": self.notes}
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n"
        return write_if_changed(out / STATE_FILE, text.encode("utf-8"))

    def intact(self, out: Path, rels) -> bool:
        """True when every one of ``rels`` is where it was written, with the size it had."""
        root = os.fspath(out)
        for rel in rels:
            size = self.files.get(rel)
            if size is None:
                return False
            try:
                if os.stat(os.path.join(root, rel)).st_size != size:
                    return False
            except OSError:
                return False
        return True
