"""Writing export files safely: atomic replace, no rewrite of unchanged bytes, no escape.

Owns the only place where the exporter touches the file system. A file is written to a
temporary file in the same folder, flushed and fsync'ed, then moved over the old one with
``os.replace`` (atomic on POSIX), so a web server or feed reader never sees half a file.
When the bytes on disk are already the bytes to write, nothing is touched and the mtime
stays, so ETag/Last-Modified of a web server stay valid. Pure: no network, no database.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from aggregator.normalize import slugify

_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def safe_name(name: str) -> str:
    """``name`` when it is a safe file-name stem (``[a-z0-9][a-z0-9_-]*``), else its slug.

    Names in the archive are slugs already; this is the defence against a row that is
    not (``../x``, ``a/b``, ``.hidden``, Chinese text): such names are re-slugged with
    :func:`aggregator.normalize.slugify`, which only ever returns ``[a-z0-9_-]``.
    """
    name = name or ""
    if _SAFE_NAME.match(name) and len(name) <= 100:
        return name
    return slugify(name) or "x"


def safe_path(root: str | os.PathLike, relpath: str) -> Path:
    """``root/relpath`` resolved, refusing anything that would land outside ``root``."""
    base = Path(root).resolve()
    parts = [p for p in str(relpath).replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or os.path.isabs(str(relpath)):
        raise ValueError(f"unsafe export path {relpath!r}")
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise ValueError(f"export path {relpath!r} escapes {str(base)!r}")
    return target


def write_if_changed(path: str | os.PathLike, data: bytes) -> bool:
    """Atomically write ``data`` to ``path`` unless the file already holds exactly ``data``.

    Returns True when the file was (re)written, False when it was left untouched. The
    temporary file lives in the target folder (same file system, so ``os.replace`` is a
    rename) and is removed if anything fails. New files get mode 0644 (umask applied),
    an existing file keeps its mode.
    """
    path = Path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)
    return True


_TEMP_NAME = re.compile(r"^\..+\.(\d+)-[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temp(root: str | os.PathLike, max_age: float = 3600.0) -> int:
    """Remove temp files left by an export that was killed (kill -9, power loss).

    A temp file names its writer's PID: it is stale when that process is gone (or, for
    names without a PID, when it is older than ``max_age`` seconds). Returns how many
    were removed.
    """
    import time

    removed = 0
    root = Path(root)
    if not root.is_dir():
        return 0
    for tmp in root.rglob(".*.tmp"):
        m = _TEMP_NAME.match(tmp.name)
        try:
            stale = (not _alive(int(m.group(1)))) if m else (time.time() - tmp.stat().st_mtime > max_age)
            if stale and tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                removed += 1
        except (OSError, ValueError):
            continue
    return removed


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform/file system allows it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
