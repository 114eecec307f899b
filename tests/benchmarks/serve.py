"""A fast static server for the benchmark site on 127.0.0.1: nginx if installed, else Python.

``SiteServer(root)`` is a context manager. With ``/usr/sbin/nginx`` (Debian package
``nginx-light`` or ``nginx``; install it with ``apt-get install -y nginx-light``) it
starts nginx in the foreground as our child process with a temporary configuration (one
worker, keep-alive, sendfile, ETag, an access log we can count), listening on a free
port of 127.0.0.1: never as a system service. Without nginx it runs the project's
threaded :class:`aggregator.server.StaticSiteServer` in a child process. ``.kind`` says
which; ``.requests()`` counts requests served so far and ``.statuses()`` counts them by
HTTP status (nginx only, else None).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

NGINX_CONF = """\
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; text/plain txt; image/png png; image/jpeg jpg; }}
    default_type application/octet-stream;
    charset utf-8;
    access_log {tmp}/access.log;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    open_file_cache max=50000 inactive=60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        autoindex off;
    }}
}}
"""

PY_SERVER = """\
import sys, time
from aggregator.server import StaticSiteServer
srv = StaticSiteServer(sys.argv[1], host="127.0.0.1", port=int(sys.argv[2]))
srv.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def nginx_binary() -> str | None:
    """Path of the nginx executable, if one is installed."""
    for cand in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def free_port() -> int:
    """A TCP port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiteServer:
    """Serve ``root`` on 127.0.0.1 (see module doc). ``prefer="python"`` skips nginx."""

    def __init__(self, root: str | Path, prefer: str = "nginx"):
        self.root = Path(root).resolve()
        self.prefer = prefer
        self.proc: subprocess.Popen | None = None
        self.tmp: str | None = None
        self.port = 0
        self.kind = ""
        self.version = ""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SiteServer":
        """Start the server and wait until it answers."""
        self.tmp = tempfile.mkdtemp(prefix="bench-server-")
        os.chmod(self.tmp, 0o755)
        binary = nginx_binary() if self.prefer == "nginx" else None
        for attempt in range(5):
            self.port = free_port()
            if binary:
                conf = Path(self.tmp) / "nginx.conf"
                conf.write_text(NGINX_CONF.format(tmp=self.tmp, port=self.port, root=self.root))
                self.kind = "nginx"
                v = subprocess.run([binary, "-v"], capture_output=True, text=True)
                self.version = (v.stderr or v.stdout).strip().split("/")[-1]
                self.proc = subprocess.Popen([binary, "-p", self.tmp, "-c", str(conf), "-g", "daemon off;"],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            else:
                self.kind = "python (aggregator.server.StaticSiteServer, threaded)"
                self.version = sys.version.split()[0]
                self.proc = subprocess.Popen([sys.executable, "-c", PY_SERVER, str(self.root), str(self.port)],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             cwd=str(Path(__file__).resolve().parents[2]))
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"could not start the {self.kind} server")

    def _wait_ready(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.base_url + "/robots.txt", timeout=2) as r:
                    r.read()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def requests(self) -> int | None:
        """How many requests the server has logged so far (nginx), else None."""
        if self.kind != "nginx":
            return None
        log = Path(self.tmp) / "access.log"
        if not log.exists():
            return 0
        with log.open("rb") as fh:
            return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b""))

    def statuses(self) -> dict[int, int] | None:
        """Requests logged so far by HTTP status (nginx), else None."""
        if self.kind != "nginx":
            return None
        log = Path(self.tmp) / "access.log"
        out: dict[int, int] = {}
        if log.exists():
            for line in log.read_bytes().splitlines():
                try:
                    code = int(line.split(b'" ', 1)[1].split(b" ", 1)[0])
                except (IndexError, ValueError):
                    continue
                out[code] = out.get(code, 0) + 1
        return out

    def stop(self) -> None:
        """Stop the server process (the one we started) and remove its temp folder."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT if self.kind == "nginx" else signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> "SiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
