"""Where a crawl may go: URL schemes, host addresses and local folders (pure policy).

Whatever a crawled site links to ends up in public feeds, so a hostile site must not make
the crawler read the server's own files or reach its private network. This module holds
the rules; :mod:`aggregator.netguard` applies them where Scrapy downloads and resolves.

* **Schemes**: a web source requests ``http`` and ``https`` only; a ``jekyll`` source
  reads ``file:`` URLs, and only inside its own folder (symlinks and ``..`` resolved).
* **Addresses**: a host that is, or resolves to, a loopback, private, link-local (cloud
  metadata), multicast, unspecified or otherwise non-global address is refused, unless
  the source allows it: the hosts of its own ``start_urls`` are allowed, and its
  ``AGGREGATOR_ALLOWED_HOSTS`` setting lists more host names (``intranet.example``, or
  ``.corp.example`` for every name under it), addresses or networks (``10.1.0.0/16``).

Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from w3lib.url import file_uri_to_path

#: schemes a web source may request
WEB_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(host: str | None) -> IPAddress | None:
    """The address a host part spells literally (``10.0.0.1``, ``[::1]``), else None.

    Only the standard dotted and IPv6 forms; odd spellings (``2130706433``, ``0x7f.1``)
    are names to this function and are caught when they are resolved.
    """
    if not host:
        return None
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return ip


def is_public(ip: IPAddress | str) -> bool:
    """True for a globally routable unicast address; loopback, private, link-local,
    shared (CGNAT), reserved, unspecified and multicast addresses are not public."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address wrapped in IPv6 (::ffff:10.0.0.1, 6to4, NAT64 ::ffff:0:0/96) is
        # judged by the IPv4 address inside
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None:
            return is_public(inner)
        if ip in ipaddress.IPv6Network("64:ff9b::/96"):
            return is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return ip.is_global and not ip.is_multicast


def host_of(url: str) -> str:
    """Lower-case host name of a URL without brackets or port ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public hosts and networks one source may reach.

    ``hosts`` are exact host names or IP literals; a name starting with a dot allows every
    name under it. ``networks`` are address ranges. Public addresses are always allowed.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def build(cls, start_urls: Iterable[str] = (), allowed: Iterable[str] = ()) -> "AddressPolicy":
        """The policy of a source: its start URLs' hosts plus its allowed entries.

        Raises ValueError naming an entry that is neither a host name nor a network.
        """
        hosts = {h for h in (host_of(u) for u in start_urls) if h}
        networks = []
        for entry in allowed:
            entry = str(entry).strip().lower()
            if not entry:
                continue
            if "/" in entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError:
                    raise ValueError(f"AGGREGATOR_ALLOWED_HOSTS: {entry!r} is not a network") from None
                continue
            ip = parse_ip(entry)
            if ip is not None:
                networks.append(ipaddress.ip_network(ip))
                continue
            if not re.fullmatch(r"\.?[^\s/:@.]+(\.[^\s/:@.]+)*\.?", entry):
                raise ValueError(f"AGGREGATOR_ALLOWED_HOSTS: {entry!r} is not a host name or network")
            hosts.add(entry.rstrip("."))
        return cls(frozenset(h.lower() for h in hosts), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        """True when the host name itself is allowed (any address it resolves to)."""
        host = host.lower().rstrip(".").strip("[]")
        if host in self.hosts:
            return True
        return any(h.startswith(".") and (host.endswith(h) or host == h[1:]) for h in self.hosts)

    def address_allowed(self, host: str, ip: IPAddress | str) -> bool:
        """True when a request to ``host`` may connect to ``ip``."""
        if isinstance(ip, str):
            ip = ipaddress.ip_address(ip)
        if is_public(ip) or self.host_allowed(host):
            return True
        return any(ip.version == net.version and ip in net for net in self.networks)

    def merged(self, other: "AddressPolicy") -> "AddressPolicy":
        """The union of two policies (what any of several sources may reach)."""
        return AddressPolicy(self.hosts | other.hosts, self.networks + tuple(n for n in other.networks
                                                                            if n not in self.networks))


def scheme_allowed(url: str, source_type: str) -> bool:
    """True when a source of this type may request the URL's scheme at all."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    if source_type == "jekyll":
        return scheme == "file"
    return scheme in WEB_SCHEMES


def file_inside(url: str, folder: str | Path | None) -> bool:
    """True when a ``file:`` URL names a file inside ``folder`` once symlinks and ``..``
    are resolved on both sides."""
    if not folder:
        return False
    try:
        if urlsplit(url).scheme.lower() != "file":
            return False
        target = Path(file_uri_to_path(url)).resolve()
        root = Path(folder).resolve()
    except (ValueError, OSError):
        return False
    return target == root or root in target.parents
