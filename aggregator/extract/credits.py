"""Chinese publisher (来源) and byline (作者/记者) rules on plain text (used by article.py).

* :func:`clean_source` tidies the value of a 来源 slot (None for a non-name: 转载文章, 本站原创);
* :func:`names_from_byline` reads the names of a byline (南都见习记者 林子沛, 记者 张三 李四 报道);
* :func:`author_from_texts` finds the first byline in a few short lines;
* :func:`closing_byline` reads a credit closing the last paragraph (…。（记者 张三）, （李四／綜合報導）);
* :func:`dateline_reporter` reads the reporter of a wire dateline (（中央社記者張三台北12日電）);
* :func:`names_after_source` reads names printed after the unit in a 来源 slot (来源：某某部 张三 李四);
* :func:`is_site_brand` tells whether a name is the site's own brand (og:site_name, the title's suffix);
* :func:`issuer_source` reads the office of an open-information metadata table (发布机构：某某局).

Pure: no page, no tree; text in, text out.
"""

from __future__ import annotations

import re

from aggregator.extract import patterns as pt
from aggregator.extract.byline import is_english_byline, names_from_english_byline
from aggregator.extract.dates import find_dates

__all__ = ["SOURCE_VALUE", "PERSON", "MEDIA_TAIL", "DATELINE_AUTHOR", "clean_source", "names_from_byline",
           "author_from_texts", "closing_byline", "dateline_reporter", "names_after_source", "is_site_brand",
           "issuer_source", "looks_like_person"]

_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d")
# words of the metadata around a byline (a would-be name holding one is not a name)
_META_WORDS = re.compile(
    r"来源|來源|作者|记者|記者|编辑|編輯|责编|发布|發布|时间|時間|日期|浏览|瀏覽|阅读|閱讀|点击|點擊|"
    r"字号|分享|评论|評論|出处|稿源|人气|次数|打印|收藏|A\+|A-")

# A 来源 slot: the label starts a token (not 來源於 inside a sentence), then the name.
SOURCE_VALUE = re.compile(
    r"(?:^|(?<=[\s|丨｜│\[【（(〔/]))(?:(?:%s)(?:\s*[:：︰|丨｜/／]|\s+|(?![于於自是的地]))|(?:%s)\s*(?:[:：︰]|(?=《)))\s*"
    # the name ends at a space, except inside a Latin name (China Daily, The Paper) and before
    # an edition word printed apart (人民日报 海外版)
    r"(?P<v>[^\s|丨｜│/／:：,，;；]{1,40}(?:(?<=[A-Za-z.&])\s+[A-Z][\w&'.-]*){0,4}"
    r"(?:\s+(?:海外版|网络版|網路版|电子版|電子版|客户端|客戶端|英文版|中文版))?)" % (pt.SOURCE_LABELS, pt.SOURCE_LABELS_WEAK))
_SOURCE_STOP = re.compile(
    r"(?:作者|記者|记者|编辑|編輯|责编|責編|发布|發布|时间|時間|日期|浏览|點閱|阅读|閱讀|点击|"
    r"字号|分享|评论|人气|打印|【|\[|（|\().*$"
)
# A bare Chinese personal name: 2-3 characters, or 4 with a two-character surname.
PERSON = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}|(?:%s)[\u4e00-\u9fff]{1,2})$" % pt.COMPOUND_SURNAMES)
MEDIA_TAIL = re.compile(
    r"(?:网|網|报|報|社|台|刊|志|誌|号|號|之家|新闻|新聞|日报|晚报|周刊|在线|在線|传媒|傳媒|"
    r"频道|頻道|客户端|时报|時報|电视|電視|广播|廣播|杂志|雜誌|出版|中心|TV|News|Daily|Times)$", re.I)


