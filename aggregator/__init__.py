"""Crawl Chinese regional news into a SQLite archive and publish RSS/Atom/JSON feeds."""

__version__ = "0.1.0"
