"""The ``aggregator`` command line (click). Thin: parse, call the library, map exit codes.

Exit codes: 0 ok; 1 a run failed (one line per reason on stderr); 2 usage (unknown
option, bad option value, unknown source name); 75 another run holds the lock. Every
failure a user can cause (bad options, a read-only or full disk, a missing folder) is one
``aggregator: …`` line; ``--log-level DEBUG`` shows the traceback as well. Progress and
summaries go to stderr, machine output to stdout.
"""

from __future__ import annotations

import json
import os
import sys

import click

from aggregator import __version__
from aggregator.errors import AggregatorError
from aggregator.project import DEFAULT_DB


def _fail(msg: str, code: int = 1):
    click.echo(f"aggregator: {msg}", err=True)
    sys.exit(code)


def sources_option(fn):
    """--sources PATH (default: the shipped spiders/sources.toml)."""
    return click.option("--sources", "sources", type=click.Path(dir_okay=False), default=None,
                        envvar="AGGREGATOR_SOURCES",
                        help="Sources TOML file  [default: spiders/sources.toml of the project]")(fn)


def _check_db_folder(ctx, param, value):
    """--db's folder must exist: a mistyped path must not start a fresh archive elsewhere."""
    if value:
        folder = os.path.dirname(os.path.abspath(value))
        if not os.path.isdir(folder):
            raise click.BadParameter(f"folder {folder} does not exist (create it first, or fix the path)",
                                     param_hint="--db")
    return value


def db_option(fn):
    """--db PATH (its folder must exist)."""
    return click.option("--db", default=DEFAULT_DB, show_default=True, envvar="AGGREGATOR_DB",
                        type=click.Path(dir_okay=False), callback=_check_db_folder, help="SQLite archive file")(fn)


def _base_url(option: str | None, sources: str | None) -> str | None:
    """--base-url / AGGREGATOR_BASE_URL, else ``base_url`` of the sources file's [export]."""
    if option:
        return option
    from aggregator.sources import load_export_settings

    return load_export_settings(sources).base_url


def _human_time(value) -> str:
    """An archive timestamp for people: in the display zone, offset shown (``-`` if none)."""
    from datetime import datetime, timezone

    from aggregator.export.model import to_display

    if not value:
        return "-"
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = to_display(dt)
    off = dt.strftime("%z")
    return f"{dt:%Y-%m-%d %H:%M}{off[:3]}:{off[3:]}"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (East Asian wide and full-width characters: 2)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 0 if unicodedata.combining(c) else 1
               for c in text)


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - _width(text))


def export_options(fn):
    """Options shared by export and run."""
    fn = click.option("--out", default="feeds", show_default=True, type=click.Path(file_okay=False),
                      help="Folder for the feed files")(fn)
    fn = click.option("--base-url", default=None, envvar="AGGREGATOR_BASE_URL",
                      help="Public URL of the feeds folder (self links, absolute OPML URLs)  "
                           "[default: base_url of the sources file's [export] table]")(fn)
    fn = click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000),
                      help="Newest N items per feed")(fn)
    fn = click.option("--days", default=None, type=click.FloatRange(0, min_open=True),
                      help="Only items published in the last N days")(fn)
    fn = click.option("--jekyll", default=None, type=click.Path(file_okay=False),
                      help="Also write Jekyll _posts/ into this folder")(fn)
    return fn


def crawl_options(fn):
    """Options shared by crawl and run."""
    fn = click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr unless something failed (for cron)")(fn)
    fn = click.option("--log-file", type=click.Path(dir_okay=False), default=None,
                      help="Append the full crawl log (INFO) to this file")(fn)
    fn = click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), default=None,
                      help="Log level on stderr (default WARNING; ERROR with --quiet)")(fn)
    fn = click.option("--refresh", is_flag=True, help="Fetch articles again even if already archived")(fn)
    fn = click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
                      help="Override a Scrapy/aggregator setting (repeatable)")(fn)
    return fn


def _overrides(pairs) -> dict:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise click.BadParameter(f"{p!r} is not NAME=VALUE", param_hint="--set")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


def _print_report(report, quiet: bool) -> None:
    if not quiet:
        for r in report.results:
            click.echo(r.line(), err=True)
    for line in report.failure_lines():
        click.echo(f"aggregator: {line}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aggregator")
