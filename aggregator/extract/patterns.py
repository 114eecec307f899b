"""Extraction heuristics kept as data: vocabularies, tag sets, selector lists, thresholds.

Owns every word list and ordered fallback list the extractors in this package use, so a
heuristic can be read, reviewed and changed in one place (the way trafilatura keeps its
XPath lists in ``xpaths.py``). Each group has a comment saying what it catches. Pure data
plus compiled regexes; no logic beyond building them.
"""

from __future__ import annotations

import re

# --- tree structure ----------------------------------------------------------------

# Subtrees that never hold article text: skipped entirely (their tails still count).
IGNORED_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select",
    "textarea", "button", "svg", "canvas", "head", "input", "audio", "video", "map",
    "title", "meta", "link", "base", "param", "source", "track", "option", "datalist",
})

# Tags that start a new line of text (block-level in browsers); <br> also breaks a line.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "menu", "legend",
})

# Weight of a non-furniture line with negative value (links, short labels) when summing
# a container's score: below 1 so that an ad or link box inside the article does not
# push the choice to a smaller block.
NEGATIVE_LINE_WEIGHT = 0.5
# Cost of one character of link text in a line's value (prose character = +1).
LINK_CHAR_PENALTY = 2.0

# Elements that may be chosen as the article container (the text-density winner).
CONTAINER_TAGS = frozenset({
    "div", "article", "section", "main", "td", "body", "center", "blockquote", "font",
    "span", "form", "table", "tbody", "dd", "li",
})

HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# --- class / id hints --------------------------------------------------------------

# class/id tokens of page furniture: text inside counts against a container and is cut
# from the body (comments, share bars, related-article boxes, navigation, ads, footers).
BOILERPLATE_HINTS = re.compile(
    r"(?:^|[-_\s])(?:comments?|cmt|reply|replies|discuss|pinglun|share|sharing|bdshare|jiathis|"
    r"social|related|relate|recommend\w*|tuijian|xgxw|xgyd|hot(?:news|list)?|rank\w*|paihang|"
    r"sidebar|side|aside|sidenav|nav|navbar|menu|breadcrumbs?|crumbs?|position|location|"
    r"footer|foot|copyright|banquan|bottom|toolbar|tools?|ads?|advert\w*|adv|banner|"
    r"guanggao|sponsor|popup|modal|qrcode|erweima|login|signin|search|pager|paging|"
    r"pagination|page-?nav|pages|prenext|prev-?next|next-?prev|subscribe|follow|"
    r"tags?|keywords?|widget|gotop|backtop|jubao|statement|disclaimer|cookies?|consent|gdpr|"
    r"author-?info|zebian|tuiguang|more)(?:$|[-_\s\d])",
    re.I,
)

# class/id tokens of blocks that are furniture even when they hold most of the page's prose
# or also carry a content-looking token (relate-news, comment-content, disclaimer box):
# reader comments, other stories, legal small print.
FURNITURE_ALWAYS_HINTS = re.compile(
    r"(?:^|[-_\s])(?:comments?|cmt|cmts|reply|replies|discuss|discussion|pinglun|pl-?(?:list|box|area)|"
    r"respond|disqus|talk|related|relate|recommend\w*|tuijian|xgxw|xgyd|disclaimer|copyright|banquan)(?:$|[-_\s\d])",
    re.I,
)

# class/id tokens of the article text container: a small bonus when scoring containers.
CONTENT_HINTS = re.compile(
    r"(?:^|[-_\s])(?:article|content|contents|text|body|detail|details|main|post|entry|"
    r"story|news|zhengwen|zw|txt|neirong|nr|con|cont|artibody|rich_media|show)(?:$|[-_\s\d])",
    re.I,
)

# class/id tokens of the headline element.
TITLE_HINTS = re.compile(r"(?:title|headline|biaoti|heading)|(?:^|[-_\s])(?:tit|bt|h1|tt)(?:$|[-_\s\d])", re.I)

# class/id tokens of an element naming the publisher or platform account (来源 slot or the
# byline position of Baijiahao/Toutiao/WeChat pages), in order of trust.
SOURCE_HINTS = re.compile(
    r"(?:^|[-_\s])(?:source|laiyuan|media-?name|account-?name|author-?name|nickname|js_name|"
    r"profile_nickname|origin|publisher|wemedia|mp-?name|pgc-?name|author-?info)(?:$|[-_\s])",
    re.I,
)

# class/id tokens of an author/byline element.
# (also inside camelCase class names: authorCredit, cntNewsAuthorHolder; firma/autor/auteur:
# the byline in Spanish, Italian, German, French)
AUTHOR_HINTS = re.compile(
    r"(?i:(?:^|[-_\s])(?:author|byline|writer|zuozhe|reporter|jizhe|firma|autor|autore|auteur)(?:$|[-_\s]))|"
    r"(?:^|[-_\s]|(?<=[a-z]))(?:Author|Byline|Writer)(?=$|[-_\s\dA-Z])|(?:^|[-_\s])(?:author|byline)(?=[A-Z])")

# Inline style or attributes that hide an element.
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# --- text vocabularies -------------------------------------------------------------

# Sentence punctuation: its density separates prose from navigation and lists.
SENTENCE_PUNCT = frozenset("，。！？；：、,.!?;“”‘’「」…")

