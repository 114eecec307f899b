"""Article fields from a script-rendered page's inline state (``__NEXT_DATA__``,
``window.__NUXT__``, ``window.__INITIAL_STATE__`` and other JSON-ish literals).

Many portals ship an empty ``<div id="app">`` and put the article into a script: a JSON
``<script type="application/json">`` (Next.js), an assignment ``window.__X__ = {...}``
(Vue/Redux stores), or Nuxt's ``window.__NUXT__=(function(a,b){return {...}}(1,"x"))``.
Nothing is evaluated: object literals are read by a small JavaScript-literal parser that
knows strings, numbers, keywords, unquoted keys and trailing commas; identifiers in a
Nuxt function body are looked up among the function's parameters, bound to the call's
literal arguments. Any other expression becomes None.

In every literal found, the article is the object with a title-like key and the longest
content-like value (a string of HTML or text, a list of paragraph strings, or a list of
blocks with text); its date, source and author come from the same object. The body HTML
is returned unsanitised, like every body from :mod:`aggregator.extract.article`: the
pipeline sanitises it.

Pure: no network, no Scrapy engine.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from lxml import html as lxml_html

#: scripts larger than this are not read (a state of several MB is a whole site dump)
MAX_SCRIPT_CHARS = 4 * 1024 * 1024
#: at most this many literals are parsed per page
MAX_LITERALS = 40
#: shortest body text accepted from a state object
MIN_BODY_CHARS = 8

# key names, compared lower-case without "_" / "-": what each field is called in the
# stores of news CMSs and front-end frameworks
TITLE_KEYS = ("title", "headline", "articletitle", "newstitle", "doctitle", "subject", "maintitle")
BODY_KEYS = ("content", "contenthtml", "body", "bodyhtml", "articlebody", "articlecontent", "newscontent",
             "html", "detail", "text", "txt", "doccontent", "maintext", "paragraphs", "richtext")
DATE_KEYS = ("publishtime", "pubtime", "publishdate", "pubdate", "published", "publishedat", "datepublished",
             "releasetime", "releasedate", "createtime", "createdat", "ctime", "date", "time", "datetime",
             "updatetime", "updatedat")
SOURCE_KEYS = ("source", "sourcename", "media", "medianame", "origin", "copyfrom", "from", "publisher")
AUTHOR_KEYS = ("author", "authorname", "writer", "reporter")
#: text-bearing keys of one block in a list of content blocks
BLOCK_TEXT_KEYS = ("text", "content", "html", "value", "paragraph")

# starts only at an identifier's first character, so a long word costs linear time
_ASSIGN = re.compile(r"(?<![\w$])(?:window\s*(?:\.\s*|\[\s*['\"]))?"
                     r"(__[A-Za-z][\w$]*?__|[A-Za-z_$][\w$]*?(?:State|STATE|Data|DATA))(?![\w$])"
                     r"['\"]?\s*\]?\s*=(?!=)\s*")
_NUXT_FN = re.compile(r"\(?\s*function\s*\(([\w$,\s]*)\)\s*\{")


def _norm_key(key: str) -> str:
    return re.sub(r"[_\-\s]", "", key).lower()


# --- a JavaScript literal reader (evaluates nothing) -------------------------------------


class _Unreadable(ValueError):
    """Text that is not a literal this reader understands."""


class _Fatal(_Unreadable):
    """The literal cannot be finished (too deep, or the text ends): give up at once
    instead of skipping and retrying at every level above."""


_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_SPECIAL = re.compile(r"[\"'`()\[\]{},]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class _Reader:
    """Recursive-descent reader of one JavaScript object/array literal."""

    def __init__(self, text: str, env: dict[str, Any] | None = None, max_depth: int = 200):
        self.s = text
        self.i = 0
        self.env = env or {}
        self.max_depth = max_depth

    def ws(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n\u2028\u2029\ufeff":
                self.i += 1
            elif s.startswith("//", self.i):
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            elif s.startswith("/*", self.i):
                j = s.find("*/", self.i + 2)
                self.i = n if j < 0 else j + 2
            else:
                break

    def peek(self) -> str:
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def value(self, depth: int = 0) -> Any:
        if depth > self.max_depth:
            raise _Fatal("too deep")
        c = self.peek()
        if c == "{":
            return self.obj(depth)
        if c == "[":
            return self.arr(depth)
        if c in "\"'`":
            return self.string()
        m = _NUMBER.match(self.s, self.i)
        if m and c in "-.0123456789":
            self.i = m.end()
            t = m.group()
            try:
                return int(t, 16) if t.lower().lstrip("-").startswith("0x") else (float(t) if any(x in t for x in ".eE") else int(t))
            except ValueError:
                return None
        if c == "!":   # minifiers write true/false as !0 / !1
            self.i += 1
            v = self.value(depth + 1)
            return not v
        m = _IDENT.match(self.s, self.i)
        if m:
            word = m.group()
            self.i = m.end()
            if word == "void":
                self.value(depth + 1)
                return None
            if word == "new":   # new Date("...") and the like: keep the first argument
                self.ws()
                ident = _IDENT.match(self.s, self.i)
                if ident:
                    self.i = ident.end()
                return self.call_args(depth)
            consts = {"true": True, "false": False, "null": None, "undefined": None, "NaN": None, "Infinity": None}
            if word in consts:
                return consts[word]
            if self.peek() == "(":   # a call: its value is unknown
                self.call_args(depth)
                return None
            return self.env.get(word)
        raise _Unreadable(f"unexpected {c!r} at {self.i}")

    def call_args(self, depth: int) -> Any:
        """Skip ``(...)`` after a constructor or call; the first literal argument or None."""
        if self.peek() != "(":
            return None
        self.i += 1
        first = None
        if self.peek() != ")":
            try:
                first = self.value(depth + 1)
            except _Unreadable:
                first = None
        self.skip_to(")")
        return first

    def next_special(self) -> str | None:
        """Move to the next bracket or comma outside a string (strings are skipped); that
        character, not consumed, or None at the end of the text."""
        while True:
            m = _SPECIAL.search(self.s, self.i)
            if m is None:
                return None
            self.i = m.start()
            c = self.s[self.i]
            if c not in "\"'`":
                return c
            self.string()

    def skip_to(self, closer: str) -> None:
        """Move past the matching ``closer``, skipping nested brackets and strings."""
        depth = 0
        while (c := self.next_special()) is not None:
            self.i += 1
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    if c != closer:
                        raise _Unreadable("unbalanced")
                    return
                depth -= 1
        raise _Fatal("unterminated")

    def skip_expression(self) -> None:
        """Skip an expression this reader does not understand, up to the next , } or ]."""
        depth = 0
        while (c := self.next_special()) is not None:
            if depth == 0 and c in ",}]":
                return
            self.i += 1
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
        raise _Fatal("unterminated")

    def member(self, depth: int) -> Any:
        start = self.i
        try:
            v = self.value(depth + 1)
        except _Fatal:
            raise
        except _Unreadable:
            self.i = start
            self.skip_expression()
            return None
        if self.peek() not in (",", "}", "]"):
            # an operator follows (a + b, x ? y : z, a.b): not a literal
            self.skip_expression()
            return None
        return v

    def obj(self, depth: int) -> dict:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            c = self.peek()
            if c == "}":
                self.i += 1
                return out
            if c == "":
                raise _Fatal("unterminated object")
            if c == ",":
                self.i += 1
                continue
            if c in "\"'`":
                key = self.string()
            elif c == "[":   # computed key: skip the member
                self.skip_expression()
                continue
            else:
                m = _IDENT.match(self.s, self.i) or _NUMBER.match(self.s, self.i)
                if not m:
                    raise _Unreadable(f"bad key at {self.i}")
                key = m.group()
                self.i = m.end()
            c = self.peek()
            if c == ":":
                self.i += 1
                out[str(key)] = self.member(depth)
            elif c == "(":   # method: skip its parameters and body
                self.skip_to_after_block()
            elif c in ",}":   # shorthand {a, b}
                out[str(key)] = self.env.get(str(key))
            else:
                raise _Unreadable(f"expected ':' at {self.i}")

    def skip_to_after_block(self) -> None:
        self.i += 1
        self.skip_to(")")
        if self.peek() == "{":
            self.i += 1
            self.skip_to("}")

    def arr(self, depth: int) -> list:
        self.i += 1
        out: list[Any] = []
        while True:
            c = self.peek()
            if c == "]":
                self.i += 1
                return out
            if c == ",":
                self.i += 1
                continue
            if c == "":
                raise _Fatal("unterminated array")
            out.append(self.member(depth))

    def string(self) -> str:
        q = self.s[self.i]
        self.i += 1
        buf: list[str] = []
        s, n = self.s, len(self.s)
        while self.i < n:
            j = self.i
            while j < n and s[j] not in (q, "\\"):
                j += 1
            buf.append(s[self.i:j])
            self.i = j
            if j >= n:
                break
            if s[j] == q:
                self.i = j + 1
                return "".join(buf)
            esc = s[j + 1: j + 2]
            if esc == "u":
                if s[j + 2: j + 3] == "{":
                    k = s.find("}", j)
                    code, self.i = s[j + 3:k], k + 1
                else:
                    code, self.i = s[j + 2: j + 6], j + 6
                try:
                    buf.append(chr(int(code, 16)))
                except ValueError:
                    raise _Unreadable("bad \\u escape") from None
            elif esc == "x":
                try:
                    buf.append(chr(int(s[j + 2: j + 4], 16)))
                except ValueError:
                    raise _Unreadable("bad \\x escape") from None
                self.i = j + 4
            elif esc == "\n":
                self.i = j + 2
            else:
                buf.append(_ESCAPES.get(esc, esc))
                self.i = j + 2
        raise _Fatal("unterminated string")


def read_literal(text: str, start: int = 0, env: dict[str, Any] | None = None) -> Any:
    """The object or array literal at ``text[start]`` (JSON or JavaScript), or None."""
    if text[start:start + 1] not in ("{", "["):
        return None
    try:
        return json.JSONDecoder().raw_decode(text, start)[0]
    except (ValueError, RecursionError):   # not JSON, or nested deeper than a page needs
        pass
    return _read_js(text, start, env)[0]


def _read_js(text: str, start: int, env: dict[str, Any] | None = None) -> tuple[Any, bool]:
    """(literal or None, True when the text ended inside it)."""
    reader = _Reader(text, env)
    reader.i = start
    try:
        return reader.value(), False
    except _Fatal:
        return None, True
    except (_Unreadable, RecursionError):
        return None, False


def _split_params(params: str) -> list[str]:
    return [p.strip() for p in params.split(",") if p.strip()]


def read_nuxt_function(text: str, start: int) -> Any:
    """``(function(a,b){...return {...}}(1,"x"))`` at ``start``: the returned literal with
    each parameter bound to its argument (arguments must be literals; nothing runs)."""
    m = _NUXT_FN.match(text, start)
    if not m:
        return None
    params = _split_params(m.group(1))
    body_start = m.end()
    scanner = _Reader(text)
    scanner.i = body_start
    try:
        scanner.skip_to("}")   # end of the function body
    except _Unreadable:
        return None
    body_end = scanner.i
    ret = text.rfind("return", body_start, body_end)
    after = scanner.i
    scanner.ws()
    if text[scanner.i:scanner.i + 1] == ")":   # (function(){...})(args) form
        scanner.i += 1
    if scanner.peek() != "(":
        return None
    open_at = scanner.i
    scanner.i += 1
    try:
        scanner.skip_to(")")
    except _Unreadable:
        return None
    args = read_literal("[" + text[open_at + 1:scanner.i - 1] + "]")
    if not isinstance(args, list):
        args = []
    env = dict(zip(params, args))
    env.update({p: None for p in params[len(args):]})
    # simple `var x = literal;` declarations inside the body bind names too
    for vm in re.finditer(r"\b([A-Za-z_$][\w$]*)\s*=\s*(?=[{\[\"'])", text[body_start:ret if ret > 0 else body_end]):
        env.setdefault(vm.group(1), read_literal(text, body_start + vm.end(), env))
    if ret < 0:
        return None
    pos = ret + len("return")
    while pos < after and text[pos] in " \t\r\n":
        pos += 1
    return read_literal(text, pos, env)


def state_literals(page) -> list[Any]:
    """Every inline state literal of a page (JSON scripts first, then assignments)."""
    root = _root(page)
    if root is None:
        return []
    found: list[Any] = []
    attempts = 0   # failed parses cost time too: a hostile page may hold thousands of them
    for script in root.iter("script"):
        if len(found) >= MAX_LITERALS or attempts >= 2 * MAX_LITERALS:
            break
        text = script.text or ""
        if not text.strip() or len(text) > MAX_SCRIPT_CHARS:
            continue
        kind = (script.get("type") or "").lower()
        if "json" in kind:
            attempts += 1
            data = read_literal(text.strip())
            if data is not None and (script.get("id") == "__NUXT_DATA__" or script.get("data-nuxt-data") is not None):
                data = undevalue(data)
            if data is not None:
                found.append(data)
            continue
        if kind and "javascript" not in kind and "ecmascript" not in kind and kind != "module":
            continue
        for m in _ASSIGN.finditer(text):
            if attempts >= 2 * MAX_LITERALS:
                break
            attempts += 1
            pos = m.end()
            if text[pos:pos + 1] in "{[":
                data = read_literal(text, pos)
                if data is None and _read_js(text, pos)[1]:
                    break   # the rest of this script is inside a broken literal
            elif _NUXT_FN.match(text, pos):
                data = read_nuxt_function(text, pos)
            elif text.startswith("JSON.parse(", pos):
                data = None
                reader = _Reader(text)
                reader.i = pos + len("JSON.parse(")
                if reader.peek() in ("'", '"', "`"):
                    try:
                        data = read_literal(reader.string().strip())
                    except _Unreadable:
                        data = None
            else:
                continue
            if data is not None:
                found.append(data)
            if len(found) >= MAX_LITERALS:
                break
    return found


def undevalue(data: Any, max_nodes: int = 200_000) -> Any:
    """Nuxt 3's ``__NUXT_DATA__`` (devalue format: one flat array where containers hold
    indices into it, ``["Reactive", i]`` wrappers) as plain nested data; anything else as is."""
    if not isinstance(data, list) or not data:
        return data
    memo: dict[int, Any] = {}
    budget = [max_nodes]

    def at(i: Any, depth: int) -> Any:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(data) or depth > 100 or budget[0] <= 0:
            return None
        if i in memo:
            return memo[i]
        budget[0] -= 1
        v = data[i]
        if isinstance(v, dict):
            out: Any = {}
            memo[i] = out
            for k, j in v.items():
                out[k] = at(j, depth + 1)
        elif isinstance(v, list):
            if len(v) == 2 and isinstance(v[0], str) and v[0] in ("Reactive", "ShallowReactive", "Ref", "ShallowRef",
                                                                 "EmptyRef", "EmptyShallowRef", "NuxtError"):
                out = at(v[1], depth + 1)
            elif v and isinstance(v[0], str):   # Date, Set, Map, RegExp ...: keep the first argument
                out = v[1] if len(v) > 1 and not isinstance(v[1], (list, dict)) else None
            else:
                out = [at(j, depth + 1) for j in v]
            memo[i] = out
        else:
            out = v
            memo[i] = out
        return out

    return at(0, 0)


def _root(page):
    root = getattr(page, "root", None)
    if root is not None and hasattr(root, "iter"):
        return root
    text = getattr(page, "text", None) if not isinstance(page, (str, bytes)) else page
    if not text:
        return None
    try:
        return lxml_html.fromstring(text)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None


# --- finding the article in a state ---------------------------------------------------------


def _pick(obj: dict, keys: tuple[str, ...]) -> tuple[str | None, Any]:
    normed = {_norm_key(k): k for k in obj if isinstance(k, str)}
    for want in keys:
        k = normed.get(want)
        if k is not None and obj[k] not in (None, "", [], {}):
            return k, obj[k]
    return None, None


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")   # [^<>]: linear on "<a<a<a..."


def _blocks(value: Any) -> list[str] | None:
    """HTML fragments of a content value (string, paragraph list, list of blocks), or None."""
    if isinstance(value, str):
        v = value.strip()
        if not v:
            return None
        if _TAG.search(v):
            return [v]
        return [f"<p>{html.escape(p.strip())}</p>" for p in re.split(r"\n\s*", v) if p.strip()]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                item = _block_text(item)
            if isinstance(item, str) and item.strip():
                item = item.strip()
                out.append(item if _TAG.search(item) else f"<p>{html.escape(item)}</p>")
        return out or None
    if isinstance(value, dict):
        _, inner = _pick(value, ("html", "rendered", "text", "value", "content"))
        return _blocks(inner) if isinstance(inner, (str, list)) else None
    return None


def _block_text(block: dict, depth: int = 0) -> str | None:
    """Text of one content block: its text-like key, or its ``children`` joined (rich-text
    editors store a paragraph as ``{type: "p", children: [{text: ...}, ...]}``)."""
    _, text = _pick(block, BLOCK_TEXT_KEYS)
    if isinstance(text, str):
        return text
    children = block.get("children")
    if isinstance(children, list) and depth < 20:
        parts = [c if isinstance(c, str) else _block_text(c, depth + 1) if isinstance(c, dict) else None
                 for c in children]
        return "".join(p for p in parts if p) or None
    return None


def _text_of(fragments: list[str]) -> str:
    try:
        doc = lxml_html.fragment_fromstring("".join(fragments), create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    for bad in doc.xpath(".//script|.//style"):
        bad.drop_tree()
    for el in doc.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote"):
        el.tail = "\n" + (el.tail or "")
    lines = (" ".join(ln.split()) for ln in doc.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _scalar(value: Any) -> str | None:
    if isinstance(value, dict):
        _, value = _pick(value, ("name", "title", "text", "value", "rendered"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str) and value.strip() and len(value) < 300:
        return " ".join(value.split())
    return None


def _candidates(data: Any, limit: int = 20000):
    """Every dict in a parsed state, breadth first (bounded)."""
    stack, seen = [data], 0
    while stack and seen < limit:
        cur = stack.pop(0)
        seen += 1
        if isinstance(cur, dict):
            yield cur
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))


def find_article(data: Any) -> dict | None:
    """The fields of the best article-like object in a parsed state, or None.

    Keys: title, body_html, body_text, date (raw), source, author.
    """
    best, best_len = None, 0
    for obj in _candidates(data):
        _, title = _pick(obj, TITLE_KEYS)
        title = _scalar(title)
        if not title:
            continue
        key, content = _pick(obj, BODY_KEYS)
        if key is None:
            continue
        blocks = _blocks(content)
        if not blocks:
            continue
        text = _text_of(blocks)
        if len(text) < MIN_BODY_CHARS or len(text) <= best_len or text == title:
            continue
        _, date = _pick(obj, DATE_KEYS)
        _, source = _pick(obj, SOURCE_KEYS)
        _, author = _pick(obj, AUTHOR_KEYS)
        best_len = len(text)
        best = {"title": title, "body_html": "\n".join(blocks), "body_text": text,
                "date": _scalar(date), "source": _scalar(source), "author": _scalar(author)}
    return best


def extract_script_state(page) -> dict | None:
    """The article of a script-rendered page from its inline state, or None.

    ``page`` is a parsel Selector / Scrapy response (anything with an lxml ``root``) or
    HTML text. Returns title, body_html (unsanitised), body_text, date (as written in the
    state: parse it with :func:`aggregator.extract.dates.parse_date`), source, author.
    """
    best = None
    for data in state_literals(page):
        found = find_article(data)
        if found and (best is None or len(found["body_text"]) > len(best["body_text"])):
            best = found
    return best


def fill_from_script_state(out: dict, page, tz, now=None) -> bool:
    """Hook for :func:`aggregator.extract.article.extract_article` when the page gave no
    body (or a few characters, such as a loading notice): fill ``out`` from the inline
    state when it holds a longer body. True when it did."""
    from aggregator.extract.dates import parse_date

    found = extract_script_state(page)
    if not found or len(found["body_text"]) <= len((out.get("body_text") or "").strip()):
        return False   # none, or no more than the page itself shows (a loading notice is less)
    out["body_html"], out["body_text"] = found["body_html"], found["body_text"]
    out["title"] = found["title"]
    if found.get("date"):
        dt = parse_date(found["date"], tz=tz, now=now)
        if dt is not None:
            out["published"] = dt.astimezone(tz).isoformat() if tz is not None else dt.isoformat()
            out["published_from"] = "script"
    for key in ("source", "author"):
        if found.get(key) and not out.get(key):
            out[key] = found[key]
    return True
