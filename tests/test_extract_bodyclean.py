"""Body clean-up rules (aggregator/extract/bodyclean.py) on small hand-written pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from parsel import Selector

from aggregator.extract.article import extract_article

NOW = datetime(2022, 3, 18, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
URL = "http://www.news.example/a/2022/0318/c1.html"

PARAS = [
    "记者从市交通运输局获悉，本月起城区新增三条夜间公交线路，覆盖火车站、大学城和主要商圈。",
    "夜间线路每三十分钟一班，末班车延长至次日凌晨一点，票价与日间线路相同，可使用各类公交卡。",
    "交通部门表示，将根据乘客出行数据继续优化线路走向和发车间隔，方便市民夜间出行。",
]
TITLE = "城区新增三条夜间公交线路"


def page(inner: str, after: str = "", before: str = "") -> Selector:
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}_城市新闻网</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a><a href='/a/'>本地</a></div>"
            f"<div class='article'><h1>{TITLE}</h1>{before}<div class='content'>{inner}</div>{after}</div>"
            f"<div class='footer'>城市新闻网 版权所有</div></body></html>")
    return Selector(text=html)


def paras(items=PARAS) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def body(sel) -> list[str]:
    return extract_article(sel, url=URL, now=NOW)["body_text"].split("\n")


def test_closing_promotions_and_notices_are_cut():
    tail = ("<p>想了解更多相关报道，欢迎下载城市新闻APP阅读。</p>"
            "<p>本文首发于微信公众号“城市观察”，转载请联系授权。</p>"
            "<p>文章内容仅代表作者观点，不代表本网立场。</p>")
    assert body(page(paras() + tail)) == PARAS


def test_a_public_service_box_after_the_text_is_cut():
    tail = ("<p>★城市新闻网关心您：遇到困难请求助</p><p>心理援助热线：0000-123456</p><p>生命线：1995</p>")
    assert body(page(paras() + tail)) == PARAS


def test_an_app_mentioned_inside_the_text_stays():
    text = PARAS[:2] + ["市民可在手机上下载公交应用查询到站时间，也可以拨打服务热线咨询。"] + PARAS[2:]
    assert body(page(paras(text))) == text


def test_a_last_paragraph_about_an_app_stays():
    text = PARAS + ["交通部门提醒，乘客可在“城市公交”客户端查询夜间线路的实时位置。"]
    assert body(page(paras(text))) == text


def test_a_last_paragraph_where_people_scan_a_code_stays():
    # a QR code in the story's own sentence (someone in the report scans it) is text;
    # a closing invitation to scan and follow or listen is a promotion
    text = PARAS + ["新线路的站台增设了电子站牌，乘客扫码即可收听到站提醒。"]
    assert body(page(paras(text))) == text
    for promo in ("扫码关注城市新闻网公众号，获取更多本地资讯", "更多出行信息，请扫码收听本台交通广播"):
        assert body(page(paras() + f"<p>{promo}</p>")) == PARAS, promo


def test_widget_labels_and_staff_credits_are_cut():
    inner = ("<div class='pics'><span>图集</span></div>" + paras()
             + "<p>记者︰张三</p><p>美術：李四</p><div class='like'><span>+1</span></div><p>收起</p>")
    assert body(page(inner)) == PARAS


def test_a_desk_byline_and_a_photo_credit_line_are_cut():
    inner = "<p>社会中心／综合报道</p>" + paras(PARAS[:2]) + "<p>王五 摄</p>" + paras(PARAS[2:])
    assert body(page(inner)) == PARAS


def test_captions_in_caption_markup_are_cut_when_there_is_text():
    inner = (paras(PARAS[:1]) + "<figure><img src='a.jpg'><figcaption>夜间公交车停靠在火车站广场。</figcaption></figure>"
             + paras(PARAS[1:]) + "<p class='img-caption'>▲乘客在站台等候夜间公交车。（王五摄）</p>")
    assert body(page(inner)) == PARAS


def test_a_page_that_is_one_captioned_photo_keeps_its_caption():
    cap = "夜间公交车首日运行，乘客在火车站广场排队上车，现场秩序良好。"
    inner = f"<figure><img src='a.jpg'><figcaption>{cap}</figcaption></figure>"
    assert body(page(inner)) == [cap]


def test_a_summary_box_above_the_text_is_cut_and_the_paragraph_it_repeats_kept():
    inner = f"<div class='article-abstract'><p>{PARAS[0]}</p></div><div class='text'>{paras()}</div>"
    assert body(page(inner)) == PARAS
    summary = "摘要：城区本月起新增三条夜间公交线路，末班车延长至次日凌晨一点。"
    inner = f"<div class='article-abstract'><p>{summary}</p></div><div class='text'>{paras()}</div>"
    assert body(page(inner)) == PARAS


def test_a_summary_class_holding_the_whole_text_is_the_text():
    inner = f"<div class='field-text-with-summary'>{paras()}</div>"
    assert body(page(inner)) == PARAS


def test_a_photo_gallery_list_after_the_text_is_cut():
    gallery = ("<ul class='photos'><li><a href='/p1'><img src='1.jpg'></a><p>夜间公交车驶出总站，开始首日运营。</p></li>"
               "<li><a href='/p2'><img src='2.jpg'></a><p>乘客刷卡上车，票价与日间线路相同。</p></li></ul>")
    assert body(page(paras() + gallery)) == PARAS


def test_widgets_after_the_text_block_are_cut():
    widget = ("<div class='bar'><div class='btn'>不想看</div><div class='tip'>已收到，将减少此类内容</div>"
              "<form><div>请输入手机号</div><div>立即申请</div></form></div>")
    assert body(page(paras(), after=widget)) == PARAS or body(page(paras() + widget)) == PARAS
    assert body(page(f"<div class='text'>{paras()}</div>{widget}")) == PARAS


def test_an_article_split_by_a_widget_into_elements_with_one_id_is_read_whole():
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div class='post'>"
            f"<h1>{TITLE}</h1><div id='endText'>{paras(PARAS[:2])}</div>"
            "<div class='gallery-widget'><a href='/g'>上一张</a><a href='/g2'>下一张</a>"
            + "".join(f"<div><a href='/g{i}'>图片说明文字第{i}张</a></div>" for i in range(12)) + "</div>"
            f"<div id='endText'>{paras(PARAS[2:])}</div></div>"
            "<div class='footer'>城市新闻网 版权所有</div></body></html>")
    got = extract_article(Selector(text=html), url=URL, now=NOW)
    assert got["body_text"].split("\n") == PARAS
    assert got["body_html"].count("<p>") == 3


def test_a_related_stories_box_inside_the_text_column_is_not_the_article():
    short = "市交通运输局今天发布通知，城区新增三条夜间公交线路，本月起运营。"
    teasers = "".join(f"<p>这是另一篇新闻的摘要文字，第{i}条，内容较长以便计分。"
                      f"相关部门表示将继续推进各项工作，市民反响良好，效果明显。</p>" for i in range(4))
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div class='main'>"
            f"<h1>{TITLE}</h1><div id='detail'><p>{short}</p></div>"
            f"<div class='relate-news'>{teasers}</div></div></body></html>")
    got = extract_article(Selector(text=html), url=URL, now=NOW)
    assert got["body_text"] == short


def test_a_disclaimer_box_is_not_the_article_of_a_short_item():
    short = "市交通运输局今天发布通知，城区新增三条夜间公交线路，本月起运营。"
    disclaimer = ("本网站所载的资料只供参考之用，读者应考虑自身的目标和情况，并适当寻求独立的专业意见。"
                  "本网站及其资讯供应商竭力提供准确可靠的资料，但并不保证资料绝对无误，如有错漏而令阁下蒙受损失，本公司概不负责。")
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div class='main'>"
            f"<h1>{TITLE}</h1><div id='article-content'><p>{short}</p></div></div>"
            + "".join(f"<div class='col'><a href='/c{i}'>栏目名称第{i}个栏目的链接</a></div>" for i in range(24))
            + f"<div id='pageend'><div id='disclaimer-box'><p>{disclaimer}</p><p>{disclaimer}</p></div></div></body></html>")
    got = extract_article(Selector(text=html), url=URL, now=NOW)
    assert got["body_text"] == short


def test_a_dateline_paragraph_and_a_sentence_with_a_relative_day_are_text():
    lead = "城市新闻网3月18日报道："
    first = "昨天市民在火车站广场排队乘坐首班夜间公交车，现场秩序良好"
    assert body(page(paras([lead, first] + PARAS[1:]))) == [lead, first] + PARAS[1:]


def test_a_first_paragraph_that_repeats_the_headline_after_a_dateline_is_text():
    first = f"新华社北京3月18日电通讯：{TITLE}"
    assert body(page(paras([first] + PARAS))) == [first] + PARAS


def test_a_related_reading_list_inside_the_container_is_cut():
    items = "".join(f"<li><a href='/n{i}'>另一条新闻的标题第{i}条</a><p>这是另一条新闻的摘要，第{i}条，讲述其他城市的交通变化。</p></li>"
                    for i in range(3))
    inner = paras() + f"<p><strong>相关阅读</strong></p><ul>{items}</ul>"
    assert body(page(inner)) == PARAS


def test_a_reading_box_inside_a_long_text_does_not_take_the_text_after_it():
    box = "<p>推荐阅读</p><p><a href='/x1'>另一条新闻的标题</a></p><p><a href='/x2'>再一条新闻的标题</a></p>"
    more = ["此外，交通部门还将在主要换乘站增设夜间照明和安全员，保障乘客夜间候车安全。"]
    assert body(page(paras() + box + paras(more))) == PARAS + more


def test_an_article_marked_recommended_that_holds_the_headline_is_still_the_article():
    nav = "".join(f"<li><a href='/c{i}'>栏目名称第{i}个栏目的链接文字</a></li>" for i in range(30))
    html = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><ul class='menu'>{nav}</ul>"
            f"<article class='post recommended'><h1>{TITLE}</h1>{paras(PARAS * 2)}</article></body></html>")
    got = extract_article(Selector(text=html), url=URL, now=NOW)
    assert got["body_text"].split("\n") == PARAS


def test_parts_with_one_id_are_merged_across_widgets_only():
    from aggregator.extract import article as A
    from aggregator.extract.bodyclean import article_parts

    other = "另一篇文章的正文，讲述城市公园改造的进展，市民可以在周末前往参观新建的花园。"
    for between, merged in (("<div class='gallery'><a href='/g'>下一张</a></div>", True),
                            (f"<p>{other}</p>", False)):
        html = (f"<html><body><div class='posts'><div id='post'>{paras()}</div>{between}"
                f"<div id='post'><p>{other}</p></div></div></body></html>")
        doc = A._Doc(Selector(text=html).root)
        first = next(i for i, el in enumerate(doc.els) if el.get("id") == "post")
        assert len(article_parts(doc, first)) == (2 if merged else 1)


def test_spaced_credits_a_credits_line_and_a_bracketed_original_title_are_cut():
    tail = ("<p>（原标题：城区新增夜间公交线路）</p><p>监 制：王五</p><p>审 读：赵六</p>"
            "<p>交通运输局办公室供稿 摄影/孙七 编辑/周八</p><p>- THE END -</p>")
    assert body(page(paras() + tail)) == PARAS


def test_a_stream_of_teasers_after_the_text_is_cut():
    items = "".join(f"<div class='item'><h4><a href='/n{i}'>Another headline number {i} here</a></h4>"
                    f"<p>A one-sentence summary of another story, number {i}, about something else.</p></div>"
                    for i in range(3))
    text = ["The city council approved three new night bus routes on Tuesday, officials said.",
            "The routes will run every thirty minutes until one in the morning, seven days a week.",
            "Transport officials said they would adjust the timetable after six months of service.",
            "Residents who work late shifts welcomed the decision at a public meeting on Monday night."]
    html = (f"<html><head><title>Night buses approved</title></head><body><div class='story'>"
            f"<h1>Night buses approved</h1>{paras(text)}<h3>More headlines</h3>{items}</div></body></html>")
    got = extract_article(Selector(text=html), url="http://news.example/a/1.html", now=NOW)
    assert got["body_text"].split("\n") == text


def test_bracketed_credits_player_text_and_takedown_notices_are_cut():
    inner = ("<div class='player'><p>视频加载中，请稍候...</p></div>" + paras()
             + "<p>（編輯：王五）1071230</p><p>（译者：赵六／核稿：孙七）</p><p>图片来源于网络，如有侵权请联系删除。</p>")
    assert body(page(inner)) == PARAS


def test_short_widget_lines_before_the_text_block_are_cut():
    from aggregator.extract import article as A
    from aggregator.extract.bodyclean import refine

    html = f"<html><body><div id='box'><div class='audio'><span>播报文章</span></div><div>{paras()}</div></div></body></html>"
    doc = A._Doc(Selector(text=html).root)
    ci = next(i for i, el in enumerate(doc.els) if el.get("id") == "box")
    lines = doc.lines_in(ci)
    keep = [True] * len(lines)
    refine(doc, [ci], lines, keep)
    assert [ln.text for ln, k in zip(lines, keep) if k] == PARAS


def test_a_closing_paragraph_about_a_reprint_dispute_stays():
    # a copyright case reports unauthorised reprinting; the site's own ban on reprints is a notice
    for last in ("这起版权纠纷源于该公司未经授权转载了原告的三十余篇文章，法院判决赔偿损失五万元。",
                 "法院认定，被告未经授权转载原告作品，依法应承担侵权责任。",
                 "该平台因涉嫌侵权被起诉，目前案件正在审理中。"):
        text = PARAS + [last]
        assert body(page(paras(text))) == text, last
    for notice in ("未经授权，不得转载。", "本文经授权转载自城市观察公众号。", "严禁转载本网原创内容。",
                   "如涉嫌侵权，请联系删除。"):
        assert body(page(paras() + f"<p>{notice}</p>")) == PARAS, notice


def test_a_closing_warning_against_scanning_or_downloading_stays():
    # police warn readers not to scan or download: the report's own text, not an invitation
    for last in ("警方提醒，市民不要轻易扫码关注陌生公众号，更不要透露验证码。",
                 "警方提醒，不法分子常以扫码领取礼品为由诱骗老人下载APP。",
                 "民警提醒您，切勿点击陌生链接，不要下载来路不明的应用程序。"):
        text = PARAS + [last]
        assert body(page(paras(text))) == text, last


def test_an_app_in_a_closing_report_sentence_stays():
    # someone in the story opens or installs an app, or a quote mentions downloading; an
    # invitation to download opening a clause is a promotion
    for last in ("她打开手机App，点击“预约挂号”，几分钟就完成了挂号。",
                 "镇里组织志愿者帮助老人免费下载安装反诈App。",
                 "“我们欢迎市民下载使用，注册完全免费。”该App负责人说。",
                 "市民可以通过扫描二维码下载“城市通”App，在线办理业务。",
                 "近日，市民王女士关注到微信公众号上发布的招聘信息，却发现是骗局。"):
        text = PARAS + [last]
        assert body(page(paras(text))) == text, last
    for promo in ("欢迎下载城市新闻APP", "更多精彩内容，请打开城市新闻客户端", "点击下载城市新闻客户端",
                  "扫码下载城市新闻客户端", "欢迎扫码关注城市观察", "更多福利扫描二维码关注城市观察"):
        assert body(page(paras() + f"<p>{promo}</p>")) == PARAS, promo


def test_a_lede_or_closing_paragraph_about_accounts_and_memberships_stays():
    # a report on someone else's channel, a reader contribution count or a paid-membership
    # product is the story, first or last; the site's own invitations are notices
    for s in ("警方呼吁广大市民关注官方频道发布的信息，不信谣不传谣。",
              "现场工作人员引导老人扫码关注公众号，领取免费体检券。",
              "该平台推出付费会员服务，吸引了大量用户。",
              "截至目前，征文活动收到的网友投稿已超过三百篇。"):
        for text in ([s] + PARAS, PARAS + [s]):
            assert body(page(paras(text))) == text, s
    for notice in ("看更多！请加入城市新闻粉丝团", "加入城市新闻付费会员，阅读全部报道", "微信扫一扫 关注该公众号",
                   "欢迎关注城市观察公众号", "本文为网友投稿，不代表本网立场。", "付费会员专属内容"):
        assert body(page(paras() + f"<p>{notice}</p>")) == PARAS, notice


def test_a_hotline_or_a_browser_in_a_report_sentence_stays():
    # a hotline's own line (the number ends it) and the browser's message to the reader are
    # widgets; a report's sentence about a hotline or browsers is text, first, inside or last
    for s in ("市民热线12345今年共受理群众诉求80万件。", "心理援助热线12356已于本月开通运行。",
              "部分老旧浏览器不支持该系统，市民可用手机办理。"):
        for text in ([s] + PARAS, PARAS[:1] + [s] + PARAS[1:], PARAS + [s]):
            assert body(page(paras(text))) == text, s
    for widget in ("心理援助热线：0000-123456（24小时）", "读者热线：4000000000", "您的浏览器不支持视频播放"):
        assert body(page(paras() + f"<p>{widget}</p>")) == PARAS, widget


def test_a_text_paragraph_with_a_link_after_a_related_heading_stays():
    # the list a 延伸阅读 heading opens is linked items; a paragraph of text that has a link in
    # one of its sentences is the story again
    more = ("公交公司还在<a href='/bus/lines.html'>官方网站</a>公布了三条线路的详细站点，"
            "乘客可提前查询换乘方案。")
    related = ("<ul><li><a href='/a/1.html'>地铁五号线南延段开通试运营</a> 新增六座车站</li>"
               "<li><a href='/a/2.html'>公交站台电子站牌今年覆盖主城区</a></li></ul>")
    got = body(page(paras() + "<p>延伸阅读</p>" + related + f"<p>{more}</p>"))
    assert got == PARAS + ["公交公司还在官方网站公布了三条线路的详细站点，乘客可提前查询换乘方案。"]


def test_a_report_of_first_publication_reprinting_or_a_reminder_stays():
    # first publication, reprinting and "提醒您" told of in a report's sentence are text; the
    # site's own notices (this article, a reprint request, the site's name) are cut
    for s in ("这段视频首发于微博后迅速走红，播放量超过五百万次。",
              "法院查明，该网站转载时未注明出处，也未支付稿酬。",
              "被告辩称，其转载的文章均已联系作者并获得同意。",
              "市气象台提醒您，近期冷空气活跃，请注意添衣保暖。"):
        for text in ([s] + PARAS, PARAS + [s]):
            assert body(page(paras(text))) == text, s
    for notice in ("本文首发于微信公众号城市观察。", "首发于城市观察公众号", "转载时务请注明出处。",
                   "如需转载请与《城市日报》报社联系。", "●《城市新闻网》提醒您：遇到困难请求助"):
        assert body(page(paras() + f"<p>{notice}</p>")) == PARAS, notice


def test_closing_invitations_that_sound_like_warnings_are_still_cut():
    for promo in ("别忘了关注城市观察公众号，获取更多本地资讯", "别忘了扫码关注城市观察，获取更多本地资讯",
                  "不要错过，扫码关注城市观察", "记得关注城市观察公众号哦", "您可以扫描下方二维码关注我们"):
        assert body(page(paras() + f"<p>{promo}</p>")) == PARAS, promo
