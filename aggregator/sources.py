"""Source definitions: TOML ``[[source]]`` tables -> frozen :class:`Source` objects.

Owns reading and validating sources files (contract, see docs/sources.md). Validation
happens up front: every problem is reported as one :class:`SourcesError` line naming the
file, the source and the field, before any request is made. Pure: no Scrapy engine.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.errors import SourcesError, UnknownSource
from aggregator.normalize import slugify
from aggregator.project import DEFAULT_TZ_NAME

#: The sources file shipped with the project (used when no --sources is given).
DEFAULT_SOURCES = Path(__file__).resolve().parent.parent / "spiders" / "sources.toml"

SOURCE_TYPES = ("listing", "feed", "sitemap", "json", "jekyll")
SELECTOR_FIELDS = ("title", "published", "body", "source", "author")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

_KNOWN_KEYS = {
    "name", "title", "type", "start_urls", "category", "article_url", "next_page",
    "max_pages", "encoding", "timezone", "selectors", "settings", "path", "site",
    "revisit_days", "allowed_domains", "json_items", "json_fields", "json_api", "enabled",
}
_FEED_KEYS = {"name", "title", "query", "categories", "sources", "include", "exclude", "limit", "days"}
_EXPORT_KEYS = {"base_url"}
_TOP_KEYS = {"source", "feed", "export", "include"}


def did_you_mean(word: str, choices, *, quote: str = "'") -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` (difflib), or ``""``."""
    close = difflib.get_close_matches(str(word), sorted(map(str, choices)), n=1, cutoff=0.6)
    return f" (did you mean {quote}{close[0]}{quote}?)" if close else ""


@dataclass(frozen=True)
class Source:
    """One ``[[source]]`` table: what to crawl and how (contract).

    Fields:
        name: unique lowercase slug; also the spider name and the ``articles.spider`` value.
        title: human name (e.g. 银川新闻网); the fallback ``source`` of its articles.
        type: ``listing`` (HTML list pages), ``feed`` (RSS/Atom), ``sitemap``, ``json``
            (list API) or ``jekyll`` (a folder of Jekyll ``_posts``).
        start_urls: first listing pages / feed / API URLs.
        category: category slug of its articles; default: pinyin slug of ``title``.
        category_name: display name of the category (the title when category is derived).
        article_url: optional regex; when set, only matching links are articles.
        next_page: optional CSS selector of the next-page link.
        max_pages: how many listing pages to follow per run (default 3).
        encoding: force a page encoding (gb2312/gbk are read as gb18030).
        timezone: zone of dates printed without offset (default Asia/Shanghai).
        selectors: per-field CSS or XPath (``title``, ``published``, ``body``, ``source``,
            ``author``); XPath when the value starts with ``/`` or ``(``.
        settings: Scrapy settings for this source's spider only.
        path: folder of ``_posts/*.md`` (``jekyll`` only).
        site: base URL of the Jekyll site for permalinks (``jekyll`` only).
        revisit_days: re-fetch known articles younger than this many days (default 0: never).
        json_items: dotted path to the list in a ``json`` API response (default: auto).
        json_fields: mapping of article field -> key in each JSON item.
        json_api: ``listing``: regex of the list API URLs named in a listing page's scripts
            (pages whose article list a script loads); default: found automatically when a
            listing page shows no article links.
        enabled: crawled by a run that names no sources (default true). Catalogue
            entries are ``enabled = false``: crawled only when named
            (``aggregator run NAME``).
        file: the sources file it came from (for error messages).
    """

    name: str
    title: str
    start_urls: tuple[str, ...] = ()
    type: str = "listing"
    category: str = ""
    category_name: str = ""
    article_url: str | None = None
    next_page: str | None = None
    max_pages: int = 3
    encoding: str | None = None
    timezone: str = DEFAULT_TZ_NAME
    selectors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    path: str | None = None
    site: str | None = None
    revisit_days: float = 0
    allowed_domains: tuple[str, ...] = ()
    json_items: str | None = None
    json_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    json_api: str | None = None
    enabled: bool = True
    file: str = ""

    @property
    def tz(self) -> ZoneInfo:
        """The source's time zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)

    def to_data(self) -> dict:
        """The source as plain JSON data: mappings become dicts and tuples lists (see :meth:`from_data`)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Mapping):
                v = {k: list(x) if isinstance(x, tuple) else x for k, x in v.items()}
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @classmethod
    def from_data(cls, data: Mapping) -> "Source":
        """The Source of :meth:`to_data` (unknown keys ignored)."""
        kw = {}
        for f in fields(cls):
            if f.name in data:
                v = data[f.name]
                if isinstance(v, Mapping):
                    v = MappingProxyType(dict(v))
                elif isinstance(v, list):
                    v = tuple(v)
                kw[f.name] = v
        return cls(**kw)

    def __reduce__(self):
        # picklable for the extraction processes (mappingproxy itself is not picklable)
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state = {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in state.items()}
        return _source_from_state, (state,)


