"""RobotsTxtMiddleware: Scrapy's robots.txt middleware without its start-up race.

Owns obeying robots.txt (``ROBOTSTXT_OBEY``). It replaces
``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware`` in
``DOWNLOADER_MIDDLEWARES`` and changes one thing: how requests that arrive while a host's
robots.txt is still downloading wait for it.

Why: in Scrapy 2.19 every such request awaits the *same* Deferred through
``maybe_deferred_to_future`` (``Deferred.asFuture``), and the callback ``asFuture`` adds
returns ``None``. The first waiter therefore receives the parser, every later waiter
receives ``None``, which the middleware reads as "no robots.txt": those requests are let
through even when robots.txt forbids them. It happens whenever a listing page links
several articles on a host not seen before (a CDN or another subdomain of the portal).
Here each waiter gets its own Deferred, fed by a pass-through callback on the shared one,
so all of them see the same parser. tests/test_faults.py shows the leak with Scrapy's
class and its absence with this one.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

__all__ = ["RobotsTxtMiddleware"]


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware where every request waiting for a robots.txt gets the parser."""

    async def robot_parser(self, request):
        """The host's robots.txt parser (None when it could not be fetched); waits for a
        download already under way instead of starting a second one."""
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if not isinstance(pending, Deferred):
            # first request for this host (starts the download), or the parser is known
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def relay(result):
            # hand the parser to this waiter and pass it on unchanged to the next one
            waiter.callback(result)
            return result

        pending.addBoth(relay)
        return await maybe_deferred_to_future(waiter)