def cli():
    """Crawl Chinese regional news into a SQLite archive and publish RSS/Atom/JSON feeds."""


@cli.command()
@click.argument("names", nargs=-1)
@sources_option
@db_option
@crawl_options
@click.option("--idle-exit", type=click.FloatRange(0), default=None,
              help="Scale-out: exit once the shared Redis frontier was empty this many seconds (default 30)")
def crawl(names, sources, db, quiet, log_file, log_level, refresh, overrides, idle_exit):
    """Crawl sources into the archive (all sources when NAMES is empty).

    \b
    Example:
        aggregator crawl yinchuan --db archive.db
    """
    from aggregator import runner

    report = runner.crawl(names, sources=sources, db=db, quiet=quiet, log_file=log_file, log_level=log_level,
                          refresh=refresh, overrides=_overrides(overrides), idle_exit=idle_exit)
    _print_report(report, quiet)
    sys.exit(report.exit_code)


@cli.command()
@db_option
@export_options
@sources_option
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr")
def export(db, out, base_url, limit, days, jekyll, sources, quiet):
    """Write RSS 2.0, Atom 1.0 and JSON Feed files, index.opml and index.html from the archive.

    \b
    Example:
        aggregator export --db archive.db --out feeds --base-url https://news.example.org/feeds/
    """
    from aggregator import runner

    rep = runner.export(db=db, out=out, base_url=_base_url(base_url, sources), limit=limit, days=days, jekyll=jekyll,
                        sources=sources)
    if not quiet:
        for w in rep.warnings:
            click.echo(f"aggregator: warning: {w}", err=True)
        click.echo(f"exported {len(rep.feeds)} feeds to {out}: {rep.files_written} files written, "
                   f"{rep.files_unchanged} unchanged ({rep.bytes_written} bytes)", err=True)


@cli.command()
@click.argument("names", nargs=-1)
@sources_option
@db_option
@export_options
@crawl_options
def run(names, sources, db, out, base_url, limit, days, jekyll, quiet, log_file, log_level, refresh, overrides):
    """Crawl, then export: the command for cron (exit 75 if another run is going on).

    Set the public URL of the feeds folder once, in the sources file
    ([export] table: base_url = "https://news.example.org/feeds/"), or give --base-url
    or AGGREGATOR_BASE_URL; without one the feeds have no self links and index.opml
    points at this disk (a warning says so).

    \b
    Example (crontab; the base URL set in sources.toml's [export] table):
        17 * * * *  cd /srv/news && .venv/bin/aggregator run --quiet --log-file crawl.log
    \b
    or with the base URL on the command line:
        17 * * * *  cd /srv/news && .venv/bin/aggregator run --quiet --log-file crawl.log --base-url https://news.example.org/feeds/
    """
    from aggregator import runner

    report, exported = runner.run(names, sources=sources, db=db, out=out, base_url=_base_url(base_url, sources),
                                  limit=limit, days=days, quiet=quiet, log_file=log_file, log_level=log_level,
                                  refresh=refresh, overrides=_overrides(overrides), jekyll=jekyll)
    _print_report(report, quiet)
    export_error = getattr(report, "export_error", None)
    if export_error:
        _fail(export_error)
    if exported is None:
        click.echo("aggregator: interrupted: feeds not exported", err=True)
    elif not quiet:
        for w in exported.warnings:
            click.echo(f"aggregator: warning: {w}", err=True)
        click.echo(f"exported {len(exported.feeds)} feeds to {out}: {exported.files_written} files written, "
                   f"{exported.files_unchanged} unchanged", err=True)
    sys.exit(report.exit_code)


@cli.command()
@sources_option
@click.option("--db", default=DEFAULT_DB, show_default=True, envvar="AGGREGATOR_DB",
              type=click.Path(dir_okay=False), help="Archive to read crawl history from (if it exists)")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source on stdout")
