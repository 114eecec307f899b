"""A small static HTTP server for the demo site, ``aggregator serve`` and the tests.

Owns :class:`StaticSiteServer`: a ``ThreadingHTTPServer`` in a daemon thread that serves
the files under one folder and nothing else. It is the one server behind
``aggregator demo`` (the bundled demo site), ``aggregator serve`` (the feeds folder) and
the end-to-end tests, so it behaves like a well-configured web server:

* paths are decoded and normalised; anything that would leave the root (``..``
  segments, encoded ``%2e%2e``, back-slashes, symlinks pointing outside) is refused;
* no directory listings: a folder serves its ``index.html`` or 404;
* content types suitable for feeds (RSS, Atom, JSON Feed, OPML); ``.html`` is sent as
  ``text/html`` *without* a charset, because the demo pages declare their own encoding
  (some are GB18030);
* a file ``X.headers`` next to ``X`` adds (or overrides) response headers for ``X``, one
  ``Name: value`` per line, e.g. a deliberately wrong ``Content-Type`` charset;
* strong ``ETag`` and ``Last-Modified`` on every file, ``304`` for ``If-None-Match`` /
  ``If-Modified-Since``, gzip when the client accepts it, ``HEAD``;
* ``routes`` map a path (exact string, or compiled regex matched in full) to a callable
  that writes its own response: how the tests inject 500s, slow answers, resets and
  redirect loops (see :func:`status_route` and friends);
* every request is logged in memory (:attr:`StaticSiteServer.requests`) and nothing is
  written to stderr unless ``verbose=True``.

No network access besides the socket it binds; no Scrapy.
"""

from __future__ import annotations

import email.utils
import gzip as gzip_module
import hashlib
import mimetypes
import os
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Mapping, NamedTuple, Pattern, Union
from urllib.parse import quote, unquote, urlsplit

from aggregator import __version__

#: Content types by file suffix (lower-case, with the dot). ``.html`` deliberately has no
#: charset: pages declare their own (the demo portal is GB18030). ``.json`` is plain JSON
#: unless the file is a JSON Feed (see :data:`JSON_FEED_TYPE`).
DEFAULT_CONTENT_TYPES: Mapping[str, str] = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}

#: Type of ``.json`` files that are JSON Feeds: any ``.json`` below a folder named
#: ``feeds`` (or when the served root itself is named ``feeds``), or whose first bytes
#: carry the ``jsonfeed.org/version`` marker.
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"

#: Suffix of the side-car files holding extra response headers; they are never served.
HEADERS_SUFFIX = ".headers"

# Types worth compressing; images are already compressed.
_COMPRESSIBLE = re.compile(r"^(text/|application/(.*\+)?(json|xml)|image/svg\+xml|text/javascript)")
# Minimum body size for gzip: below this the gzip header costs more than it saves.
_GZIP_MIN_BYTES = 64

Route = Callable[["StaticRequestHandler"], None]
RoutePattern = Union[str, Pattern[str]]


class RequestRecord(NamedTuple):
    """One logged request: ``(method, path, status)`` plus its request headers.

    ``path`` is the raw request target (with query string); ``status`` is the status
    code sent, or 0 when a route closed the connection without answering.
    """

    method: str
    path: str
    status: int
    headers: dict


