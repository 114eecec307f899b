"""The Article item: the only thing spiders hand to pipelines (contract).

Every field has a default, as Scrapy's docs recommend for dataclass items. Values are
plain JSON types (strings, bools, lists) so an Article survives the trip through Redis
in scale-out mode unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Article fields that carry work done ahead, not data: never stored or serialised.
TRANSIENT_FIELDS = ("prepared_body", "prepared_text")


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value


@dataclass
class Article:
    """One article, as extracted and then normalised (contract: ``articles`` columns).

    Fields:
        url: canonical URL (tracking parameters and fragment removed by NormalizePipeline).
        title: headline without site-name suffix or doubled white space.
        published: ISO 8601 with offset; normalised to UTC by NormalizePipeline.
        published_guessed: True when the date came from the listing, the URL or the fetch time.
        published_from: where the date came from (``selector``, ``meta``, ``jsonld``,
            ``text``, ``script``, ``listing``, ``url``, ``fetched``, ``front_matter``, ``feed``, ``json``).
        source: publisher the article names (来源：…), else the source's title.
        author: reporter / author byline, never an editor.
        category: category slug; ``categories`` lists every category it was found in.
        category_name: display name of ``category`` (for the ``categories`` table).
        spider: name of the source definition that produced it.
        body_html: sanitised article HTML (allow-listed tags, absolute URLs).
        body_text: plain text of the body, paragraphs separated by ``\\n``.
        origin_url: the original article's URL when this page republishes it.
        fetched_at: when the page was fetched (ISO 8601 UTC).
        updated_at: when the stored row last changed (set by the archive).
        content_hash: hash of title + body text (set by NormalizePipeline).
        listing_published: date shown next to the link on the listing page, if any.
        pages: number of pages stitched into this article.
        aliases: other URLs that led to this page (redirect sources), kept in ``url_aliases``.
        sanitizer_version: version of the HTML sanitiser that made ``body_html``
            (``normalize.SANITIZER_VERSION``, set by ``normalize_article``); None = raw or unknown.

    Work done ahead (not stored, not serialised, never compared):
        prepared_body: ``normalize.CleanBody``, the body sanitised in an extraction process;
            ``normalize_article`` uses it only when made from exactly this ``body_html``.
        prepared_text: ``search.PreparedText`` of ``body_text`` (folded text, fingerprint,
            search columns); the archive uses it only while it matches ``body_text``.
    """

    url: str = ""
    title: str = ""
    published: str | None = None
    published_guessed: bool = False
    published_from: str | None = None
    source: str | None = None
    author: str | None = None
    category: str = ""
    categories: list[str] = field(default_factory=list)
    category_name: str | None = None
    spider: str = ""
    body_html: str = ""
    body_text: str = ""
    origin_url: str | None = None
    fetched_at: str | None = None
    updated_at: str | None = None
    content_hash: str | None = None
    listing_published: str | None = None
    pages: int = 1
    aliases: list[str] = field(default_factory=list)
    sanitizer_version: int | None = None
    prepared_body: Any = field(default=None, repr=False, compare=False)
    prepared_text: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        """Plain dict (JSON-serialisable) of the record's fields (not the work done ahead)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in TRANSIENT_FIELDS}

    @classmethod
    def from_dict(cls, data: dict) -> "Article":
        """Build from a dict, ignoring unknown keys (items from older workers)."""
        names = {f.name for f in fields(cls)} - set(TRANSIENT_FIELDS)
        return cls(**{k: v for k, v in data.items() if k in names})


#: The columns of the ``articles`` table that come from an Article.
ARTICLE_COLUMNS = (
    "url", "title", "published", "published_guessed", "published_from", "source", "author",
    "category", "spider", "body_html", "body_text", "origin_url", "fetched_at", "updated_at",
    "content_hash", "sanitizer_version",
)


@dataclass
class ArticleLink:
    """A known article seen again on a listing page of (possibly) another category.

    Spiders yield it instead of re-fetching the article (incremental crawling); the store
    pipeline links the article to the category (``article_categories``).
    """

    url: str = ""
    category: str = ""
    category_name: str | None = None
    spider: str = ""

    def to_dict(self) -> dict:
        """Plain dict (JSON-serialisable)."""
        return asdict(self)