# Labels in front of the publication date, most trusted first. The position in this list
# is the preference order when a page prints several dates (发布日期 beats 成文日期).
DATE_LABELS = [
    r"发布时间|發布時間|发布日期|發布日期|发稿时间|發稿時間|发表时间|發表時間|发表日期|"
    r"发布于|發佈於|发表于|發表於|发文日期|刊发时间|出版时间|出版日期|发布|發布|"
    r"Published|Posted|Pub\s*Date",
    r"时间|時間|日期|更新时间|更新時間|更新于|更新日期",
]
# Dates that are not the publication date of the page: used only when nothing else is.
DATE_LABELS_WEAK = [r"成文日期|成文时间|撰写日期|生效日期|印发日期|修改时间|最后更新"]

# Meta tags holding the publication time, most trusted first (name/property/itemprop).
META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "og:pubdate", "og:release_date", "published_time", "publishdate",
    "publish-date", "publish_date", "publishtime", "publish_time", "pubdate", "pubtime", "pub_date",
    "publication_date", "publication-date", "datepublished", "date_published", "date.published",
    "dc.date.issued", "dc.date.created", "dc.date.published", "dc.date", "dc:date", "dc:created",
    "dc.created", "dcterms.created", "dcterms.issued", "dcterms.date", "datecreated",
    "citation_publication_date", "citation_date", "citation_online_date", "sailthru.date",
    "parsely-pub-date", "rnews:datepublished", "cxenseparse:recs:publishtime",
    "article.published", "article.created", "article_date_original", "originalpublicationdate",
    "weibo:article:create_at", "bytedance:published_time", "firstpublishedtime", "releasedate",
    "displaydate", "created", "date", "pdate",
)

# Meta tags with a later (update) time: used only to supply a year/time to a printed date.
META_UPDATE_NAMES = (
    "article:modified_time", "og:updated_time", "og:modified_time", "dc.date.modified", "dateupdate", "lastmodifieddate",
    "datemodified", "last-modified", "modified", "dcterms.modified", "weibo:article:update_at",
)

# Inline-script assignments holding the publication time (WeChat var ct = "1581517074",
# Toutiao publish_time: '...', JSON blobs "pubDate": "...").
# The lookahead lists the first letters of the alternatives (case-insensitive, like the
# rest): it rejects most positions of a long script before the alternation is tried.
SCRIPT_DATE = re.compile(
    r"""(?=[cpdrna])(?:\bct|publish_?time|publishTime|pub_?time|pubTime|pubDate|pub_date|"""
    r"""datePublished|create_?time|createTime|publicTime|releaseTime|\bptime|"""
    r"""news_?time|articleTime)["']?\s*[:=]\s*["']?"""
    r"""(?P<v>1\d{9}(?:\d{3})?(?!\d)|(?:19|20)\d{2}[-/年.]\d{1,2}[-/月.]\d{1,2}[^"'<>]{0,25})""",
    re.I,
)

# Labels of the publisher slot (来源：新华网), most specific first. The colon is optional
# after these (来源CSDN, 稿件来源 河北日报).
SOURCE_LABELS = (
    r"文章来源|信息来源|稿件来源|新闻来源|新聞來源|内容来源|資料來源|资料来源|消息来源|本文来源|"
    r"原文来源|稿源|来源|來源|出处|出處"
)
# Weaker labels: only with a colon or a 《title》 after them (转自《北京科技报》), since the
# words also occur in running text (来自北京的消息).
SOURCE_LABELS_WEAK = r"转载自|轉載自|转引自|轉引自|转自|轉自|来自|來自|选自|選自|摘自|原载|原載|原刊于|原刊於|刊于|刊於"
SOURCE_LABEL_RE = re.compile(
    r"(?:(?:%s)\s*[:：]?|(?:%s)\s*(?:[:：]|(?=《)))\s*" % (SOURCE_LABELS, SOURCE_LABELS_WEAK))

# Words in the 来源 slot that are not a publisher's name.
NOT_A_SOURCE = frozenset({
    "转载文章", "转载", "本站原创", "原创", "本站", "本网", "网络", "互联网", "网友投稿",
    "投稿", "综合", "未知", "其他", "其它", "网络整理", "网络转载", "网上", "网传",
    "本站整理", "整理", "匿名", "佚名", "自媒体", "用户投稿", "网友", "admin",
    "本網", "網路", "網絡", "轉載", "原創", "访问量", "訪問量", "友善列印", "列印", "打印",
    "浏览量", "瀏覽量", "阅读量", "閱讀量", "点击量", "點擊量", "不详", "不詳",
    "网络投稿", "網路投稿", "读者投稿", "讀者投稿", "来稿", "來稿", "网友来稿",
})

# Labels of the author byline (编辑/责任编辑 are deliberately absent: editors are neither
# author nor source).
AUTHOR_LABELS = (
    r"作\s*者|撰\s*文|撰稿人?|撰稿|采\s*写|採\s*寫|文\s*字(?=\s*[:：/／|｜丨])|执\s*笔|記\s*者|记\s*者|"
    r"特约记者|特約記者|本报记者|本報記者|通讯员|通訊員|本文作者|"
    r"[图圖]\s*[/／]\s*文|文\s*[/／]\s*[图圖]|[图圖]文(?=\s*[:：/／|｜丨])|文[图圖](?=\s*[:：/／|｜丨])|"
    r"文(?=\s*[/／|｜丨·])|By"
)
AUTHOR_LABEL_RE = re.compile(r"(?:%s)\s*[:：/／|｜丨]?\s*" % AUTHOR_LABELS)

# Editor labels: a name after one of these is never author or source.
EDITOR_LABELS = (
    r"责任编辑|責任編輯|值班编辑|编辑|編輯|责编|責編|审核|審核|校对|校對|监制|監製|"
    r"统筹|統籌|策划|策劃|美编|美編|编审|編審|终审|终校|二审|三审|初审|主编|主編|制作|"
    r"摄影|攝影|摄像|攝像|图|圖|供稿|排版|视频|視頻"
)
EDITOR_LABEL_RE = re.compile(r"(?:%s)\s*[:：|｜/／]" % EDITOR_LABELS)

