"""The add-on: with ``REDIS_URL`` set, switch the project to the shared frontier."""

from __future__ import annotations

class ScaleOutAddon:
    """Scrapy add-on: with ``REDIS_URL`` set, swap in the shared scheduler, the Redis item
    pipeline, the :class:`ScaleOut` extension and :class:`SeedOnce`; otherwise do nothing.

    An add-on (not an ``if`` in the settings module) so that ``-s REDIS_URL=…`` switches too.
    """

    def update_settings(self, settings) -> None:
        """Apply the scale-out settings when ``REDIS_URL`` is set."""
        if not settings.get("REDIS_URL"):
            return
        from aggregator.pipelines import StorePipeline
        from aggregator.scaleout.frontier import ScaleOut, SeedOnce
        from aggregator.scaleout.items import RedisItemPipeline

        settings.set("SCHEDULER", "aggregator.scaleout.Scheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, RedisItemPipeline, 900)
        except KeyError:
            settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisItemPipeline, 900)
        settings.set_in_component_priority_dict("EXTENSIONS", ScaleOut, 100)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 50)