def _source_from_state(state: dict) -> Source:
    """Unpickle a Source (see ``Source.__reduce__``)."""
    return Source(**{k: MappingProxyType(v) if isinstance(v, dict) else v for k, v in state.items()})


@dataclass(frozen=True)
class FeedDefinition:
    """One ``[[feed]]`` table: a custom feed over the archive (query and/or filters)."""

    name: str
    title: str
    query: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    limit: int | None = None
    days: float | None = None


def _err(path: Path, where: str, fieldname: str | None, msg: str) -> SourcesError:
    loc = f"{path}: {where}"
    if fieldname:
        loc += f": field {fieldname!r}"
    return SourcesError(f"{loc}: {msg}")


def read_toml(path: str | Path | None) -> tuple[Path, dict]:
    """Read a sources TOML file; an explicit path that does not exist is an error."""
    p = Path(path) if path else DEFAULT_SOURCES
    if not p.is_file():
        raise SourcesError(f"{p}: sources file not found")
    try:
        with p.open("rb") as fh:
            return p, tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{p}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{p}: not UTF-8: {exc}") from None


def _str_list(path, where, key, value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _err(path, where, key, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_selector(path, where, key, sel: str) -> None:
    from parsel import Selector  # parsel ships with Scrapy; pure, no engine

    probe = Selector(text="<html><body></body></html>")
    try:
        if sel.lstrip().startswith(("/", "(")):
            probe.xpath(sel)
        else:
            probe.css(sel)
    except Exception as exc:  # parsel raises several types for bad expressions
        raise _err(path, where, key, f"invalid selector {sel!r}: {exc}") from None


def _setting_type_problem(name: str, value: Any) -> str | None:
    """Why a per-source setting value has the wrong type for a known setting, or None.

    Known settings are Scrapy's defaults and ours; their default's type decides. Unknown
    names (settings of third-party extensions) pass unchecked.
    """
    from scrapy.settings import default_settings

    from aggregator import settings as ours

    if hasattr(ours, name):
        default = getattr(ours, name)
    elif hasattr(default_settings, name):
        default = getattr(default_settings, name)
    else:
        return None
    if default is None:
        return None
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        want = "true or false"
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        want = "a number"
    elif isinstance(default, str):
        ok = isinstance(value, str)
        want = "a string"
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, (list, str))
        want = "a list"
    elif isinstance(default, dict):
        ok = isinstance(value, dict)
        want = "a table"
    else:
        return None
    return None if ok else f"must be {want} (got {value!r})"


def parse_source(raw: dict, path: Path, index: int) -> Source:
    """Validate one ``[[source]]`` table and build a Source."""
    where = f"source #{index + 1}"
    if not isinstance(raw, dict):
        raise _err(path, where, None, "must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _err(path, where, "name", "required; a lowercase slug (a-z, 0-9, _), starting with a letter")
    where = f"source {name!r}"
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise _err(path, where, unknown[0], "unknown key" + did_you_mean(unknown[0], _KNOWN_KEYS))
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _err(path, where, "title", "required; a non-empty string")
    stype = raw.get("type", "listing")
    if stype not in SOURCE_TYPES:
        raise _err(path, where, "type", f"unknown type {stype!r} (one of {', '.join(SOURCE_TYPES)})")
    kw: dict[str, Any] = {"name": name, "title": title.strip(), "type": stype, "file": str(path)}
    if stype == "jekyll":
        p = raw.get("path")
        if not isinstance(p, str) or not p.strip():
            raise _err(path, where, "path", "required for type 'jekyll'")
        folder = (path.parent / p).resolve() if not Path(p).is_absolute() else Path(p)
        if not folder.is_dir():
            raise _err(path, where, "path", f"folder {str(folder)!r} does not exist")
        kw["path"] = str(folder)
        if "site" in raw:
            if not isinstance(raw["site"], str) or not re.match(r"^https?://", raw["site"]):
                raise _err(path, where, "site", "must be an http(s) URL")
            kw["site"] = raw["site"].rstrip("/")
        kw["start_urls"] = ()
    else:
        if "start_urls" not in raw:
            raise _err(path, where, "start_urls", f"required for type {stype!r}")
        urls = _str_list(path, where, "start_urls", raw["start_urls"])
        if not urls:
            raise _err(path, where, "start_urls", "must not be empty")
        for u in urls:
            if not re.match(r"^(https?|file)://", u):
                raise _err(path, where, "start_urls", f"not an absolute http(s) URL: {u!r}")
        kw["start_urls"] = urls
    cat = raw.get("category")
    if cat is not None:
        if not isinstance(cat, str) or not cat.strip():
            raise _err(path, where, "category", "must be a non-empty string")
        slug = slugify(cat)
        if not slug:
            raise _err(path, where, "category", f"cannot make a slug of {cat!r}")
        kw["category"] = slug
        kw["category_name"] = cat.strip() if slug != cat.strip() else title.strip()
    else:
        kw["category"] = slugify(title) or name
        kw["category_name"] = title.strip()
    for key in ("article_url", "json_api"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise _err(path, where, key, "must be a string (a regular expression)")
            try:
                re.compile(raw[key])
            except re.error as exc:
                raise _err(path, where, key, f"invalid regular expression: {exc}") from None
            kw[key] = raw[key]
    if "next_page" in raw:
        if not isinstance(raw["next_page"], str):
            raise _err(path, where, "next_page", "must be a string (a CSS or XPath selector)")
        _check_selector(path, where, "next_page", raw["next_page"])
        kw["next_page"] = raw["next_page"]
    if "max_pages" in raw:
        mp = raw["max_pages"]
        if not isinstance(mp, int) or isinstance(mp, bool) or mp < 1:
            raise _err(path, where, "max_pages", "must be a positive integer")
        kw["max_pages"] = mp
    if "revisit_days" in raw:
        rd = raw["revisit_days"]
        if not isinstance(rd, (int, float)) or isinstance(rd, bool) or rd < 0:
            raise _err(path, where, "revisit_days", "must be a number >= 0")
        kw["revisit_days"] = float(rd)
    if "encoding" in raw:
        import codecs

        enc = raw["encoding"]
        try:
            codecs.lookup(enc)
        except (LookupError, TypeError):
            raise _err(path, where, "encoding", f"unknown encoding {enc!r}") from None
        kw["encoding"] = enc
    if "timezone" in raw:
        try:
            ZoneInfo(raw["timezone"])
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise _err(path, where, "timezone", f"unknown time zone {raw['timezone']!r}") from None
        kw["timezone"] = raw["timezone"]
    if "selectors" in raw:
        sels = raw["selectors"]
        if not isinstance(sels, dict):
            raise _err(path, where, "selectors", "must be a table")
        for k, v in sels.items():
            if k not in SELECTOR_FIELDS:
                raise _err(path, where, f"selectors.{k}",
                           f"unknown field (one of {', '.join(SELECTOR_FIELDS)})" + did_you_mean(k, SELECTOR_FIELDS))
            if not isinstance(v, str) or not v.strip():
                raise _err(path, where, f"selectors.{k}", "must be a non-empty string")
            _check_selector(path, where, f"selectors.{k}", v)
        kw["selectors"] = MappingProxyType(dict(sels))
    if "settings" in raw:
        if not isinstance(raw["settings"], dict):
            raise _err(path, where, "settings", "must be a table of Scrapy settings")
        bad = [k for k in raw["settings"] if not re.match(r"^[A-Z][A-Z0-9_]*$", str(k))]
        if bad:
            raise _err(path, where, f"settings.{bad[0]}", "Scrapy setting names are UPPER_CASE")
        for k, v in raw["settings"].items():
            problem = _setting_type_problem(k, v)
            if problem:
                raise _err(path, where, f"settings.{k}", problem)
        kw["settings"] = MappingProxyType(dict(raw["settings"]))
    if "enabled" in raw:
        if not isinstance(raw["enabled"], bool):
            raise _err(path, where, "enabled", "must be true or false")
        kw["enabled"] = raw["enabled"]
    if "allowed_domains" in raw:
        kw["allowed_domains"] = _str_list(path, where, "allowed_domains", raw["allowed_domains"])
    if "json_items" in raw:
        if not isinstance(raw["json_items"], str):
            raise _err(path, where, "json_items", "must be a dotted path string")
        kw["json_items"] = raw["json_items"]
    if "json_fields" in raw:
        jf = raw["json_fields"]
        if not isinstance(jf, dict) or not all(isinstance(v, str) for v in jf.values()):
            raise _err(path, where, "json_fields", "must be a table of field = \"key\"")
        kw["json_fields"] = MappingProxyType(dict(jf))
    return Source(**kw)


def parse_feed(raw: dict, path: Path, index: int) -> FeedDefinition:
    """Validate one ``[[feed]]`` table (a custom feed over the archive)."""
    where = f"feed #{index + 1}"
    name = raw.get("name") if isinstance(raw, dict) else None
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _err(path, where, "name", "required; a lowercase slug (a-z, 0-9, _)")
    where = f"feed {name!r}"
    unknown = sorted(set(raw) - _FEED_KEYS)
    if unknown:
        raise _err(path, where, unknown[0], "unknown key" + did_you_mean(unknown[0], _FEED_KEYS))
    title = raw.get("title", name)
    if not isinstance(title, str) or not title.strip():
        raise _err(path, where, "title", "must be a non-empty string")
    kw: dict[str, Any] = {"name": name, "title": title.strip()}
    if "query" in raw:
        if not isinstance(raw["query"], str) or not raw["query"].strip():
            raise _err(path, where, "query", "must be a non-empty string")
        kw["query"] = raw["query"].strip()
    for key in ("categories", "sources", "include", "exclude"):
        if key in raw:
            kw[key] = _str_list(path, where, key, raw[key])
    for key in ("limit", "days"):
        if key in raw:
            v = raw[key]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                raise _err(path, where, key, "must be a positive number")
            kw[key] = int(v) if key == "limit" else float(v)
    if not any(k in kw for k in ("query", "categories", "sources", "include")):
        raise _err(path, where, "query", "a feed needs a query or at least one filter")
    return FeedDefinition(**kw)


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read and validate every ``[[source]]`` of a sources file (default: the shipped one).

    A top-level ``include = ["other.toml", …]`` (paths relative to the file) adds the
    sources of those files after the file's own, e.g. the shipped catalogue of the
    aggregation site's categories; names must stay unique across all of them.
    """
    p, data = read_toml(path)
    sources: list[Source] = []
    seen: dict[str, str] = {}
    _collect(p, data, sources, seen, stack=(p.resolve(),))
    # validate [[feed]] tables and [export] too, so a bad one fails before any request
    load_feeds(p, _data=data)
    _parse_export(p, data)
    return sources


def _collect(p: Path, data: dict, sources: list[Source], seen: dict[str, str], stack: tuple) -> None:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise SourcesError(f"{p}: unknown top-level key {unknown[0]!r}{did_you_mean(unknown[0], _TOP_KEYS)} "
                           "(expected [[source]] or [[feed]] tables, an [export] table or include)")
    raws = data.get("source", [])
    if not isinstance(raws, list):
        raise SourcesError(f"{p}: 'source' must be an array of tables ([[source]])")
    for i, raw in enumerate(raws):
        src = parse_source(raw, p, i)
        if src.name in seen:
            raise _err(p, f"source {src.name!r}", "name", f"duplicate name (also in {seen[src.name]})")
        seen[src.name] = f"{p} source #{i + 1}"
        sources.append(src)
    includes = data.get("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(x, str) and x.strip() for x in includes):
        raise SourcesError(f"{p}: 'include' must be a list of file names")
    for name in includes:
        target = (p.parent / name).resolve()
        if target in stack:
            raise SourcesError(f"{p}: include {name!r} includes itself")
        if not target.is_file():
            raise SourcesError(f"{p}: include {name!r}: file {target} not found")
        tp, tdata = read_toml(target)
        if "export" in tdata or "feed" in tdata:
            raise SourcesError(f"{tp}: an included file holds only [[source]] tables")
        _collect(tp, tdata, sources, seen, stack + (target,))


@dataclass(frozen=True)
class ExportSettings:
    """The ``[export]`` table of a sources file: settings of ``export``/``run`` set once.

    Fields:
        base_url: public URL of the feeds folder (what ``--base-url`` gives); the option
            and ``AGGREGATOR_BASE_URL`` win over it.
    """

    base_url: str | None = None


def _parse_export(p: Path, data: dict) -> ExportSettings:
    raw = data.get("export", {})
    if not isinstance(raw, dict):
        raise SourcesError(f"{p}: 'export' must be a table ([export])")
    unknown = sorted(set(raw) - _EXPORT_KEYS)
    if unknown:
        raise _err(p, "[export]", unknown[0], "unknown key" + did_you_mean(unknown[0], _EXPORT_KEYS))
    base = raw.get("base_url")
    if base is not None and (not isinstance(base, str) or not re.match(r"^https?://[^/\s]+", base.strip())):
        raise _err(p, "[export]", "base_url", f"must be an absolute http(s) URL, not {base!r}")
    return ExportSettings(base_url=base.strip() if base else None)


def load_export_settings(path: str | Path | None = None) -> ExportSettings:
    """The ``[export]`` settings of a sources file (defaults when it has none)."""
    p, data = read_toml(path)
    return _parse_export(p, data)


def load_feeds(path: str | Path | None = None, _data: dict | None = None) -> list[FeedDefinition]:
    """Read and validate every ``[[feed]]`` (custom feed) of a sources or feeds file."""
    if _data is None:
        p, data = read_toml(path)
    else:
        p, data = Path(path) if path else DEFAULT_SOURCES, _data
    raws = data.get("feed", [])
    if not isinstance(raws, list):
        raise SourcesError(f"{p}: 'feed' must be an array of tables ([[feed]])")
    feeds, seen = [], set()
    for i, raw in enumerate(raws):
        fd = parse_feed(raw, p, i)
        if fd.name in seen:
            raise _err(p, f"feed {fd.name!r}", "name", "duplicate name")
        seen.add(fd.name)
        feeds.append(fd)
    return feeds


def select_sources(sources: list[Source], names: tuple[str, ...] | list[str]) -> list[Source]:
    """The named sources in order (every enabled one when ``names`` is empty); unknown names are an error."""
    if not names:
        return [s for s in sources if s.enabled]
    by = {s.name: s for s in sources}
    missing = [n for n in names if n not in by]
    if missing:
        hint = did_you_mean(missing[0], by) or " (see `aggregator sources`)"
        raise UnknownSource(f"no source named {missing[0]!r}{hint}")
    return [by[n] for n in names]