def _strip_unbalanced(v: str) -> str:
    """Drop 《 》 at the ends unless they close a title inside the name (人民网-《人民日报》)."""
    while v[:1] == "《" and (v.count("《") > v.count("》") or (v[-1:] == "》" and v.count("《") == 1)):
        v = v[1:-1] if v[-1:] == "》" and v.count("《") == v.count("》") else v[1:]
    while v[-1:] == "》" and v.count("》") > v.count("《"):
        v = v[:-1]
    return v.strip("<>「」“”\"'[]【】()（）:：-—_|·• ")


def clean_source(value: str | None) -> str | None:
    if not value:
        return None
    v = " ".join(value.split())
    v = _SOURCE_STOP.sub("", v).strip()
    v = re.sub(r"^[于於自]", "", v)
    v = _strip_unbalanced(v.strip("<>「」“”\"'[]【】()（）:：-—_|·• "))
    v = re.sub(r"\[.*?\]$|（.*?）$|\(.*?\)$", "", v).strip()
    if not v or len(v) > 30 or len(v) < 2 or re.search(r"[©@#=<>{}]|https?:|www\.", v):
        return None
    if v in pt.NOT_A_SOURCE or _DIGITS.search(v[:4]) and not _HAN.search(v):
        return None
    if re.fullmatch(r"[\d\s:：\-/.年月日]+", v):
        return None
    return v


_AUTHOR_VALUE = re.compile(
    r"(?:^|(?<=[\s|丨｜│\]】）)(（【\[〔]))(?:%s)\s*(?P<sep>[:：/／|｜丨]?)\s*(?P<v>[^|丨｜│:：\]】）)〕]{2,40})" % pt.AUTHOR_LABELS
)
DATELINE_AUTHOR = re.compile(
    r"^\s*(?:本报讯|本報訊|[\u4e00-\u9fff]{0,8}讯|[\u4e00-\u9fff]{0,8}訊|"
    r"[\u4e00-\u9fff]{2,12}\s*(?:\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?:电|電))?"
    r"\s*[〔（(【\[]\s*(?P<v>(?:记者|記者|通讯员|通訊員)[^〕）)】\]]{2,30})[〕）)】\]]")
_NAME_SPLIT = re.compile(r"[\s、，,;；/／]+")


# a person written after the institution they work at, no space between (某某大学历史学院张三)
_AFFILIATED = re.compile(
    r"^[\u4e00-\u9fff]{2,20}?(?:大学|大學|学院|學院|研究院|研究所|研究中心|中学|中學|小学|小學|医院|醫院|学校|學校|"
    r"协会|協會|公司|报社|報社)(?P<n>[\u4e00-\u9fff·]{2,4})$")


# a job title glued to the name that closes a credit (某某中心研究员张三, 某某大学教授李四)
_TITLE_THEN_NAME = re.compile(
    r"(?:研究员|研究員|教授|讲师|講師|博士|主任|部长|部長|院长|院長|所长|所長|分析师|分析師|"
    r"经济学家|經濟學家|首席经济学家|董事长|董事長|总经理|總經理|律师|律師|专家|專家)(?P<n>[\u4e00-\u9fff·]{2,3})$")


