"""Bylines of pages outside the Chinese 作者/记者 conventions (used by article.py).

* ``By Jane Doe``, ``Par LILIAN ALEMAGNA, LAURE BRETTON``, ``Por Ángeles Escrivá``,
  ``Von Hans Müller`` (and ``Jane Doe and John Roe``): :func:`names_from_english_byline`;
* markup: ``rel=author`` links, ``itemprop=author`` (its ``itemprop=name`` or its text or
  ``content``), JSON-LD ``author`` (a name, a Person or a list of them), ``meta name=author``
  (:func:`markup_author`). Markup is read only where the page itself does not print a byline
  the text rules understand, and a value that is not a person-like name (a site name, a URL,
  an e-mail address) is ignored.

Several names are joined with a space (the labels' convention, like 张三 李四).
"""

from __future__ import annotations

import re

__all__ = ["PUBLICATION_LINE", "agency_source", "known_agency", "names_from_english_byline", "markup_author", "markup_han_names", "shows_name", "looks_like_name", "is_english_byline", "agency_from_byline",
           "closing_credit", "credit_names"]

_BY = re.compile(r"^\s*(?:written\s+|posted\s+|words\s+|text\s+|story\s+)?(?:by|par|por|von|di|door|av|af)\s*[:：]?\s+(?P<v>.+)$",
                 re.I)
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.\-À-ÿ]*|[A-Z]\.|(?:de|van|von|der|den|da|di|du|la|le|del|dos|bin|al|ibn|y)"
                         r")$")
_JOINERS = {"and", "&", "et", "y", "und", "e", "en", "og", "och", "i"}
_STOP = re.compile(r"[|—–:;()\[\]@/]|\s-\s|\d|https?|www\.", re.I)
# words of a role or a desk, not of a person's name (Staff Writers, Globe Correspondent)
_ROLE = re.compile(r"\b(?:staff|writers?|reporters?|correspondents?|editors?|contributors?|columnist|press|"
                   r"news|agency|desk|bureau|team|envoyés?|spécia\w*|enviad[oa]s?|redakteur\w*|"
                   r"department|council|ministry|committee|commission|university|police|government|office)\b", re.I)
_NOT_NAMES = re.compile(
    r"^(?:staff|staff writer|reporter|editor|correspondent|news|the|associated press|reuters|afp|ap|"
    r"admin|administrator|guest|anonymous|unknown|team|editorial|redaction|rédaction|redacción)$", re.I)


# first words of a job title printed after a name
_TITLE_WORDS = {"senior", "chief", "staff", "associate", "deputy", "managing", "executive", "contributing",
                "special", "correspondent", "editor", "reporter", "writer", "columnist", "contributor",
                "photographer", "producer", "director", "analyst"}


# capitalised words of a phrase, not of a name (By Car Or Train, By Sunday Morning)
_PHRASE_WORDS = {"the", "of", "or", "in", "on", "at", "to", "for", "with", "from", "this", "next", "last", "monday",
                 "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                 # widgets and credits run into the byline line (By Jane Roe Updated 3 hours ago, … Photos by …)
                 "updated", "published", "posted", "photos", "photo", "photography", "video", "follow", "share",
                 "email", "read", "more", "view", "comments"}


def _split_names(text: str) -> list[str]:
    text = _STOP.split(text, 1)[0]
    toks = re.findall(r"[^\s,]+|,", text)
    names: list[list[str]] = [[]]
    for tok in toks:
        low = tok.lower()
        if tok == "," or low in _JOINERS:
            if names[-1]:
                names.append([])
            continue
        if not _NAME_TOKEN.match(tok) or ((names[-1] or len(names) > 1) and low in _TITLE_WORDS) or low in _PHRASE_WORDS:
            break   # (Jane Doe Senior Washington Correspondent: a job title ends the names)
        cur = names[-1]
        if cur:
            # ALL-CAPS names stop at a word in another case (LAURE BRETTON Envoyés)
            if cur[0].isupper() and len(cur[0]) > 1 and not tok.isupper():
                break
            if len(cur) >= 4:
                break
        cur.append(tok)
    out = []
    for n in names:
        name = " ".join(n).strip(" .")
        if not name or _ROLE.search(name):
            break
        if not _NOT_NAMES.match(name):
            out.append(name)
    # a one-word "name" after a full one is a role or a desk (Globe Staff), not a person
    out = [n for k, n in enumerate(out) if " " in n or k == 0]
    return out


