"""Ready-made routes of :class:`aggregator.server.StaticSiteServer` for fault injection.

Each returns a handler for :meth:`StaticSiteServer.add_route`: a fixed status, a
redirect, a slow answer, raw bytes, or a connection reset. Used by the tests' fault
sites; no network access besides the server's socket.
"""

from __future__ import annotations

import socket
import struct
import time
from http import HTTPStatus
from typing import Mapping

from aggregator.server import Route, StaticRequestHandler



def status_route(status: int, body: bytes | str = b"", headers: Mapping[str, str] | None = None) -> Route:
    """A route answering ``status`` with ``body`` (default: the status phrase)."""

    def handler(req: StaticRequestHandler) -> None:
        req.respond(status, body or f"{status} {HTTPStatus(status).phrase}\n", headers=headers)

    return handler


def redirect_route(location: str, status: int = 302) -> Route:
    """A route redirecting to ``location`` (point two at each other for a loop)."""

    def handler(req: StaticRequestHandler) -> None:
        req.respond(status, f"see {location}\n", headers={"Location": location})

    return handler


def slow_route(seconds: float, body: bytes | str = b"slow\n", content_type: str = "text/plain; charset=utf-8") -> Route:
    """A route that waits ``seconds`` before answering 200 (for timeout tests)."""

    def handler(req: StaticRequestHandler) -> None:
        time.sleep(seconds)
        req.respond(200, body, content_type=content_type)

    return handler


def bytes_route(body: bytes, content_type: str | None = "text/html", headers: Mapping[str, str] | None = None) -> Route:
    """A route answering 200 with exactly these bytes and headers (e.g. no charset at all)."""

    def handler(req: StaticRequestHandler) -> None:
        req.respond(200, body, content_type=content_type, headers=headers)

    return handler


def reset_route() -> Route:
    """A route that resets the TCP connection without answering (status 0 in the log)."""

    def handler(req: StaticRequestHandler) -> None:
        sock = req.connection
        try:
            # SO_LINGER with a zero timeout turns close() into a RST
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass
        req.close_connection = True

    return handler


__all__ = ["bytes_route", "redirect_route", "reset_route", "slow_route", "status_route"]