def names_from_byline(text: str, allow_org: bool | None = None) -> str | None:
    """'南都见习记者 林子沛' -> '林子沛'; '记者 张三 李四 报道' -> '张三 李四'; None when the
    text holds no plausible name (作者：网络整理)."""
    v = text.strip().strip("〔〕[]【】()（）")
    m = pt.AUTHOR_LABEL_RE.search(v)
    if allow_org is None:
        # an organisation may be the author only when explicitly labelled 作者：
        allow_org = bool(m and re.match(r"作\s*者\s*[:：]", v[m.start():]))
    if m and m.start() <= 8:
        v = v[m.end():]
    v = pt.EDITOR_LABEL_RE.split(v)[0]
    v = re.split(r"(?:%s)|[:：]" % pt.SOURCE_LABELS, v)[0]
    v = re.sub(r"[／/].*$", "", v.strip())   # 巫其倫／台北報導, 张三/文
    v = re.sub(r"\s+[\u4e00-\u9fff]{1,6}(?:报道|報導|报导)$", "", v.strip())   # 张三 李四 三台报道: the place
    v = re.sub(r"(?:报道|報導|摄影?|攝影?|发自.*|發自.*|综合报道|整理)$", "", v.strip())
    if re.fullmatch(r"[\u4e00-\u9fff]{2,10}(?:评论员|評論員)", v.strip()):
        return v.strip()   # a collective byline (本报评论员, 某某日报评论员): no person follows
    m_title = _TITLE_THEN_NAME.search(v)
    if m_title and looks_like_person(m_title.group("n")):
        return m_title.group("n")   # 作者：某某大学教授张三, …研究部部长、研究员徐某某: the person after the title
    v = pt.NAME_PREFIX.sub("", v)
    names = []
    # names typeset with spaces between characters: 杨　帆 -> 杨帆
    v = re.sub(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])\s+([\u4e00-\u9fff])(?:\s+([\u4e00-\u9fff]))?(?![\u4e00-\u9fff])",
               lambda m: "".join(g for g in m.groups() if g), v)
    for tok in _NAME_SPLIT.split(v):
        tok = pt.NAME_PREFIX.sub("", tok.strip()).strip("·")
        if not tok:
            continue
        if find_dates(tok) or _DIGITS.search(tok) or _META_WORDS.search(tok) or pt.ROLE_WORDS.match(tok):
            break
        if tok in pt.NOT_A_NAME or tok in pt.NOT_A_SOURCE or pt.NOT_NAME_WORDS.search(tok):
            return None if not names else " ".join(names)
        if _HAN.search(tok) and len(tok) > 5:
            m_aff = _AFFILIATED.match(tok)
            if m_aff and looks_like_person(m_aff.group("n")):
                tok = m_aff.group("n")   # 武汉大学历史学院郭伦: the person after the affiliation
        if _HAN.search(tok):
            # people have 2-5 characters; a lone first token may be an organisation
            # (作者：医技药剂党支部)
            limit = 10 if allow_org and not names else 5
            if not re.fullmatch(r"[\u4e00-\u9fff·]{2,%d}" % limit, tok):
                break
        elif not re.fullmatch(r"[A-Za-z][A-Za-z.'\-]{1,30}", tok):
            break
        names.append(tok)
        if len(names) >= 4:
            break
    if not names:
        return None
    return " ".join(names)


def author_from_texts(texts) -> str | None:
    """The names of the first byline in ``texts`` (short lines: a header, a closing credit)."""
    for text in texts:
        if len(text) > 200:
            continue
        text = text.replace("︰", "：")   # the presentation-form colon of Hong Kong pages
        if not _HAN.search(text[:12]) and is_english_byline(text):
            name = names_from_english_byline(text)
            if name:
                return name
            continue   # By Reuters, by admin: no person (not for the Chinese rules either)
        for m in _AUTHOR_VALUE.finditer(text):
            if text[m.start():m.start() + 2] == "By" and re.search(r"[A-Za-z]\s*$", text[:m.start()]):
                continue   # Powered By X, Designed By X: a credit line of the site, no byline
            pre = text[max(0, m.start() - 4):m.start() + 4]
            if pt.EDITOR_LABEL_RE.search(pre + "：") and "编辑" in pre:
                continue
            if re.search(r"(?:摄|攝)(?:影)?\s*[)）]?\s*$", m.group(0)) and re.search(r"[\u4e00-\u9fff]{4}", text[:m.start()]):
                continue   # a caption's photo credit (图为… 记者 张三 摄): the photographer, not the writer
            name = names_from_byline(m.group(0))
            glued = not m.group("sep") and not re.search(r"\s", text[m.start():m.start("v")].lstrip("（(【[〔|丨｜│]）】 "))
            if name and glued and not looks_like_person(name.split()[0]):
                continue   # a label glued to a word (记者节特别报道: a kicker) needs a surname-led name
            if name:
                return name
        # desk／name bylines: 上報快訊／范姜佳鈺, 〔記者巫其倫／台北報導〕
        m = re.search(r"(?:記者|记者)(?P<n>[\u4e00-\u9fff·]{2,4})[／/]", text)
        if m:
            return m.group("n")
        m = re.match(r"^\s*[\u4e00-\u9fff]{2,6}(?:快訊|快讯|中心|新聞|新闻|報導|报道)[／/](?P<n>[\u4e00-\u9fff·]{2,5})(?:\s|$)", text)
        if m and _is_name(m.group("n")):
            return m.group("n")
        name = _loose_byline(text)
        if name:
            return name
        # the names first, the label after: 张三/文, 张三 李四 报道 (a line of its own)
        m = _NAMES_THEN_LABEL.match(text)
        if m and all(looks_like_person(t) for t in m.group("n").split()):
            return " ".join(m.group("n").split())
    return None