def sources(sources, db, as_json):
    """List the sources of a sources file and whether each has ever completed a crawl.

    \b
    Example:
        aggregator sources --sources my-sources.toml
    """
    from aggregator.sources import load_sources

    srcs = load_sources(sources)
    last_ok = {}
    if db and os.path.exists(db):
        from aggregator.archive import Archive

        with Archive(db, readonly=True) as archive:
            last_ok = archive.last_success_by_source()
    rows = []
    for s in srcs:
        rec = {"name": s.name, "title": s.title, "type": s.type, "category": s.category,
               "start_urls": list(s.start_urls), "path": s.path, "enabled": s.enabled,
               "last_success": last_ok.get(s.name)}
        if as_json:
            click.echo(json.dumps(rec, ensure_ascii=False))
        else:
            rows.append(s)
    if as_json:
        return
    # columns as wide as their widest cell, in terminal columns (a Chinese character takes two)
    name_w, cat_w, title_w = (max((_width(getattr(s, a)) for s in rows), default=0) for a in ("name", "category", "title"))
    for s in rows:
        where = s.path if s.type == "jekyll" else (s.start_urls[0] if s.start_urls else "")
        state = f"last ok {_human_time(last_ok[s.name])}" if s.name in last_ok else "never crawled successfully"
        if not s.enabled:
            state += "; crawled only when named"
        click.echo(f"{_pad(s.name, name_w)}  {s.type:<8} {_pad(s.category, cat_w)}  {_pad(s.title, title_w)}  "
                   f"{where}  [{state}]")


def _open_readonly(db):
    from aggregator.archive import Archive

    if not os.path.exists(db):
        raise AggregatorError(f"archive {db} does not exist (run `aggregator crawl` first)")
    return Archive(db, readonly=True)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source on stdout")
def status(db, as_json):
    """Per-source health: last run, last success, recent articles, error rate, verdict.

    Verdicts: ok, degraded (extraction broke), failing (site not crawlable), silent
    (nothing new for 7 days or never crawled).

    \b
    Example:
        aggregator status --db archive.db --json
    """
    with _open_readonly(db) as archive:
        rows = archive.status()
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    if not rows:
        click.echo("no sources in this archive yet")
        return
    click.echo(f"{'source':<20} {'verdict':<11} {'last run':<22} {'last success':<22} {'24h':>5} {'7d':>5} {'errors':>7}")
    for r in rows:
        rate = r.get("error_rate")
        click.echo(
            f"{_pad(r['name'], 20)} {r['verdict']:<11} {_human_time(r.get('last_run')):<22} {_human_time(r.get('last_success')):<22} "
            f"{r.get('articles_24h', 0):>5} {r.get('articles_7d', 0):>5} {('-' if rate is None else f'{rate:.0%}'):>7}"
            + (f"  {r['reason']}" if r.get("reason") else "")
            + "".join(f"  {k}: {v}" for k, v in sorted((r.get("blocked") or {}).items()))
        )


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000), help="Number of results")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result on stdout")
def search(query, db, limit, as_json):
    """Full-text search of the archive, ranked; Chinese 1- and 2-character terms work.

    Simplified and traditional forms find the same articles (乡村振兴 / 鄉村振興).
    Times are Beijing time, offset shown (2022-02-22 07:30+08:00).

    \b
    Example:
        aggregator search 银川 --limit 5 --json
    """
    with _open_readonly(db) as archive:
        results = archive.search(query, limit=limit, markers=("", "") if as_json else ("【", "】"))
    for r in results:
        if as_json:
            keep = {k: r.get(k) for k in ("url", "title", "published", "category", "source", "snippet")}
            keep.update({k: v for k, v in r.items() if k not in keep and k not in ("body_text", "body_html")})
            click.echo(json.dumps(keep, ensure_ascii=False, default=str))
        else:
            click.echo(f"{_human_time(r.get('published'))}  {r.get('title')}  [{r.get('source') or ''}]")
            click.echo(f"    {r.get('url')}")
            if r.get("snippet"):
                click.echo(f"    {r['snippet']}")
    if not results and not as_json:
        click.echo("no results", err=True)


@cli.command(name="rebuild-index")
@db_option
def rebuild_index(db):
    """Rebuild the full-text index of an archive (old archives, rows edited by hand).

    \b
    Example:
        aggregator rebuild-index --db archive.db
    """
    from aggregator.archive import Archive

    if not os.path.exists(db):
        raise AggregatorError(f"archive {db} does not exist")
    with Archive(db) as archive:
        n = archive.rebuild_fts()
    click.echo(f"full-text index rebuilt ({n} articles)", err=True)