# Role words that end a list of names (记者：马强 摄像：杨帆).
ROLE_WORDS = re.compile(
    r"^(?:摄像|攝像|摄影|攝影|编辑|編輯|责编|責編|校对|校對|制作|製作|监制|監製|审核|審核|翻译|翻譯|"
    r"配音|剪辑|剪輯|主持|图片|圖片|视频|視頻|出品|策划|策劃|统筹|統籌|设计|設計|美编|来源|來源|"
    r"报道|報導|通讯员|通訊員|实习生|實習生)")

# A credit line of label：name pairs and nothing else (作者：记者 刘志刚 编辑：王芳,
# 记者：马强　摄像：杨帆): never body.
CREDIT_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(?:(?:%s|%s)\s*[:：/／|｜]\s*[^\s:：，。！？,]{1,12}(?:\s+[^\s:：，。！？,]{1,6}){0,3}\s*){1,6}[)）】\]]?\s*$"
    % (AUTHOR_LABELS, EDITOR_LABELS)
)

# Place names that begin with a common surname or read like a given name (宁波, 王府井, 金华):
# a closing （宁波） or 王府井/北京报道 is a dateline, not a byline. Provinces, prefecture-level
# cities and a few districts, Simplified and Traditional.
PLACE_NAMES = frozenset("""
北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西
甘肃 青海 台湾 臺灣 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 澳門 石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原
大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口
阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 四平 辽源 通化 白山 松原 白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江
黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山
台州 丽水 义乌 昆山 江阴 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 莆田
三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 东营 烟台 潍坊
济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳
周口 驻马店 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳
郴州 永州 怀化 娄底 湘西 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州
揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚 儋州 成都 自贡 攀枝花 泸州 德阳
绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 贵阳 遵义 六盘水 安顺 毕节 铜仁 昆明 曲靖 玉溪 保山 昭通
丽江 普洱 临沧 大理 拉萨 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉
庆阳 定西 陇南 西宁 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 喀什 伊犁 雄安 浦东 滨海 王府井 中关村 陆家嘴 前海 横琴 台北 臺北 台中
臺中 台南 臺南 高雄 新北 桃园 桃園 基隆 新竹 嘉义 嘉義 彰化 屏东 屏東 宜兰 宜蘭 花莲 花蓮 台东 臺東 澎湖 金门 金門 马祖
馬祖 苗栗 南投 云林 雲林 九龙 九龍 新界 沙田 荃湾 荃灣 屯门 屯門 元朗 旺角 铜锣湾 銅鑼灣 中环 中環 北京市 上海市 天津市 重庆市 南京市
杭州市 宁波市 广州市 深圳市
""".split())

# Words that look like names but are not people (作者：网络整理).
NOT_A_NAME = frozenset({
    "网络整理", "网络", "佚名", "本站", "本网", "admin", "管理员", "编辑部", "小编", "匿名",
    "未知", "综合", "整理", "原创", "转载", "本站编辑", "网友", "本報", "本报", "新华社",
    "綜合報導", "综合报道", "綜合", "編輯部", "即時新聞", "即时新闻",
})

# Words inside a would-be name that show it is a heading or widget (作者最新文章).
NOT_NAME_WORDS = re.compile(r"文章|最新|更多|简介|簡介|介绍|主页|其他|相关|推荐|专栏|热门|作品|动态|关注|粉丝|文集")

# Two-character surnames: a four-character string starting with one can be a person.
COMPOUND_SURNAMES = (
    "欧阳|歐陽|司马|司馬|上官|诸葛|諸葛|东方|東方|皇甫|尉迟|尉遲|公孙|公孫|慕容|令狐|长孙|長孫|"
    "宇文|司徒|夏侯|范姜|端木|独孤|獨孤|南宫|南宮|西门|西門|轩辕|軒轅|澹台|澹臺|申屠|张简|張簡"
)

# Common one-character surnames (simplified and traditional forms): a bare name found without
# any label (after the date, closing a paragraph) must start with one (or a compound surname).
COMMON_SURNAMES = (
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖蕭"
    "田董袁潘于於蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付傅方白邹鄒"
    "孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊"
    "葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀"
    "梅童凌毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時"
    "穆农農司卓古吉缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應"
    "臧闵閔苟邬鄔边邊卞姬师師仇栾欒隋商刁沙荣榮巫寇桑郎甄丛叢仲虞敖巩鞏佘池查麻苑迟遲邝鄺官封谈談匡鞠惠"
    "荆荊乐樂冀郁胥班储儲栗燕楚鄢劳勞谌諶奚皮粟冼蔺藺楼樓盘盤满滿闻聞厉厲伊仝区區郜阚闞花权權强強帅帥屠"
    "朴盖蓋练練廉禹井祖漆巴丰卿狄计計索宣晋晉初云雲容敬扈晁芮阙闕浦戈伏鹿薄邸雍辜乌烏裘亓邰赫杭况況宿"
    "鲜鮮印逯隆茹诸諸战戰慕危银銀亢嵇湛宾賓戎勾茅呼居揭尉冶束檀衣展阴陰昝智幸植衡富尧堯")

# Reporter-title words before a name (南都见习记者 林子沛 -> 林子沛).
NAME_PREFIX = re.compile(
    r"^(?:\S{0,6}?(?:见习记者|見習記者|实习记者|實習記者|特约记者|特約記者|首席记者|记者|記者|"
    r"通讯员|通訊員|实习生|實習生|特约撰稿人|撰稿人|特约评论员|特約評論員|评论员|評論員))\s*"
)