_NAMES_THEN_LABEL = re.compile(
    r"^\s*(?P<n>[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,3})\s*(?:[/／|｜]\s*文|报道|報導)\s*$")


_SURNAMED = re.compile(r"^(?:%s|[%s])" % (pt.COMPOUND_SURNAMES, pt.COMMON_SURNAMES))


def looks_like_person(v: str) -> bool:
    """A bare 2-4 character name starting with a common surname (微信, 分享到 are not people)."""
    return bool(PERSON.match(v) and _SURNAMED.match(v)) and _is_name(v)


# media endings that no given name has (MEDIA_TAIL also holds 志, 号, 刊, 台: 王建志 is a person)
_MEDIUM = re.compile(r"(?:网|網|报|報|社|之家|新闻|新聞|在线|在線|传媒|傳媒|频道|頻道|客户端|电视|電視|广播|廣播|杂志|雜誌|"
                     r"出版|中心|TV|News|Daily|Times)$", re.I)


def _is_name(v: str) -> bool:
    """Not a desk, a medium or a credit: 綜合報導, 政治組, 本报讯, 张三摄 (a photo credit)."""
    return not (v in pt.NOT_A_NAME or v in pt.PLACE_NAMES or _MEDIUM.search(v) or pt.NOT_NAME_WORDS.search(v) or _META_WORDS.search(v)
                or re.search(r"(?:報導|报道|报导|整理|編譯|编译|[組组部室處处局站讯訊摄攝供图圖绘繪译譯])$", v)
                # a surname and a form of address (王同学, 李老师, 张先生): someone the text talks to
                or len(v) >= 3 and re.search(r"(?:同学|同學|老师|老師|先生|女士|小姐|校长|校長|主任|书记|書記|教授|医生|醫生|"
                                             r"师傅|師傅|阿姨|大爷|大爺)$", v))


# 金名/高雄報導: a name, a slash and the place of the report
_NAME_PLACE = re.compile(r"(?:^|[\s（(〔【\]】）)\d])(?P<n>[\u4e00-\u9fff·]{2,4})\s*[／/]\s*[\u4e00-\u9fff]{1,8}(?:報導|报道|报导)")
# 纪振宇 6月13日发自硅谷: a name before the day of a report sent from a place
_SENT_FROM = re.compile(r"(?:^|[\s》」】)）])(?P<n>[\u4e00-\u9fff·]{2,4})\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:发自|發自)")
# 中青网记者 魏其濛: 记者 after a media name (not only at a token start), names up to the line end or a label
_MEDIA_REPORTER = re.compile(
    r"(?:记者|記者)\s+(?P<v>[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,3})"
    r"(?=\s*$|\s+(?:%s|%s))" % (pt.SOURCE_LABELS, pt.EDITOR_LABELS))


def _loose_byline(text: str) -> str | None:
    """Bylines without a label at a token start (see the three patterns above)."""
    for rx in (_NAME_PLACE, _SENT_FROM):
        m = rx.search(text)
        if m and looks_like_person(m.group("n")):
            return m.group("n")
    if not re.search(r"[，。！？；]", text):
        m = _MEDIA_REPORTER.search(text)
        # without a label at a token start every name needs a common surname (向记者 反映: a verb)
        if m and all(looks_like_person(t) for t in m.group("v").split()):
            return names_from_byline(m.group("v"), allow_org=False)
    return names_after_source(text)