def is_english_byline(text: str) -> bool:
    """``text`` opens with By/Par/Por/Von … (a byline line, with or without a person)."""
    return bool(text and len(text) <= 120 and _BY.match(text))


def looks_like_name(v: str | None) -> bool:
    """A person-like name: 2-4 capitalised words (or 2-4 Han characters), no URL/e-mail."""
    if not v:
        return False
    v = v.strip()
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", v):
        return True
    if len(v) > 60 or _STOP.search(v) or "@" in v:
        return False
    toks = v.split()
    return 2 <= len(toks) <= 4 and all(_NAME_TOKEN.match(t) for t in toks) and not _NOT_NAMES.match(v)


def names_from_english_byline(text: str, bare: bool = False) -> str | None:
    """Names of a ``By …`` byline line (``bare``: the text may be the names alone)."""
    if not text or len(text) > 120:
        return None
    m = _BY.match(text)
    if m:
        v = m.group("v")
    elif bare:
        v = text
    else:
        return None
    names = _split_names(v)
    if not names or (not m and not all(looks_like_name(n) for n in names)):
        return None
    if m and not any(" " in n for n in names):
        return None   # "By Reuters", "by admin": no person
    return " ".join(names[:4])


def _jsonld_author(items) -> str | None:
    for d in items:
        a = d.get("author") if isinstance(d, dict) else None
        if a is None:
            continue
        people = a if isinstance(a, list) else [a]
        names = []
        for p in people:
            n = p.get("name") if isinstance(p, dict) else p
            if isinstance(n, list):
                n = n[0] if n else None
            if isinstance(n, str) and looks_like_name(n.strip()):
                names.append(n.strip())
        if names:
            return " ".join(names[:4])
    return None


def _is_author_markup(el) -> bool:
    """``itemprop=author`` or ``rel=author``."""
    return (el.get("itemprop") or "").lower() == "author" or "author" in (el.get("rel") or "").lower().split()


_HAN_NAME = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{1,3}$")


def markup_han_names(marked, jsonld, meta: dict) -> list[str]:
    """Chinese names (2-4 Han characters) the markup gives as the author: rel=author and
    itemprop=author elements, JSON-LD authors, author meta (``吳玫穎, 某某電子報`` gives 吳玫穎).
    Candidates only: on Chinese pages these are as often the editor or the account, so a
    caller takes one only when the page also shows it next to the headline."""
    raw: list[str] = []
    try:
        for el in marked:
            if _is_author_markup(el):
                raw.append(el.get("content") or " ".join(el.itertext()))
    except Exception:  # malformed trees: no signal
        pass
    for d in jsonld:
        a = d.get("author") if isinstance(d, dict) else None
        for p in a if isinstance(a, list) else [a] if a else []:
            n = p.get("name") if isinstance(p, dict) else p
            if isinstance(n, str):
                raw.append(n)
    for k in ("author", "article:author", "dc.creator"):
        if meta.get(k):
            raw.append(meta[k])
    out: list[str] = []
    for v in raw:
        for part in re.split(r"[\s,，、/／|]+", v or ""):
            if _HAN_NAME.match(part) and part not in out:
                out.append(part)
    return out


def markup_author(marked, jsonld, meta: dict, site_names=()) -> str | None:
    """The author named by the page's markup (rel=author, itemprop=author, JSON-LD, meta);
    ``marked``: the page's elements that carry itemprop/rel attributes, in document order."""
    cands: list[str] = []
    try:
        for el in marked:
            if not _is_author_markup(el):
                continue
            name_el = el.xpath(".//*[@itemprop='name']")
            if name_el:
                v = name_el[0].get("content") or " ".join(name_el[0].itertext())
            else:
                v = el.get("content") or " ".join(el.itertext())
            v = " ".join((v or "").split())
            if v:
                cands.append(v)
    except Exception:  # malformed trees: no signal
        pass
    for v in cands:
        n = names_from_english_byline(v, bare=True)
        if n:
            return n
    v = _jsonld_author(jsonld)
    if v:
        return v
    v = (meta.get("author") or meta.get("article:author") or meta.get("dc.creator")
         or meta.get("sailthru.author") or meta.get("parsely-author") or "").strip()
    if v and v not in site_names and looks_like_name(v):
        return v
    return None


