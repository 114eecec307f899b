"""The ``aggregator`` command line (click). Thin: parse, call the library, map exit codes.

Exit codes: 0 ok; 1 a run failed (one line per reason on stderr); 2 usage; 75 another
run holds the lock. Progress and summaries go to stderr, machine output to stdout.
"""

from __future__ import annotations

import json
import os
import sys

import click

from aggregator import __version__
from aggregator.errors import AggregatorError


def _fail(msg: str, code: int = 1):
    click.echo(f"aggregator: {msg}", err=True)
    sys.exit(code)


def sources_option(fn):
    """--sources PATH (default: the shipped spiders/sources.toml)."""
    return click.option("--sources", "sources", type=click.Path(dir_okay=False), default=None,
                        envvar="AGGREGATOR_SOURCES",
                        help="Sources TOML file  [default: spiders/sources.toml of the project]")(fn)


def db_option(fn):
    """--db PATH."""
    return click.option("--db", default="archive.db", show_default=True, envvar="AGGREGATOR_DB",
                        type=click.Path(dir_okay=False), help="SQLite archive file")(fn)


def export_options(fn):
    """Options shared by export and run."""
    fn = click.option("--out", default="feeds", show_default=True, type=click.Path(file_okay=False),
                      help="Folder for the feed files")(fn)
    fn = click.option("--base-url", default=None, envvar="AGGREGATOR_BASE_URL",
                      help="Public URL of the feeds folder (needed for self links)")(fn)
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

    rep = runner.export(db=db, out=out, base_url=base_url, limit=limit, days=days, jekyll=jekyll, sources=sources)
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

    \b
    Example (crontab):
        17 * * * *  cd /srv/news && .venv/bin/aggregator run --quiet --log-file crawl.log
    """
    from aggregator import runner

    report, exported = runner.run(names, sources=sources, db=db, out=out, base_url=base_url, limit=limit, days=days,
                                  quiet=quiet, log_file=log_file, log_level=log_level, refresh=refresh,
                                  overrides=_overrides(overrides), jekyll=jekyll)
    _print_report(report, quiet)
    if exported is None:
        click.echo("aggregator: interrupted: feeds not exported", err=True)
    elif not quiet:
        click.echo(f"exported {len(exported.feeds)} feeds to {out}: {exported.files_written} files written, "
                   f"{exported.files_unchanged} unchanged", err=True)
    sys.exit(report.exit_code)


@cli.command()
@sources_option
@click.option("--db", default="archive.db", show_default=True, envvar="AGGREGATOR_DB",
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
            for row in archive.db.execute(
                "select spider, max(finished_at) from crawl_runs where status = 'ok' group by spider"
            ).fetchall():
                last_ok[row[0]] = row[1]
    for s in srcs:
        rec = {"name": s.name, "title": s.title, "type": s.type, "category": s.category,
               "start_urls": list(s.start_urls), "path": s.path, "last_success": last_ok.get(s.name)}
        if as_json:
            click.echo(json.dumps(rec, ensure_ascii=False))
        else:
            where = s.path if s.type == "jekyll" else (s.start_urls[0] if s.start_urls else "")
            state = f"last ok {last_ok[s.name]}" if s.name in last_ok else "never crawled successfully"
            click.echo(f"{s.name:<24} {s.type:<8} {s.category:<24} {s.title}  {where}  [{state}]")


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
    click.echo(f"{'source':<20} {'verdict':<9} {'last run':<26} {'last success':<26} {'24h':>5} {'7d':>5} {'errors':>7}")
    for r in rows:
        rate = r.get("error_rate")
        click.echo(
            f"{r['name']:<20} {r['verdict']:<9} {str(r.get('last_run') or '-'):<26} {str(r.get('last_success') or '-'):<26} "
            f"{r.get('articles_24h', 0):>5} {r.get('articles_7d', 0):>5} {('-' if rate is None else f'{rate:.0%}'):>7}"
            + (f"  {r['reason']}" if r.get("reason") else "")
        )


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000), help="Number of results")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result on stdout")
def search(query, db, limit, as_json):
    """Full-text search of the archive, ranked; Chinese 1- and 2-character terms work.

    Simplified and traditional forms find the same articles (乡村振兴 / 鄉村振興).

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
            click.echo(f"{(r.get('published') or '')[:16]}  {r.get('title')}  [{r.get('source') or ''}]")
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
        srv = StaticSiteServer(directory, host=host, port=port, verbose=not quiet)
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

    from aggregator import scaleout

    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    report = scaleout.ingest(redis_url=redis_url, db=db, batch_size=batch_size, idle_exit=idle_exit)
    if not quiet:
        click.echo(report.line(), err=True)
    if report.dead:
        _fail(f"{report.dead} queued items could not be stored (kept in Redis list aggregator:items:dead)")


def main(argv=None):
    """Console-script entry point: maps AggregatorError to its exit code with one line."""
    try:
        cli.main(args=argv, prog_name="aggregator", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except AggregatorError as exc:
        msg = " ".join(str(exc).split())
        _fail(msg, exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    sys.exit(0)