# Text that is never body: whole lines matching these are cut from the article text.
BOILERPLATE_LINE = re.compile(
    r"^\s*(?:"
    r"原标题|原標題|原题|【?\s*责任编辑|責任編輯|责编|責編|编辑\s*[:：]|編輯\s*[:：]|"
    r"（\s*(?:责任)?编辑|\(\s*(?:责任)?编辑|【\s*纠错|纠错|"
    r"(?:文章|信息|稿件|新闻|本文)?来源\s*[:：]|(?:文章|信息|稿件|新聞)?來源\s*[:：]|出处\s*[:：]|"
    r"分享到|分享至|分享：|一键分享|转发到|收藏本文|打印本页|打印本文|关闭窗口|關閉視窗|"
    r"返回顶部|返回首页|返回列表|返回搜狐|返回.{0,6}查看更多|"
    r"上一篇|下一篇|上一條|下一條|上一条|下一条|相关阅读|相关新闻|相关文章|相關新聞|延伸阅读|"
    r"推荐阅读|热点推荐|热门推荐|猜你喜欢|更多精彩|更多资讯|往期回顾|"
    r"扫一扫|扫描二维码|长按二维码|长按识别|关注我们|关注微信|微信扫一扫|点击关注|"
    r"版权所有|版權所有|copyright|©|转载请注明|轉載請註明|未经授权|本文系|本文为.{0,10}原创|"
    r"声明[:：]|免责声明|特别声明|凡本网注明|THE\s*END|END\s*$|"
    r"本文标签|标签[:：]|關鍵字|关键词[:：]|关键字[:：]|TAGS?\s*[:：]|"
    r"点击(?:进入|查看|阅读)|点击下载|下载.{0,6}客户端|下載.{0,6}APP|打开.{0,6}APP|"
    r"字号[:：]|字體|【字体|大\s*中\s*小|"
    r"举报|舉報|我要评论|发表评论|網友評論|网友评论|评论\s*\d|\d+\s*条评论|"
    r"阅读\s*\d|阅读数|浏览次数|瀏覽次數|点击数|點閱|"
    r"本期编辑|值班编辑|审核[:：]|校对[:：]|监制[:：]|统筹[:：]|终审"
    r")",
    re.I,
)

# The same for English-language pages (short widget lines; checked on lines of <= 80 chars).
BOILERPLATE_LINE_EN = re.compile(
    r"^\s*(?:photo|image|picture|credit|caption|close|back to gallery|explore further|citation\s*:|"
    r"advertisement|read more|related\s*:|related stories|share this|share on|sign up|subscribe|"
    r"follow us|click here|more from|recommended|updated\s*[:\d]|published\s*[:\d]|posted\s*[:\d]|"
    r"this (?:document|article|material) (?:is subject to|may not be)|all rights reserved|"
    r"last (?:updated|modified)|related(?: links| articles| content)?$|(?:external|internal) links|"
    r"e-?mail\s*\|\s*print|print\s*\|\s*e-?mail|keep up to date|have your say|with files from|"
    r"posted by\s*:|comments?\s*(?:\(|:|$)|do you have comments|(?:note|notice)\s*:\s*(?:please|comments)|"
    r"auf anderen social|diesen artikel|leave a (?:comment|reply)|add (?:a|your) comment)\b",
    re.I,
)

# Notices that are prose but never the article: disclaimers, cookie/consent banners,
# newsletter and copyright notices (any length; checked on every line when scoring).
NOTICE_LINE = re.compile(
    r"^\s*(?:disclaimer|legal notice|aviso legal|haftungsausschluss|avertissement|免责声明|免責聲明|特别声明|"
    r"特別聲明|声明\s*[:：]|聲明\s*[:：]|版权声明|版權聲明|"
    r"(?:we|this (?:site|website)|our (?:site|website)) uses? cookies|(?:this|our) (?:site|website) uses|"
    r"by (?:clicking|continuing|using this)|(?:cookie|privacy) (?:policy|settings|notice|preferences)|"
    r"nous utilisons des cookies|utilizamos cookies|wir verwenden cookies|本网站使用|本站使用)"
    r"|\bcookies?\b.{0,200}\b(?:consent|accept|agree|privacy|einwilligung|akzeptieren|accepter|aceptar)",
    re.I,
)

# --- body clean-up (bodyclean.py) ----------------------------------------------------

# A line that opens the readers' comments under an article (a heading, a counter, the
# first comment's "posted by" line): it and everything after it is not the article.
# Checked on short lines after the article's text has started.
COMMENTS_OPENER = re.compile(
    r"^(?:\d+\s+)?(?:readers?'?\s+|user\s+|latest\s+|top\s+|all\s+)?comments?(?:\s*\(\d+\)?)?\s*[:：]?$|"
    r"^(?:insgesamt\s+)?\d+\s*[^\w\s]{0,3}\s*(?:comments?|responses?|replies|beiträge|kommentare|commentaires|comentarios)\b|"
    r"^(?:leave|post|add|write|submit)\s+(?:a|your)\s+(?:comment|reply|response)\b|"
    r"^(?:kommentare?|commentaires?|comentarios?|commenti)(?:\s*\(\d+\)?)?\s*:?$|"
    r"^posted by\s*:?.{1,60}\b(?:\d{1,2}:\d\d|(?:19|20)\d\d|\d{1,2}\s+\w{3,9}\s+\d\d)\b|"
    r"^(?:网友|網友|读者|讀者|最新|热门|熱門|全部|精彩)?(?:评论|評論|留言)(?:区|區|列表)?\s*[(（]?\d*[)）]?$|"
    r"^(?:共\s*)?\d+\s*条(?:评论|評論|留言)$|^(?:发表|發表)(?:评论|評論)$",
    re.I,
)