_UNIT_TAIL = re.compile(r"(?:部|处|處|科|室|中心|支部|委员会|委員會|学院|學院|系|所|办|辦|局|队|隊|站|院|组|組|馆|館|公司|集团|集團|协会|協會)$")


def names_after_source(text: str) -> str | None:
    """来源：公寓管理部 张三 李四 -> '张三 李四': people printed after the unit in a 来源 slot."""
    m = SOURCE_VALUE.search(text)
    if not m or not _UNIT_TAIL.search(m.group("v")):
        return None   # a department or office reporting (来源：某某部), not a medium
    rest = re.split(r"(?:%s|%s|%s)" % (pt.EDITOR_LABELS, pt.AUTHOR_LABELS, _META_WORDS.pattern), text[m.end():])[0]
    toks = rest.split()
    if not 1 <= len(toks) <= 4 or not all(looks_like_person(t) for t in toks):
        return None
    return " ".join(toks)


# a credit closing the last paragraph: …。（记者 张彤）, …。（劉利貞／綜合外電報導）, …。（杨宁）【新华社微特稿】,
# …。（经济日报评论员）
_CLOSING_CREDIT = re.compile(
    r"[。！？!?…」”\"]\s*[（(]\s*(?P<v>(?P<label>[\u4e00-\u9fff]{0,8}?(?:记者|記者|通讯员|通訊員)\s*)?"
    r"(?P<medium>[\u4e00-\u9fff]{1,10}(?:网|網|报|報|社|台|新闻|新聞|客户端|客戶端)\s+)?"
    r"[\u4e00-\u9fff·]{2,4}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3}"
    r"(?P<tail>\s*[／/]\s*[\u4e00-\u9fff]{0,8}(?:報導|报道|报导|編譯|编译|整理))?"
    r"|(?P<desk>[\u4e00-\u9fff]{2,8}(?:评论员|評論員)))\s*[)）](?:\s*【[^】]{1,12}】)?\s*$")
_CLOSING_LABELLED = re.compile(
    r"[。！？!?”」]\s*[（(]\s*(?P<v>(?:文|文字|撰文|撰稿|作者|采写|採寫)\s*[/／:：|｜丨]\s*[^）)]{2,30})[）)]\s*$")
_CLOSING_REPORTER = re.compile(
    r"[。！？!?”」]\s*[□■◎●◆]?\s*(?:本报|本報)?(?:记者|記者)\s*"
    r"(?P<v>[\u4e00-\u9fff·]{2,4}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3})\s*$")
# (X) closing a paragraph that is not a person: end marks, picture and sequel notes
_NOT_CLOSING_NAMES = frozenset({
    "待续", "待續", "未完", "续完", "續完", "全文完", "本文完", "结束", "图文", "圖文", "组图", "組圖", "附图", "附圖",
    "视频", "視頻", "原文", "注释", "註釋", "节选", "節選", "摘编", "摘編", "有删节", "有刪節", "有删减", "有刪減",
    "译文", "譯文", "供图", "供圖", "资料图", "資料圖", "资料", "資料", "图片", "圖片", "配图", "配圖", "完整版", "全文"})


