"""The bundled demo site: invented Chinese regional news served from a local folder.

``build_site(dest, base_url)`` writes the whole site (four differently built sources,
136 articles, robots.txt, images) and returns a :class:`SiteInfo` with the truth the
tests compare extraction against; ``render_sources(base_url, dest)`` writes the matching
sources TOML. Serve the folder with :class:`aggregator.server.StaticSiteServer`.
"""

from aggregator.demo.model import DEFAULT_BASE_URL, DemoArticle, DemoSource, SiteInfo
from aggregator.demo.site import (
    build_site,
    render_sources,
    site_files,
    site_info,
    sources_toml,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DemoArticle",
    "DemoSource",
    "SiteInfo",
    "build_site",
    "render_sources",
    "site_files",
    "site_info",
    "sources_toml",
]