# A whole line that is a widget label, never text (图集, 看全文, 收起, +1): matched on short
# lines after stripping bullets and brackets.
UI_LINE = re.compile(
    r"^(?:图集|圖集|组图|組圖|高清组图|推荐|推薦|热门|熱門|THE\s*END|END|全文完|查看原图|查看大图|點擊放大|点击放大|點圖放大|看全文|查看全文|阅读全文|閱讀全文|"
    r"展开全文|展開全文|展开|展開|收起|收起全文|全文|分享工具|分享|分享到|一键分享|新闻评论|新聞評論|评论|評論|"
    r"网友评论|網友評論|我要评论|我要評論|我要反馈|我要反饋|点赞|點讚|点个赞|赞|讚|好文|打印|列印|友善列印|"
    r"关闭|關閉|更多|加载更多|載入更多|返回|返回顶部|回到顶部|回頂部|举报|舉報|收藏|复制链接|複製連結|"
    r"不喜欢|不喜歡|广告|廣告|推广|推廣|赞助|贊助|继续阅读|繼續閱讀|请继续往下阅读|請繼續往下閱讀|"
    r"阅读原文|閱讀原文|看更多|知道了|取消|允许|允許|确定|確定|微信|微博|QQ|QQ空间|QQ空間|朋友圈|豆瓣|新浪微博|"
    r"腾讯微博|Facebook|Twitter|LINE|WhatsApp|Telegram|Email|"
    r"advertisement|advertising|sponsored|read more|show more|show less|share|print|e-?mail|tweet|"
    r"\+\s?\d{1,3})$",
    re.I,
)