@dataclass
class _FileInfo:
    path: Path
    data: bytes
    mtime: float
    etag_hash: str
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for a route that sleeps (slow-response tests).
    block_on_close = False
    allow_reuse_address = True
    # the default backlog of 5 drops SYNs under a concurrent crawl (a 1 s retry each)
    request_queue_size = 128

    owner: "StaticSiteServer"

    def handle_error(self, request, client_address):  # noqa: D401 - socketserver hook
        """Keep handler errors in ``owner.errors``; print them only when verbose."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away (or a route reset the connection): not our bug
        self.owner._record_error(exc)
        if self.owner.verbose:
            super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class StaticRequestHandler(BaseHTTPRequestHandler):
    """Request handler of :class:`StaticSiteServer` (route callables receive it).

    Useful attributes for routes: ``command``, ``path`` (raw target), ``headers``,
    ``wfile``, ``rfile``, ``site`` (the owning :class:`StaticSiteServer`), and the
    helper :meth:`respond`.
    """

    server_version = f"aggregator-static/{__version__}"
    sys_version = ""
    protocol_version = "HTTP/1.0"

    site: "StaticSiteServer"

    # -- plumbing -------------------------------------------------------------------
    def setup(self) -> None:
        """Bind the owning server; remember the status for the request log."""
        super().setup()
        self.site = self.server.owner  # type: ignore[attr-defined]
        self._status = None

    def finish(self) -> None:
        """Flush quietly: a route may have reset the connection already."""
        try:
            super().finish()
        except OSError:
            pass

    def handle_one_request(self) -> None:
        """Handle one request and log it even if a route never answered."""
        self._status = None
        self._logged = False
        try:
            super().handle_one_request()
        finally:
            if getattr(self, "command", None) and not self._logged and self.requestline:
                self._log(0)

    def _log(self, status: int) -> None:
        self._logged = True
        self.site._record(
            RequestRecord(self.command or "", self.path, status, dict(self.headers.items()) if self.headers else {})
        )

    def send_response(self, code, message=None) -> None:
        """Send the status line; the first status of a request goes to the request log.

        Logging here, before the body is written, means a client that has read the
        response always finds its request in :attr:`StaticSiteServer.requests`.
        """
        if not getattr(self, "_logged", True) and getattr(self, "command", None):
            self._log(int(code))
        super().send_response(code, message)

    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        """Quiet unless the server is verbose."""
        if self.site.verbose:
            super().log_message(format, *args)

    # -- helpers for routes ------------------------------------------------------------
    def respond(
        self,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str | None = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
    ) -> None:
        """Write a complete response (status, headers, ``Content-Length``, body).

        ``str`` bodies are sent as UTF-8. No body is written for ``HEAD``, 1xx, 204
        and 304.
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        items = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
        names = {k.lower() for k, _ in items}
        if content_type and "content-type" not in names and status not in (204, 304):
            self.send_header("Content-Type", content_type)
        for k, v in items:
            self.send_header(k, v)
        bodyless = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        if "content-length" not in names and status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not bodyless and body:
            self.wfile.write(body)

    def _error(self, status: int, extra: Mapping[str, str] | None = None) -> None:
        phrase = HTTPStatus(status).phrase
        self.respond(status, f"{status} {phrase}\n", headers=extra)

    # -- methods -------------------------------------------------------------------------
    def do_GET(self) -> None:
        """Serve a route or a file."""
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        """Like GET, without the body."""
        self._dispatch(head=True)

    def _other_method(self) -> None:
        route = self.site._find_route(self.path)
        if route is not None:
            route(self)
            return
        self._error(405, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other_method

    def _dispatch(self, head: bool) -> None:
        route = self.site._find_route(self.path)
        if route is not None:
            route(self)
            return
        self._serve_file()

    # -- static files --------------------------------------------------------------------
    def _serve_file(self) -> None:
        site = self.site
        target = self.path
        if target.startswith(("http://", "https://")):
            # absolute-form request target (a proxy-style client): keep only the path
            parts = urlsplit(target)
            target = parts.path or "/"
            query = parts.query
        else:
            target, _, query = target.partition("?")
        target = target.split("#", 1)[0]
        resolved = site.resolve(target)
        if isinstance(resolved, int):
            self._error(resolved)
            return
        if resolved.is_dir():
            if not target.endswith("/"):
                # like any web server: a folder URL gets its slash, so relative links work
                loc = quote(target, safe="/%") + "/" + (f"?{query}" if query else "")
                self.respond(301, f"moved to {loc}\n", headers={"Location": loc})
                return
            index = resolved / "index.html"
            if not index.is_file() or isinstance(site.resolve(target + "index.html"), int):
                self._error(404)
                return
            resolved = index
        try:
            info = site._file_info(resolved)
        except OSError:
            self._error(404)
            return
        self._send_file(info)

    def _send_file(self, info: _FileInfo) -> None:
        site = self.site
        if site.rewrite_opml and info.path.suffix.lower() == ".opml":
            info = self._own_address_opml(info)
        ctype = site.content_type_for(info.path, info.data)
        extra = list(info.extra_headers)
        if any(k.lower() == "content-type" for k, _ in extra):
            ctype = next(v for k, v in reversed(extra) if k.lower() == "content-type")
            extra = [(k, v) for k, v in extra if k.lower() != "content-type"]
        compressible = site.gzip and bool(_COMPRESSIBLE.match(ctype)) and len(info.data) >= _GZIP_MIN_BYTES
        use_gzip = compressible and _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        # Strong validators differ per representation (RFC 9110 8.8.3): the gzip body
        # gets its own ETag; If-None-Match compares weakly, so either tag gives a 304.
        etag = f'"{info.etag_hash}-gz"' if use_gzip else f'"{info.etag_hash}"'
        last_modified = email.utils.formatdate(int(info.mtime), usegmt=True)
        common = [("ETag", etag), ("Last-Modified", last_modified)]
        if compressible:
            common.append(("Vary", "Accept-Encoding"))
        if self._not_modified(info):
            self.respond(304, b"", content_type=None, headers=common + extra)
            return
        body = gzip_module.compress(info.data, mtime=0) if use_gzip else info.data
        headers = [("Content-Type", ctype)] + common
        if use_gzip:
            headers.append(("Content-Encoding", "gzip"))
        self.respond(200, body, content_type=None, headers=headers + extra)

    def _own_address_opml(self, info: _FileInfo) -> _FileInfo:
        """An OPML file written without a base URL, its feed URLs moved to this server."""
        from aggregator.export.opml import rewrite_opml

        site = self.site
        host = self.headers.get("Host", "")
        own = f"http://{host}" if re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", host) else site.base_url
        rel = info.path.relative_to(site.root).as_posix()
        data = rewrite_opml(info.data, own_base=own + "/", opml_url=f"{own}/{quote(rel)}",
                            local_base=site.root.as_uri() + "/")
        if data is info.data:
            return info
        return _FileInfo(info.path, data, info.mtime, hashlib.sha256(data).hexdigest()[:32], info.extra_headers)

    def _not_modified(self, info: _FileInfo) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            # RFC 9110 13.1.2: weak comparison; If-Modified-Since is then ignored
            if inm.strip() == "*":
                return True
            for tag in re.findall(r'(?:W/)?"([^"]*)"', inm):
                if tag.removesuffix("-gz") == info.etag_hash:
                    return True
            return False
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if since is None or since.tzinfo is None:
                return False
            return int(info.mtime) <= since.timestamp()
        return False


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        m = re.search(r"q\s*=\s*([0-9.]+)", params)
        try:
            if m and float(m.group(1)) == 0:
                continue
        except ValueError:
            continue
        return True
    return False


class StaticSiteServer:
    """Serve the files under ``root`` over HTTP from a daemon thread.

    Use it as a context manager, or call :meth:`start` / :meth:`stop`::

        with StaticSiteServer("tests/fixtures/sites/portal") as srv:
            urlopen(srv.url("/news/index.html"))
            assert ("GET", "/news/index.html", 200) in srv.requests

    Args:
        root: the folder to serve; nothing outside it is ever read.
        host: interface to bind (``127.0.0.1``; ``::1`` binds IPv6).
        port: TCP port; 0 picks a free one (read it back from :attr:`port`).
        routes: ``{path or compiled regex: handler}``; a handler gets the
            :class:`StaticRequestHandler` and writes its own response. Exact strings are
            compared with the raw target first, then with the path without query; regexes
            must match the path (without query) in full. Routes win over files and answer
            every method.
        gzip: gzip text bodies for clients sending ``Accept-Encoding: gzip``.
        content_types: suffix -> Content-Type overrides merged over
            :data:`DEFAULT_CONTENT_TYPES`.
        verbose: log requests and handler errors to stderr.
        rewrite_opml: answer ``.opml`` files whose feed URLs point at the served folder
            (``file://``, written without a base URL) or are relative with this server's
            own address (``aggregator serve``).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        host: str = "127.0.0.1",
        port: int = 0,
        routes: Mapping[RoutePattern, Route] | None = None,
        gzip: bool = True,
        content_types: Mapping[str, str] | None = None,
        verbose: bool = False,
        rewrite_opml: bool = False,
    ) -> None:
        self.root = Path(root).resolve()
        self.rewrite_opml = rewrite_opml
        self.host = host
        self._port = port
        self.gzip = gzip
        self.verbose = verbose
        self.content_types = {**DEFAULT_CONTENT_TYPES, **{k.lower(): v for k, v in (content_types or {}).items()}}
        # an explicit ".json" type switches off the JSON Feed detection
        self._json_type_given = any(k.lower() == ".json" for k in (content_types or {}))
        self._routes: dict[RoutePattern, Route] = dict(routes or {})
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._errors: list[BaseException] = []
        self._httpd: _Server | None = None
        self._bound_port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "StaticSiteServer":
        """Bind the socket and start serving in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root}: not a folder")
        cls = _Server6 if ":" in self.host else _Server
        httpd = cls((self.host, self._port), StaticRequestHandler)
        httpd.owner = self
        self._httpd = httpd
        self._bound_port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"StaticSiteServer:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server is stopped (or ``timeout`` seconds pass); True when stopped.

        For ``aggregator serve``: ``with StaticSiteServer(d, port=8000, verbose=True) as s: s.wait()``
        (Ctrl-C raises KeyboardInterrupt in the waiting thread, and the ``with`` stops the server).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            thread = self._thread
            if thread is None or not thread.is_alive():
                return True
            step = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            thread.join(step)
            if deadline is not None and time.monotonic() >= deadline:
                return not thread.is_alive()

    def __enter__(self) -> "StaticSiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._httpd is not None

    # -- addresses -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0; kept after stop)."""
        if self._bound_port is None:
            raise RuntimeError("StaticSiteServer is not started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` without a trailing slash (wildcard hosts read as loopback)."""
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server (non-ASCII characters percent-encoded)."""
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + quote(path, safe="/%?=&#:;@+,!$'()*~")

    # -- request log ---------------------------------------------------------------------
    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._log.append(rec)

    def _record_error(self, exc: BaseException | None) -> None:
        if exc is not None:
            with self._lock:
                self._errors.append(exc)

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Snapshot of the request log as ``(method, path, status)`` tuples, oldest first."""
        with self._lock:
            return [(r.method, r.path, r.status) for r in self._log]

    @property
    def records(self) -> list[RequestRecord]:
        """Snapshot of the request log with request headers (:class:`RequestRecord`)."""
        with self._lock:
            return list(self._log)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by route handlers or the file code (empty when all is well)."""
        with self._lock:
            return list(self._errors)

    def clear_log(self) -> None:
        """Forget every logged request and error."""
        with self._lock:
            self._log.clear()
            self._errors.clear()

    # -- routes --------------------------------------------------------------------------
    def add_route(self, pattern: RoutePattern, handler: Route) -> None:
        """Add or replace a route while running (same matching rules as ``routes``)."""
        with self._lock:
            routes = dict(self._routes)
            routes[pattern] = handler
            self._routes = routes

    def remove_route(self, pattern: RoutePattern) -> None:
        """Remove a route (no error when absent)."""
        with self._lock:
            routes = dict(self._routes)
            routes.pop(pattern, None)
            self._routes = routes

    def _find_route(self, target: str) -> Route | None:
        routes = self._routes  # replaced, never mutated: safe to read without the lock
        if not routes:
            return None
        if target in routes and isinstance(target, str):
            return routes[target]
        path = target.split("?", 1)[0]
        if path in routes:
            return routes[path]
        for pattern, handler in routes.items():
            if not isinstance(pattern, str) and pattern.fullmatch(path):
                return handler
        return None

    # -- files ---------------------------------------------------------------------------
    def resolve(self, url_path: str) -> Path | int:
        """The file or folder under root that ``url_path`` names, or an HTTP status.

        Returns 403 for targets that try to leave the root (``..`` above it, encoded
        or not; symlinks pointing outside; back-slashes; NUL), 404 for missing files and
        for the ``*.headers`` side-cars.
        """
        try:
            decoded = unquote(url_path, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return 404
        if "\x00" in decoded or "\\" in decoded:
            return 403
        parts: list[str] = []
        for seg in decoded.split("/"):
            if seg in ("", "."):
                continue  # '//etc/passwd' is '/etc/passwd' under root, not the system file
            if seg == "..":
                if not parts:
                    return 403
                parts.pop()
                continue
            if ":" in seg and re.match(r"^[A-Za-z]:", seg):
                return 403  # a drive letter
            parts.append(seg)
        candidate = self.root.joinpath(*parts) if parts else self.root
        if candidate.name.endswith(HEADERS_SUFFIX):
            return 404
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return 404
        if real != self.root and self.root not in real.parents:
            return 403
        if not (real.is_file() or real.is_dir()):
            return 404
        return candidate

    def content_type_for(self, path: Path, data: bytes = b"") -> str:
        """Content-Type for a served file (see :data:`DEFAULT_CONTENT_TYPES`)."""
        name = path.name.lower()
        if name == "robots.txt":
            return "text/plain; charset=utf-8"
        suffix = path.suffix.lower()
        if suffix == ".json" and not self._json_type_given:
            rel_parts = path.parent.relative_to(self.root).parts if path.is_relative_to(self.root) else ()
            if "feeds" in rel_parts or self.root.name == "feeds" or b"jsonfeed.org/version" in data[:512]:
                return JSON_FEED_TYPE
        if suffix in self.content_types:
            return self.content_types[suffix]
        guessed, _ = mimetypes.guess_type(name)
        return guessed or "application/octet-stream"

    def _file_info(self, path: Path) -> _FileInfo:
        data = path.read_bytes()
        st = path.stat()
        extra: list[tuple[str, str]] = []
        side = path.with_name(path.name + HEADERS_SUFFIX)
        if side.is_file():
            for line in side.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#") or ":" not in line:
                    continue
                k, _, v = line.partition(":")
                extra.append((k.strip(), v.strip()))
        return _FileInfo(path, data, st.st_mtime, hashlib.sha256(data).hexdigest()[:32], extra)


__all__ = ["DEFAULT_CONTENT_TYPES", "JSON_FEED_TYPE", "RequestRecord", "StaticRequestHandler", "StaticSiteServer"]
