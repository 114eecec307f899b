"""Project-wide constants and small helpers every floor shares.

One place for: the project folder (and putting it on ``sys.path`` so the top-level
``spiders`` package imports from cron's ``$HOME``), the default archive path, the
default time zone of sources and of dates shown to people, the ISO 8601 parser for
archive timestamps, "now" in the archive's format, the run lock, and the project's
Scrapy settings. Pure standard library; :func:`project_settings` imports
``scrapy.settings`` when called.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from aggregator.errors import LockHeld

#: The checkout: the folder holding ``scrapy.cfg``, ``aggregator/`` and ``spiders/``.
PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Default archive file (``--db``), relative to the working directory.
DEFAULT_DB = "archive.db"
#: Default output folder of the exporter (``--out``).
DEFAULT_OUT = "feeds"
#: Default time zone of a source (its dates printed without an offset).
DEFAULT_TZ_NAME = "Asia/Shanghai"
DEFAULT_TZ = ZoneInfo(DEFAULT_TZ_NAME)
#: Every date shown to people (feeds, index.html, the demo site) is in Beijing time: a
#: fixed +08:00 offset, not the Asia/Shanghai zone, whose historical rules (LMT +08:05:43
#: before 1901, DST in 1986-1991) would print offsets RFC 822/3339 cannot express or readers would not expect.
DISPLAY_TZ = timezone(timedelta(hours=8))


def ensure_project_on_path() -> None:
    """Make the top-level ``spiders`` package importable from any working directory (cron)."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))


# --- time -------------------------------------------------------------------------------


def utc_now() -> datetime:
    """Now, aware UTC, whole seconds (the archive's resolution)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def utc_now_iso() -> str:
    """Now in the archive's timestamp format (``2022-01-19T04:20:06+00:00``)."""
    return utc_now().isoformat()


def parse_iso(value: str | datetime | None, default_tz=timezone.utc) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive values are in ``default_tz``) as an
    aware datetime, or None when empty or unreadable. Datetimes pass through (made aware)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            try:
                from dateutil import parser as dateutil_parser

                dt = dateutil_parser.isoparse(text)
            except (ValueError, OverflowError):
                return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    return dt


def as_utc(value: str | datetime | None) -> datetime:
    """``value`` (ISO text or datetime; None = now) as aware UTC in whole seconds.

    Raises ValueError for text that is not a timestamp."""
    if value is None:
        return utc_now()
    dt = parse_iso(value)
    if dt is None:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def iso_utc(value: str | datetime | None) -> str:
    """:func:`as_utc` in the archive's timestamp format."""
    return as_utc(value).isoformat()


# --- lock -------------------------------------------------------------------------------


class RunLock:
    """An exclusive ``flock`` on ``<db>.lock``: held for the whole run, released by the
    kernel when the process dies, so a killed run's lock never blocks the next one."""

    def __init__(self, db: str | os.PathLike):
        self.path = Path(f"{db}.lock")
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = ""
            try:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            except OSError:
                pass
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise LockHeld(f"another run holds {self.path}" + (f" (pid {holder})" if holder else "")) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                os.close(self.fd)
                self.fd = None


# --- settings ---------------------------------------------------------------------------


def project_settings(*, sources=None, db=None, overrides: dict | None = None, quiet=False, log_file=None,
                     log_level=None):
    """Scrapy Settings of the project, whatever the working directory (cron starts in $HOME)."""
    ensure_project_on_path()
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("aggregator.settings", priority="project")
    if sources:
        settings.set("AGGREGATOR_SOURCES", str(Path(sources).resolve()), priority="cmdline")
    if db:
        settings.set("AGGREGATOR_DB", str(Path(db).resolve()), priority="cmdline")
    level = log_level or ("ERROR" if quiet else "WARNING")
    if log_file:
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
        settings.set("LOG_FILE_APPEND", True, priority="cmdline")
        level = log_level or "INFO"
    settings.set("LOG_LEVEL", level, priority="cmdline")
    settings.set("RETRY_GIVE_UP_LOG_LEVEL", "WARNING", priority="cmdline")
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    return settings