# a news agency or syndication service credited in a byline (By Associated Press, By CP,
# By JANE DOE / McClatchy Newspapers): the publisher, not a person
_AGENCY = re.compile(
    r"^(?:[A-Z][\w.&'’-]*\s+){1,3}(?:Press|PRESS|Presse|Newspapers|News\s+Service|Wire\s+Services?)$|"
    r"^(?:AP|CP|AFP|UPI|PA|AAP|DPA|Reuters|REUTERS|Bloomberg)$")


def _agency(part: str) -> str | None:
    """The shortest run of final words of ``part`` naming an agency (TOM ROE ASSOCIATED PRESS ->
    ASSOCIATED PRESS), with a leading The kept."""
    words = part.split()
    for k in range(len(words) - 1, -1, -1):
        if _AGENCY.match(" ".join(words[k:])):
            k -= k > 0 and words[k - 1] in ("The", "THE")
            return " ".join(words[k:])
    return None


# News agencies by name: a line or credit element that is only one of these names the supplier
# (<div class="credit">ASSOCIATED PRESS</div>, a closing "Agence France-Presse", "Reuters/Partner").
_KNOWN_AGENCY = re.compile(
    r"^(?:The\s+)?(?:Associated\s+Press|Agence\s+France[- ]Presse|AFP|Reuters|Press\s+Trust\s+of\s+India|PTI|"
    r"RIA\s+Novosti|Xinhua(?:\s+News\s+Agency)?|Kyodo(?:\s+News)?|Yonhap(?:\s+News\s+Agency)?|Deutsche\s+Presse-Agentur|"
    r"dpa|EFE|ANSA|Canadian\s+Press|Australian\s+Associated\s+Press|AAP|Bloomberg(?:\s+News)?|"
    r"United\s+Press\s+International|UPI|Anadolu\s+Agency|Interfax|TASS|ITAR-TASS|Bernama|Antara|"
    r"Press\s+Association|PA\s+Media|Central\s+News\s+Agency)$", re.I)


def known_agency(text: str) -> str | None:
    """The agency a line names when it is only an agency's name, optionally with a partner after
    a slash (Reuters/Billboard -> Reuters), as printed."""
    t = " ".join((text or "").split()).strip(" .-—–")
    if not t or len(t) > 60:
        return None
    head = re.split(r"\s*/\s*", t)[0]
    return head if _KNOWN_AGENCY.match(head) else None


# A publication named on the line under a byline (By JANE ROE / Example Post-Gazette)
PUBLICATION_LINE = re.compile(
    r"^(?:The\s+)?(?:[A-Z][\w.&'’-]*\s+){0,4}(?:Gazette|Times|Post|News|Herald|Tribune|Journal|Press|Daily|Reporter|"
    r"Star|Sun|Chronicle|Review|Magazine|Wire|Telegraph|Guardian|Observer|Examiner|Courier|Standard|Record|"
    r"Bulletin|Dispatch|Inquirer|Mirror|Express|Independent)(?:-[A-Z][\w]*)?(?:\s+[A-Z][\w.&'’-]*){0,2}$")


def agency_from_byline(text: str) -> str | None:
    """The agency of a ``By …`` byline line, or of a line that is only an agency's name followed
    by a date (Associated Press / December 31, 2007)."""
    if not text or len(text) > 120:
        return None
    v = known_agency(text)
    if v:
        return v
    m = _BY.match(text)
    by = m or credit_names(text)   # By …, or Jane Roe, THE EXAMPLE PRESS
    parts = [p.strip() for p in re.split(r"\s*(?:[|/,;]|\s[-—–]\s)\s*", m.group("v") if m else text)]
    for k, part in enumerate(parts):
        v = _agency(part) if by else (part if _AGENCY.match(part) else None)
        if v and (by or k == 0 and len(parts) > 1 and re.search(r"\d", parts[-1])):
            return v
    return None