def closing_byline(text: str, mentioned: str = "") -> str | None:
    """The author credited at the end of a paragraph (see :data:`_CLOSING_CREDIT`). A bare (name)
    that the paragraph or ``mentioned`` (the rest of the text) names is a person the text talks
    about (…王五说，…。（王五）), not its writer; a labelled credit (记者 X) stays."""
    m = _CLOSING_LABELLED.search(text[-50:])
    if m:   # …。（文 / 某某部 图 / 某某社）: the writer's label inside the closing brackets
        return names_from_byline(m.group("v"), allow_org=True)
    m = _CLOSING_REPORTER.search(text[-40:])
    if m:   # …医生建议回家观察。 □记者 王芃: a labelled credit without brackets
        names = m.group("v").replace("、", " ").split()
        return " ".join(names) if all(looks_like_person(n) for n in names) else None
    if len(text) < 8 or text[-1:] not in ")）】":
        return None
    m = _CLOSING_CREDIT.search(text)
    if not m:
        return None
    if m.group("desk"):
        return m.group("desk")
    v = m.group("v").strip()
    if m.group("medium") and not m.group("label"):
        # （某某新闻网 张三）: the medium, then its reporters
        names = v[len(m.group("medium").strip()):].replace("、", " ").split()
        return " ".join(names) if all(looks_like_person(n) for n in names) else None
    if not (m.group("label") or m.group("tail")):
        # a bare (name): one person-like name only
        if not looks_like_person(v) or v in _NOT_CLOSING_NAMES or v in pt.END_MARKS:
            return None
        if v in text[:m.start()] or v in mentioned:
            return None
        return v
    names = names_from_byline(v, allow_org=False)
    if names and m.group("label") and not m.group("label")[-1:].isspace() and not all(
            looks_like_person(n) for n in names.split()):
        return None   # 记者 glued to a word (（记者手记）, （记者观察）): a column's name, not a person
    return names


# （中央社記者張榮祥台南12日電）: an agency's reporter, then the place and day of the wire
_WIRE_DATELINE = re.compile(
    r"[（(〔]\s*[\u4e00-\u9fff]{0,8}?(?:记者|記者)\s*(?P<v>[\u4e00-\u9fff、·]{2,30}?)\s*\d{1,2}\s*日\s*(?:电|電)\s*[）)〕]")


def dateline_reporter(text: str) -> str | None:
    """Reporters of a wire dateline whose place follows the names without a space: most names
    have three characters, so five or more characters are a name and a place (張榮祥台南),
    four are two and two (林悅台南)."""
    m = _WIRE_DATELINE.search(text)
    if not m:
        return None
    parts = [p for p in m.group("v").split("、") if p]
    last = parts[-1]
    if len(last) >= 4:
        parts[-1] = last[:2] if len(last) == 4 else last[:3]
    names = [p for p in parts if 2 <= len(p) <= 4 and looks_like_person(p)]   # (記者從台南: no name)
    return " ".join(names[:4]) if len(names) == len(parts) else None


def is_site_brand(value: str, brands) -> bool:
    """``value`` is the site's own name: one of ``brands`` (og:site_name, application-name) or a
    segment after the first of the page ``<title>`` given with them (…| 三立新聞網 SETN.COM)."""
    key = re.sub(r"\s+", "", value).lower()
    for b in brands:
        if not b:
            continue
        for seg in re.split(r"\s+[|｜\-–—_]\s+|[|｜_]", b):
            sk = re.sub(r"\s+", "", seg).lower()
            if sk == key or (sk.startswith(key) and not _HAN.search(sk[len(key):])):
                return True
    return False


# metadata tables of open-information pages: 发布机构： 某某局 (the publishing office is the publisher;
# 发文机关, the office that signed a document, is not: it is the notice's author, not its publisher)
_ISSUER_SLOT = re.compile(r"^\s*(?:发布机构|發布機構|发布单位|發布單位|责任部门|責任部門|信息来源|来源单位)"
                          r"\s*[:：]\s*(?P<v>\S*)")


def issuer_source(texts: list[str]) -> str | None:
    """The office named in a metadata-table slot (value on the label's line or the next one)."""
    for k, t in enumerate(texts):
        m = _ISSUER_SLOT.match(t)
        if m:
            v = m.group("v") or (texts[k + 1] if k + 1 < len(texts) else "")
            v = clean_source(v) if len(v) <= 30 else None
            if v and not PERSON.match(v) or v and MEDIA_TAIL.search(v):
                return v
    return None


