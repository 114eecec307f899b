"""Generic extraction for news pages: pure functions from a parsed page to field values.

Modules: ``encoding`` (which codec decodes the bytes), ``dates`` (date expressions ->
aware datetimes), ``article`` (title, date, source, author, body of an article page),
``links`` (article links and next page of a listing page), ``patterns`` (the heuristics
as data). Pure: no network, no Scrapy engine; inputs are parsel Selectors or
HtmlResponses the caller already parsed.
"""
