"""SourceSpiderLoader: every ``[[source]]`` of the sources file is a spider.

Scrapy's documented extension point (``SPIDER_LOADER_CLASS``). A class in ``spiders/``
whose ``name`` equals a source name specialises that source (rung 3 of the ladder in
docs/sources.md); every other source gets the generic spider of its ``type``. This is what makes
``scrapy list`` / ``scrapy crawl NAME`` and ``aggregator crawl NAME`` share one code path.
"""

from __future__ import annotations

import inspect
from importlib import import_module
from pkgutil import iter_modules

from aggregator.sources import load_sources


def spider_classes_by_name(modules: list[str]) -> dict[str, type]:
    """Spider classes with a ``name`` found in the given modules (and their submodules)."""
    from scrapy import Spider

    found: dict[str, type] = {}
    for modname in modules:
        mod = import_module(modname)
        mods = [mod]
        if hasattr(mod, "__path__"):
            for info in iter_modules(mod.__path__):
                mods.append(import_module(f"{modname}.{info.name}"))
        for m in mods:
            for obj in vars(m).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, Spider)
                    and obj.__module__ == m.__name__
                    and getattr(obj, "name", None)
                ):
                    found[obj.name] = obj
    return found


class SourceSpiderLoader:
    """Every [[source]] is a spider; a class in spiders/ with the same name specialises it.

    Implements Scrapy's ``SpiderLoaderProtocol`` (from_settings, load, list, find_by_request).
    """

    def __init__(self, settings):
        from spiders.generic import GENERIC_BY_TYPE

        coded = spider_classes_by_name(settings.getlist("SPIDER_MODULES"))
        self._classes: dict[str, type] = {}
        for src in load_sources(settings.get("AGGREGATOR_SOURCES")):
            base = coded.get(src.name) or GENERIC_BY_TYPE[src.type]
            self._classes[src.name] = base.for_source(src)
        # plain Scrapy spiders in spiders/ that are not sources (e.g. benchmarks) stay loadable
        for name, cls in coded.items():
            if name not in self._classes and not getattr(cls, "abstract", False) and getattr(cls, "source", None) is None and not name.startswith("_"):
                self._classes.setdefault(name, cls)

    @classmethod
    def from_settings(cls, settings):
        """Scrapy's constructor hook."""
        return cls(settings)

    def list(self) -> list[str]:
        """Names of every spider (= every source)."""
        return sorted(self._classes)

    def load(self, spider_name: str):
        """The spider class of a source name."""
        try:
            return self._classes[spider_name]
        except KeyError:
            raise KeyError(f"no source named {spider_name!r} (see `aggregator sources`)") from None

    def find_by_request(self, request) -> list[str]:
        """Names of spiders whose start URLs share the request's host."""
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname
        return [n for n, c in self._classes.items()
                if any(urlsplit(u).hostname == host for u in getattr(getattr(c, "source", None), "start_urls", ()) or ())]