# Promotions, reprint and copyright notices, disclaimers and public-service notices that
# close an article (app downloads, QR codes, "follow our account", 转载请注明, 不代表本站立场,
# suicide-hotline boxes): searched in lines at the end of the text only (a report may
# mention an app or a hotline in its own sentences).
TAIL_NOTICE = re.compile(
    # app downloads and QR codes: with an invitation (欢迎下载, 立即下載, 去 App 商店, 扫码关注)
    # (the invitation opens a clause: "她打开手机App挂号" and "镇里组织免费下载App" are the story;
    # nor does it reach past a sentence or a quote: "“欢迎下载。”该App负责人说")
    r"(?:^|(?<=[\s，。！？；：,.!?;:●★▲■◆►▶→·•（(【\[]))(?:敬请|敬請)?"
    r"(?:欢迎|歡迎|立即|马上|馬上|请|請|点击|點擊|免费|免費|點我|点我|按我|點此|点此|打开|打開)"
    r"[^。！？!?“”\"]{0,12}(?:APP|App|app|客户端|客戶端|应用商店|應用商店)|(?:下载|下載).{0,8}(?:应用程序|應用程式)|"
    r"(?:去|就|快)\s*(?:下载|下載|打开|打開|安装|安裝)?\s*(?:APP|App|app|应用商店|應用商店)|"
    # (the QR phrase opens a clause, follows an invitation (请, 欢迎, 可, 您) or an offer of more
    # (更多福利扫码关注): "游客扫码即可收听讲解" and "市民可以通过扫描二维码下载App办理" in a
    # report's own sentence are the story, "请扫码收听本期节目" a promotion)
    r"(?:^|(?<=[\s，。！？；：,.!?;:●★▲■◆►▶→·•（(【\[])|(?<=请)|(?<=請)|(?<=欢迎)|(?<=歡迎)|(?<=立即)|(?<=马上)|(?<=馬上)|(?<=敬请)|(?<=敬請)|(?<=就)|(?<=可)|(?<=可以)|(?<=微信)|(?<=您)|(?<=记得)|(?<=記得)|(?<=忘了))"
    r"(?:扫码|掃碼|扫描二维码|掃描二維碼|扫描下方|掃描下方|长按二维码|長按二維碼|识别二维码|識別二維碼|扫一扫|掃一掃)"
    r".{0,20}(?:下载|下載|关注|關注|订阅|訂閱)|"
    r"更多[^，。！？,.!?]{0,12}(?:扫码|掃碼|扫描二维码|掃描二維碼|扫一扫|掃一掃).{0,20}(?:下载|下載|关注|關注|订阅|訂閱)|"
    r"(?:^|(?<=[\s，。！？；：,.!?;:●★▲■◆►▶→·•（(【\[])|(?<=请)|(?<=請)|(?<=欢迎)|(?<=歡迎)|(?<=立即)|(?<=马上)|(?<=馬上)|(?<=敬请)|(?<=敬請)|(?<=就))"
    r"(?:扫码|掃碼|扫描二维码|掃描二維碼|扫描下方|掃描下方|长按二维码|長按二維碼|识别二维码|識別二維碼|扫一扫|掃一掃)"
    r".{0,20}(?:阅读|閱讀|加入|进群|進群|领取|領取|获取|獲取|添加|收听|收聽|观看|觀看)|"
    # follow/subscribe to our account or page
    # (opening a clause or after an invitation: "警方呼吁市民关注官方频道" and "工作人员引导老人
    # 扫码关注公众号" are the story, "加入中央社粉絲團", "欢迎关注城市观察公众号" promotions)
    r"(?:^|(?<=[\s，。！？；：,.!?;:●★▲■◆►▶→·•（(【\[])|(?<=请)|(?<=請)|(?<=欢迎)|(?<=歡迎)|(?<=敬请)|(?<=敬請)|"
    r"(?<=立即)|(?<=马上)|(?<=馬上)|(?<=可)|(?<=可以)|(?<=您)|(?<=记得)|(?<=記得)|(?<=忘了)|(?<=快)|(?<=就))"
    r"(?:(?:关注|關注)(?!到)|搜索|订阅|訂閱|追蹤|追踪|加入).{0,12}(?:公众号|公眾號|微信号|微信號|头条号|頭條號|视频号|"
    r"粉丝团|粉絲團|粉絲專頁|粉丝专页|Telegram|Facebook|YouTube|Instagram|頻道|频道)|"
    r"(?:请|請|立即|欢迎|歡迎)(?:讚好|按讚|赞好|追蹤|追踪|訂閱|订阅|關注|关注)|"
    # first published elsewhere, reprint and copyright notices
    # (this article first published, or a line opening with 首发于; "这段视频首发于微博后走红"
    # is a report. A reprint request asks (请, 须, 需): "该网站转载时未注明出处" is a report)
    r"(?:本文|此文|原文|(?:^|(?<=[\s，。！？；：,.!?;:（(【\[]))文章)(?:首发|首發)|"
    r"(?:^|(?<=[\s，。！？；：,.!?;:（(【\[]))(?:首发|首發)(?:于|於).{0,12}(?:公众号|公眾號|微信|微博|头条|頭條|客户端|客戶端)|"
    r"原文链接|原文連結|(?:转载|轉載)[^。！？!?]{0,8}?(?:请|請|须|須|需|必|应|應|要|经|經)[^。！？!?]{0,14}?"
    r"(?:注明|註明|授权|授權|联系|聯繫|聯絡)|"
    # (the ban closes its clause or names the site's own work; "未经授权转载了原告的文章"
    # in a copyright case is the story)
    r"(?:未经|未經|请勿|請勿|不得|禁止|严禁|嚴禁).{0,12}(?:转载|轉載)(?=$|[\s，。！；、,.!;）)]|或|及|和|与|與|本|此|者|使用|摘编|摘編)|"
    # disclaimers: 不代表本站立场, 文章内容仅代表作者观点, 风险自担
    r"(?:不代表|并不代表|並不代表)(?:本|平台|網站|网站|.{0,8}(?:网|網|报|報|台|社|刊|平台))\S{0,4}(?:立场|立場|观点|觀點)|"
    r"仅代表作者|僅代表作者|(?:文责|文責)自负|(?:风险|風險)(?:自担|自擔|请自担|請自擔)|"
    r"(?:不构成|不構成).{0,8}(?:投资|投資)|仅提供信息存储|僅提供信息存儲|"
    # a site's public-service box: ●《X新聞雲》提醒您, ★X電子報關心您
    # (the site names itself: 新聞雲, 電子報, 《X》; "市气象台提醒您" closes a weather report)
    r"(?:报|報|网|網|闻|聞|云|雲|电视台|電視台|》)(?:提醒您|關心您|关心您)|"
    r"更多.{0,40}(?:请|請)(?:关注|關注|访问|訪問|登录|登入|点击|點擊|下载|下載|扫码|掃碼|浏览|瀏覽)|"
    r"(?:更多|详细|詳細|完整).{0,12}(?:报道|報導|内容|內容|资讯|資訊)\S{0,3}(?:请|請)(?:在|到|至|前往)|"
    r"(?:^|[（(【\[]|为|為|系|係|属|屬)\s*(?:网友|網友)投稿|"
    # (paid membership invited to or required, not a business story's 推出付费会员服务)
    r"(?:(?:加入|成为|成為|升级|升級)[^，。！？,.!?]{0,10}|为|為)\s*(?:付費|付费|訂閱|订阅)(?:會員|会员)|"
    r"(?:付費|付费|訂閱|订阅)(?:會員|会员)\s*(?:專屬|专属|專享|专享|限定|獨享|独享|才|即可|方可)|已過查詢時效|已过查询时效|返回搜狐|"
    r"(?:点击|點擊).{0,8}(?:关注|關注|在看|分享|订阅|訂閱)|(?:点|點)(?:个|個)(?:赞|讚|在看)|"
    r"本文由.{0,20}(?:原创|原創|授权|授權|整理发布|整理發布)|(?<!未经)(?<!未經)(?:授权|授權)(?:转载|轉載|刊登|刊出)|"
    r"(?:风险|風險)自负|(?:风险|風險)自負|(?:据此|據此)(?:操作|买卖|買賣|投资|投資)|"
    r"(?:如有|如涉及|如涉嫌|若有|若涉及|若涉嫌)(?:侵权|侵權)|侵删|侵刪|(?:投稿|爆料|新闻|新聞)(?:邮箱|郵箱|热线|熱線|电话|電話)\s*[:：]|"
    r"^\s*[（(]?\s*(?:作者简介|作者簡介|作者介绍|作者介紹|关于作者|關於作者)|^\s*[（(]\s*(?:本文)?作者(?:为|系|是|為|係)|"
    r"^\s*[（(【\[]\s*(?:本文|文章|稿件|新闻|新聞|信息)?(?:来源|來源|转自|轉自)\s*[:：]",
)

