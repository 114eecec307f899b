"""Scrapy's Downloader with its per-host concurrency enforced (``DOWNLOADER``).

Why: in Scrapy 2.19 ``Downloader._process_queue`` hands queued requests to
``_schedule_coro(self._wait_for_download(...))`` while ``slot.free_transfer_slots() > 0``,
but the request only joins ``slot.transferring`` once that coroutine runs. Under the
asyncio reactor ``_schedule_coro`` is ``loop.create_task``, which runs the coroutine
later, so with no download delay the loop empties the whole slot queue at once: a host
with ``CONCURRENT_REQUESTS_PER_DOMAIN = 2`` saw 14 requests in flight
(tests/test_many_sources.py counts them in the test server). Here the request joins
``transferring`` before its task is created; ``_download`` adds it again (a set) and
removes it when the download ends, as before.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

__all__ = ["PoliteDownloader"]


class PoliteDownloader(Downloader):
    """Scrapy's Downloader where a slot never starts more downloads than its concurrency."""

    def _process_queue(self, slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)   # counted now, not when the task first runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break