_SOURCE_LINE = re.compile(r"^\s*Source\s*:\s*(?P<v>[A-Z][\w&.'’/ -]{1,40}?)\s*\.?\s*$")
_COPYRIGHT_LINE = re.compile(
    r"^\s*[(（]?\s*(?:©|\(c\)|Copyright)\s*(?:©\s*)?\d{4}\s+(?P<courtesy>(?:by\s+)?Courtesy\s+of\s+|by\s+)?"
    r"(?P<v>[A-Z][\w&.'’ -]{1,40}?)\s*(?:[.,]\s*(?:All\s+rights\s+reserved.*)?)?[)）]?\s*$", re.I)


def closing_credit(text: str) -> str | None:
    """The supplier named by a credit line closing a story: ``Source: SBS``, ``© 2008 AFP``,
    ``Copyright 2008 Courtesy of The Example Network`` (a copyright line names a supplier only
    with Courtesy of, or when the name is a news agency's: otherwise it is the site's own)."""
    if not text or len(text) > 120:
        return None
    v = known_agency(text)
    if v:
        return v
    m = _SOURCE_LINE.match(text)
    if m:
        return m.group("v").strip()
    m = _COPYRIGHT_LINE.match(text)
    if m:
        v = m.group("v").strip()
        if (m.group("courtesy") or "").strip().lower().endswith("of") or _agency(v):
            return _agency(v) or v
    return None


_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|"
                    r"May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b(?:19|20)\d\d\b")


def credit_names(text: str) -> str | None:
    """The writers of a credit line without ``By``: names, then after a comma or a slash an
    agency, a job title or a date (Jane Roe, THE EXAMPLE PRESS; Jane Roe and John Doe / The
    Example Reporter / Jan. 10, 2008; JANE ROE, Deputy Business Editor)."""
    if not text or len(text) > 100 or _BY.match(text):
        return None
    parts = re.split(r"\s*(?:,|\s/\s|\s\|\s)\s*", text.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[1]:
        return None
    head, rest = parts
    words = rest.split()
    if not (_agency(rest.split(" / ")[0].strip()) or (" / " in rest and _MONTH.search(rest) and not _MONTH.match(rest))
            or (words and (words[0].lower() in _TITLE_WORDS or _ROLE.search(rest)) and len(words) <= 5)):
        return None
    names = _split_names(head)
    if not names or " ".join(names).replace(" ", "") != re.sub(r"\s+|\band\b|&", "", head).strip(". "):
        return None   # every word of the head must be part of a name
    if not all(looks_like_name(n) for n in names):
        return None
    return " ".join(names[:4])


_HAN = re.compile(r"[\u4e00-\u9fff]")


def shows_name(text: str, name: str) -> bool:
    """``text`` (a header line, spaces removed) shows ``name`` as a name of its own: the whole
    line, or next to a date, a label or punctuation, not inside a longer run of Han text."""
    k = text.find(name)
    if k < 0:
        return False
    before = text[k - 1] if k else ""
    after = text[k + len(name):k + len(name) + 1]
    return not (_HAN.match(before) and before not in "文记者作撰稿") and not (_HAN.match(after) and after not in "摄文报")


def agency_source(header: list[str], slots: list[str], tail: list[str], is_site) -> str | None:
    """The publisher of a story outside the Chinese conventions: a news agency credited in the
    byline (By Associated Press, By JANE DOE / McClatchy Newspapers, a credit element that is
    only an agency's name), a publication on the line under the byline (By JANE ROE / Example
    Post-Gazette; ``is_site(text)`` rejects the site's own name), or a closing credit (Source:
    SBS, © 2008 AFP). ``header``: lines around the headline and the first lines of the text;
    ``slots``: texts of byline elements; ``tail``: the last lines of the text and those after."""
    for t in header + slots:
        v = agency_from_byline(t)
        if v:
            return v
    for a, b in zip(header, header[1:]):
        if (names_from_english_byline(a) or names_from_english_byline(a, bare=True)) and PUBLICATION_LINE.match(b) \
                and not is_site(b):
            return b
    for t in tail:
        v = closing_credit(t)
        if v:
            return v
    return None