# A warning before a TAIL_NOTICE match in its clause (不要扫码关注陌生公众号, 切勿下载来路不明的
#应用程序, 不法分子以扫码领礼品为由…): the report warns against it, it does not invite.
# (不要错过, 别忘了 invite: not warnings)
NOTICE_WARNED = re.compile(r"不要(?!错过|錯過)|切勿|切莫|请勿|請勿|谨防|謹防|警惕|提防|防范|防範|不法|诈骗|詐騙|骗|騙")
CLAUSE_END = re.compile(r"[，。！？；：,.!?;:\s]")

# Words one of which every TAIL_NOTICE match holds: a cheap test before the full pattern.
TAIL_NOTICE_WORDS = re.compile(
    r"APP|App|app|客户端|客戶端|应用商店|應用商店|扫|掃|二维码|二維碼|关注|關注|订阅|訂閱|追蹤|追踪|讚|赞|首发|首發|"
    r"原文|转载|轉載|代表|文责|文責|风险|風險|构成|構成|信息存|提醒您|关心您|關心您|更多|详细|詳細|完整|投稿|"
    r"會員|会员|時效|时效|搜狐|来源|來源|转自|轉自|公众号|公眾號|粉丝|粉絲|頻道|频道|Telegram|Facebook|YouTube|Instagram|"
    r"在看|本文由|作者|应用程序|應用程式|授权|授權|自负|自負|据此|據此|侵|邮箱|郵箱|热线|熱線|电话|電話"
)

# Player and browser widget text (视频加载中, 您的浏览器不支持…): cut anywhere on short lines
# (the browser message addresses the reader or is the line: "部分老旧浏览器不支持该系统" is a report).
WIDGET_TEXT = re.compile(
    r"加载中|載入中|正在加载|正在載入|(?:^|(?:您|你)[^，。！？,.!?]{0,8})(?:浏览器|瀏覽器)(?:不支持|不支援|版本过低|版本過低)|请升级浏览器|"
    r"轻点两下|輕點兩下|继续滑动看下一个|向上滑动看下一个|轻触阅读原文|预览时标签不可点|"
    r"your browser does not support|\d+\s*人(?:参与|參與|阅读|閱讀|浏览|瀏覽|点赞|點讚|收藏)$",
    re.I,
)

# A short hotline line of such a box (自殺防治諮詢專線：0800-788995, 生命線：1995).
# The number ends the line (hours in brackets or a second hotline may follow): "市民热线12345
# 今年共受理诉求80万件" is a report.
_HOTLINE = r"(?:專線|专线|熱線|热线|生命線|生命线)\s*[:：︰]?\s*[\d\-－()（）\s]{3,}"
HOTLINE_LINE = re.compile(r"^.{0,12}" + _HOTLINE + r"(?:[（(][^）)]{0,12}[）)]|[\s；;。.，,、/／]|.{0,12}?" + _HOTLINE + r")*$")

# A short line that is a photo or image credit (张建 摄, 题图来自 X, 图片来源：X).
PHOTO_CREDIT_LINE = re.compile(
    r"^[（(]?\s*(?:(?:新华社|新華社|中新社|本报|本報)?(?:记者|記者|通讯员|通訊員)?\s*[\u4e00-\u9fff·]{2,4}(?:\s*[\u4e00-\u9fff·]{2,4})?\s*(?:摄|攝)(?:影)?|"
    r"(?:题图|題圖|头图|頭圖|封面图|封面圖|图片|圖片)\s*(?:来自|來自|来源|來源|由|[:：︰/／])\s*.{1,30})\s*[)）]?$"
)

# A short staff-credit line: 記者︰X, 美術：X, 總監製：X (the U+FE30 colon too), 来源 | X.
ROLE_CREDIT_LINE = re.compile(
    r"^(?:記者|记者|美術|美术|攝影|摄影|撰文|文字|設計|设计|製圖|制图|插畫|插画|視頻|视频|剪接|剪辑|剪輯|配音|攝製|摄制|"
    r"(?:本文|文字|实习|實習|见习|見習|执行|執行|值班|网络|網絡|网页|網頁|新媒体|新媒體)?(?:編輯|编辑)|責編|责编|校對|校对|"
    r"翻譯|翻译|整理|(?:总|總)?(?:监制|監製)|审读|審讀|审校|審校|审核|審核|出品人?|策划|策劃|统筹|統籌|主编|主編|"
    r"制作|製作|制片|製片|排版|美编|美編|视觉|視覺|海报|海報|摄像|攝像|后期|後期|主笔|主筆|文案|譯者|译者|核稿|編譯|编译)\s*[:：︰|｜丨]\s*[\u4e00-\u9fffA-Za-z·\s、,，]{2,24}$|"
    r"^(?:来源|來源|出处|出處)\s*[|｜丨]\s*\S.{0,40}$"
)

# A line of two or more staff credits and nothing else (X供稿 摄影/Y 编辑/Z).
CREDITS_LINE = re.compile(
    r"^(?:[^，。！？；,;:：/／]{0,16}?(?:(?:供稿|撰稿|摄影|攝影|摄像|攝像|编辑|編輯|责编|責編|审核|審核|校对|校對|文字|"
    r"譯者|译者|核稿|編譯|编译)\s*[/／:：|｜]?|(?:图|圖|文)\s*[/／:：|｜])\s*[\u4e00-\u9fff·]{2,12}[\s/／|｜]*){2,6}$"
)

# 原标题 in brackets (（原标题：…）): the bare form is in BOILERPLATE_LINE.
ORIGINAL_TITLE_LINE = re.compile(r"^\s*[（(【\[]\s*原(?:标题|標題|题|題)\s*[:：]")