@cli.command()
@click.option("--dir", "directory", default="feeds", show_default=True, type=click.Path(file_okay=False),
              help="Folder to serve (the feeds)")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)")
@click.option("--quiet", "-q", is_flag=True, help="No request log")
def serve(directory, host, port, quiet):
    """Serve the feeds folder (content types, ETag/Last-Modified, 304, gzip; nothing outside it).

    \b
    Example:
        aggregator serve --dir feeds --port 8080
    """
    from aggregator.server import StaticSiteServer

    if not os.path.isdir(directory):
        raise AggregatorError(f"folder {directory} does not exist (run `aggregator export` first)")
    try:
        srv = StaticSiteServer(directory, host=host, port=port, verbose=not quiet, rewrite_opml=True)
        srv.start()
    except OSError as exc:
        raise AggregatorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"serving {os.path.abspath(directory)} at {srv.base_url}/ (Ctrl-C to stop)", err=True)
    try:
        srv.wait()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


@cli.command()
@click.option("--workdir", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo site, archive and feeds")
@click.option("--quiet", "-q", is_flag=True, help="Only the final summary")
def demo(workdir, quiet):
    """Serve the bundled demo site on 127.0.0.1, crawl it, write archive and feeds (offline).

    \b
    Example:
        aggregator demo --workdir /tmp/demo
    """
    from aggregator.demo.run import run_demo

    summary = run_demo(workdir, quiet=quiet)
    click.echo(summary.text)
    sys.exit(summary.exit_code)


@cli.command()
@db_option
@click.option("--idle-exit", type=click.FloatRange(0), default=None,
              help="Exit once no item arrived for this many seconds (default: run until stopped)")
@click.option("--batch-size", type=click.IntRange(1, 100000), default=None,
              help="Items per archive transaction  [default: AGGREGATOR_BATCH_SIZE, 200]")
@click.option("--redis-url", envvar="REDIS_URL", default=None, metavar="URL",
              help="Redis server the crawl workers push to  [env REDIS_URL]")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr unless something failed")
def ingest(db, idle_exit, batch_size, redis_url, quiet):
    """Scale-out: store the items crawl workers pushed to Redis in the archive (the one SQLite writer).

    \b
    Example (next to the archive; workers run `aggregator crawl` with the same REDIS_URL):
        REDIS_URL=redis://10.0.0.5:6379/0 aggregator ingest --db archive.db --idle-exit 60
    """
    import logging

    from aggregator.scaleout.ingest import ingest

    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    report = ingest(redis_url=redis_url, db=db, batch_size=batch_size, idle_exit=idle_exit)
    if not quiet:
        click.echo(report.line(), err=True)
    if report.dead:
        _fail(f"{report.dead} queued items could not be stored (kept in Redis list aggregator:items:dead)")


def _debug_requested(argv) -> bool:
    args = list(sys.argv[1:] if argv is None else argv)
    return any(a == "DEBUG" and i and args[i - 1] == "--log-level" for i, a in enumerate(args)) or \
        "--log-level=DEBUG" in args


def main(argv=None):
    """Console-script entry point: every failure a user can cause is one line and its exit code."""
    import sqlite3

    try:
        cli.main(args=argv, prog_name="aggregator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        # click prints usage + hint + error on three lines; one line, naming the help to read
        cmd = exc.ctx.command_path if exc.ctx is not None else "aggregator"
        _fail(f"{' '.join(exc.format_message().split())} (see `{cmd} --help`)", exc.exit_code)
    except click.ClickException as exc:
        _fail(" ".join(exc.format_message().split()), exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 1)
    except AggregatorError as exc:
        msg = " ".join(str(exc).split())
        _fail(msg, exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except (OSError, sqlite3.Error) as exc:
        # a read-only or full disk, a file in the way, a locked or unreadable archive
        if _debug_requested(argv):
            raise
        _fail(_os_error_line(exc))
    sys.exit(0)


def _os_error_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename
        return f"{exc.strerror}: {where}" if where else exc.strerror
    return " ".join(f"{type(exc).__name__}: {exc}".split())