# A standalone desk byline: 社會中心／綜合報導, 国际新闻部/综合报道.
DESK_BYLINE_LINE = re.compile(
    r"^[\u4e00-\u9fff]{2,10}\s*[／/]\s*(?:[\u4e00-\u9fff]{2,4}\s*)?(?:綜合|综合)?(?:報導|报道|外電報導|外电报道)$"
)

# class/id tokens of image captions and photo boxes.
CAPTION_HINTS = re.compile(
    r"(?:^|[-_\s])(?:caption|captions|figcaption|img-?desc|pic-?info|picinfo|pic-?txt|pictxt|photo-?(?:text|desc|info|caption|txt)|"
    r"img-?(?:caption|text|txt|title)|image-?(?:caption|desc|text)|figure|figure-?box|gallery|slideshow|photoswipe)(?:$|[-_\s\d])",
    re.I,
)

# class/id tokens of a summary box above the text (摘要/导读: the lede repeated, not body).
SUMMARY_HINTS = re.compile(r"(?:^|[-_\s])(?:abstract|summary|excerpt|zhaiyao|daodu|digest|tips)(?:$|[-_\s\d])", re.I)

# A line that is only a page-number bar (1 2 3 下一页 / 上一页 共3页).
PAGE_BAR_LINE = re.compile(
    r"^(?:[\s\d\[\]【】<>«»‹›|·.…/第页頁共首尾上下一末前后後]|next|prev)*$|"
    r"^.{0,20}(?:上一页|下一页|下一頁|上一頁|尾页|末页).{0,40}$",
    re.I,
)

# A whole line that is a byline and nothing else (本报记者 张三 / 文/李四 / （羅森）).
BYLINE_LINE = re.compile(
    r"^\s*(?:[（(【\[〔]\s*)?(?:本报|本報|.{0,6}?)(?:记者|記者|通讯员|通訊員|作者|撰文|采写|採寫|文\s*[/／|｜])"
    r"\s*[:：]?\s*[\w·•\s、，,／/]{1,30}(?:\s*[)）】\]〕])?\s*$"
)
# A closing standalone byline in parentheses: （羅森） / (记者 张三) / （完）
CLOSING_BYLINE = re.compile(r"^\s*[（(]\s*(?P<name>[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,3}|"
                            r"[\u4e00-\u9fff]{2,10}(?:局|厅|廳|委员会|委員會|办公室|辦公室|协会|協會|学会|學會))\s*[)）]\s*$")
END_MARKS = frozenset({"完", "全文完", "本文完", "结束", "終", "end", "END", "待续", "待續", "未完", "续完", "續完", "未完待续", "未完待續"})

# Source credit lines at the end of an article (转自《北京科技报》, （来源：人民日报）).
CLOSING_SOURCE = re.compile(
    r"^\s*[（(【\[]?\s*(?:(?:%s)(?:\s*[:：]|\s+|(?![于於自是的地为為])|[于於自](?=[^，。！？；,;!?]{2,12}$))|"
    r"(?:%s)\s*(?:[:：]|(?=《)))\s*"
    r"《?(?P<name>[^》)）】\]\s，。！？；,;!?]{2,20}+)》?(?![，。！？；,;!?])"
    r"\s*[)）】\]]?\s*" % (SOURCE_LABELS, SOURCE_LABELS_WEAK)
)

# Text of the "next page" link of multi-page articles and paginated listings.
NEXT_PAGE_TEXT = re.compile(
    r"^\s*(?:下一页|下一頁|下页|下頁|后页|後頁|next(?:\s*page)?|>|›|»|>>|＞|→|下一页\s*>+|下一页»)\s*$",
    re.I,
)

# Link texts of "more"/navigation links on listing pages (never articles).
MORE_LINK_TEXT = re.compile(
    r"^\s*(?:更多|更多>+|more|查看更多|进入.{0,6}|返回.{0,6}|首页|尾页|上一页|下一页|末页|"
    r"\d{1,3}|[<>«»‹›]+|登录|注册|English|设为首页|加入收藏|网站地图|联系我们|关于我们)\s*$",
    re.I,
)

# URL shapes of article pages on Chinese news sites (dated paths, numeric ids, .shtml).
ARTICLE_URL_SHAPES = re.compile(
    r"(?:/20\d{2}[-/_]?\d{2}[-/_]?\d{2}/|/20\d{2}[-_]?\d{2}/\d{2}/|/t20\d{6}_|/20\d{6}/|"
    r"/\d{4,}\.s?html?$|[_/-]\d{5,}\.s?html?$|/content_\d+|/art_\d+|/a/\d+|/article/|"
    r"/detail/|/news/\d|/doc-|\?id=\d+|[?&](?:aid|articleid|newsid|id|p)=\d+|"
    r"/\d{6,}/?$|\.s?html?$)",
    re.I,
)
# URL shapes of list/index pages (never articles): index.html, list_2.html, /node_123.htm.
LISTING_URL_SHAPES = re.compile(
    r"(?:/index(?:_\d+)?\.s?html?$|/list(?:_\d+)?\.s?html?$|/node_\d+\.s?html?$|/$|"
    r"/(?:category|tag|tags|column|channel|list|lm|lanmu)/)",
    re.I,
)
# Pagination URL shapes: index_2.html, list_3.html, foo_2.html, ?page=2, /page/2/.
PAGE_URL_NUMBER = re.compile(
    r"(?:(?:index|list|default|node_\d+)?_(?P<a>\d{1,4})\.s?html?$|[?&](?:page|p|pageno|pn|pageNo|pageIndex|curpage|cp)=(?P<b>\d{1,4})(?:&|$)|"
    r"/page/(?P<c>\d{1,4})/?$|-(?P<d>\d{1,3})\.s?html?$)",
    re.I,
)
