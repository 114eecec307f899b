"""Chinese 来源/byline rules of aggregator.extract.credits, on short lines written for these tests."""

from aggregator.extract.credits import (
    author_from_texts, clean_source, closing_byline, dateline_reporter, is_site_brand, issuer_source,
    names_after_source, names_from_byline)


def test_source_keeps_a_closed_title_inside_the_name():
    assert clean_source("某某网-《某某日报》") == "某某网-《某某日报》"
    assert clean_source("《某某日报》") == "某某日报"
    assert clean_source("某某日报》") == "某某日报"
    assert clean_source("《某某日报") == "某某日报"


def test_text_label_needs_a_separator():
    # 文字大小 is a font-size control, not the label 文字 of a byline
    assert author_from_texts(["2020-01-02 列印 文字大小"]) is None
    assert author_from_texts(["文字：王小明"]) == "王小明"


def test_presentation_form_colon():
    assert author_from_texts(["記者︰陳大文"]) == "陳大文"


def test_commentator_title_before_the_name():
    assert names_from_byline("文丨某某号特约评论员 李四") == "李四"


def test_name_slash_place_report():
    assert author_from_texts(["某某網2020.01.02 王五/台中報導"]) == "王五"
    assert author_from_texts(["地方中心／綜合報導"]) is None   # a desk, no person


def test_name_before_sent_from():
    assert author_from_texts(["某某《栏目》赵六 3月4日发自远方"]) == "赵六"


def test_reporter_after_a_media_name():
    assert author_from_texts(["某报·某网记者 钱七 来源：某某报"]) == "钱七"
    assert author_from_texts(["他对某网记者 钱七说，这很好。"]) is None


def test_names_after_the_unit_in_the_source_slot():
    assert names_after_source("来源：后勤服务部 张三 李四") == "张三 李四"
    assert author_from_texts(["来源：后勤服务部 王五"]) == "王五"
    assert names_after_source("来源：某某网 编辑：张三") is None
    assert names_after_source("来源：某某网") is None


def test_closing_credit_at_the_end_of_a_paragraph():
    assert closing_byline("这是最后一句话。（记者 孙八）") == "孙八"
    assert closing_byline("这是最后一句话。（周九／綜合外電報導）") == "周九"
    assert closing_byline("这是最后一句话。（吴十）【某社微特稿】") == "吴十"
    assert closing_byline("这是最后一句话。（某某日报评论员）") == "某某日报评论员"
    assert closing_byline("这是最后一句话。（待续）") is None
    assert closing_byline("这是最后一句话。（某某网）") is None
    assert closing_byline("他说（张三）很好") is None
    # a bare (name) the text itself names is a person it talks about, not the writer
    assert closing_byline("这是最后一句话。（吴十）", mentioned="据吴十介绍，前一段。") is None
    assert closing_byline("吴十说，这是最后一句话。（吴十）") is None
    assert closing_byline("这是最后一句话。（记者 孙八）", mentioned="孙八") == "孙八"   # a labelled credit stays


def test_wire_dateline_reporter():
    assert dateline_reporter("（某通社記者郑一二台北3日電）今天") == "郑一二"
    assert dateline_reporter("（某通社記者郑一二高雄縣3日電）今天") == "郑一二"
    assert dateline_reporter("（某通社記者林二台南3日電）今天") == "林二"
    assert dateline_reporter("某某说，今天天气很好。") is None


def test_site_brand():
    assert is_site_brand("某某新聞網", ["标题 | 分类 | 某某新聞網 ABC.COM"])
    assert is_site_brand("某某 新聞雲", ["某某新聞雲"])
    assert not is_site_brand("某某", ["某某電子報"])
    assert not is_site_brand("某某报", ["标题-某某网"])


def test_issuer_slot_of_an_open_information_table():
    assert issuer_source(["索 引 号：", "000/2020-1", "发布机构：", "某某市统计局"]) == "某某市统计局"
    assert issuer_source(["责任部门：某某县统计局"]) == "某某县统计局"
    assert issuer_source(["发布机构：", "2020-01-02"]) is None
    assert issuer_source(["发文机关：", "某某县人民政府办公室"]) is None   # who signed, not who published


# --- through extract_article, on pages composed for these tests ------------------------------

from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from parsel import Selector  # noqa: E402

from aggregator.extract.article import extract_article  # noqa: E402

PARAS = [
    "市图书馆本周起延长周末开放时间，阅览室和自习区开放至晚上九点，方便上班族和学生使用。",
    "馆方表示，延长开放期间将增加值班人员，并开通夜间还书通道，读者可通过自助设备办理借还。",
    "据介绍，下一步还将根据读者需求，在各分馆推行同样的安排，具体时间另行通知，敬请关注。",
]


def page(head="", before_title="", header="", paras=PARAS, extra="", title="城区图书馆延长周末开放时间 | 某某新闻网"):
    ps = "".join(f"<p>{p}</p>" for p in paras)
    html = (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            f"<div class='nav'><a href='/'>首页</a><a href='/a/'>本地</a></div>{before_title}"
            f"<div class='article'><h1>城区图书馆延长周末开放时间</h1><div class='info'>{header}</div>"
            f"<div class='content'>{ps}{extra}</div></div><div class='footer'>版权所有</div></body></html>")
    return extract_article(Selector(text=html), url="http://news.example/a/1.html",
                           now=datetime(2023, 5, 1, tzinfo=ZoneInfo("Asia/Shanghai")))


def test_source_meta_naming_the_site_itself_is_not_a_publisher():
    out = page(head="<meta name='source' content='某某新闻网'>", header="2023-04-02 10:00")
    assert out["source"] is None
    out = page(head="<meta name='source' content='某某日报'>", header="2023-04-02 10:00")
    assert out["source"] == "某某日报"


def test_two_names_after_the_date_are_publisher_and_byline():
    out = page(header="<span>2023-04-02 10:00</span> <a href='/m/1'>晨报</a> <span>张小明</span>")
    assert (out["source"], out["author"]) == ("晨报", "张小明")
    out = page(header="<span>2023-04-02 10:00</span> <span>张小明</span>")
    assert out["source"] is None   # one bare name after the date is not a publisher


def test_closing_desk_tag_equal_to_the_source_gives_way_to_the_author_slot():
    out = page(header="<span>2023-04-02 10:00</span> <a href='/m/1'>晨报</a><span class='author'>张小明</span>",
               extra="<p>(晨报)</p>")
    assert out["source"] == "晨报"
    assert out["author"] == "张小明"


def test_credit_closing_a_paragraph_and_wire_dateline():
    paras = PARAS[:-1] + [PARAS[-1] + "（记者 王小红）"]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] == "王小红"
    paras = ["（某通社記者陳大明台北2日電）" + PARAS[0]] + PARAS[1:]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] == "陳大明"


def test_credit_closing_the_last_paragraph_before_the_editor_line_and_related_links():
    paras = PARAS[:-1] + [PARAS[-1] + "（记者 王小红）"]
    extra = "<p>责任编辑：某甲</p><p>相关新闻</p><p>区图书馆新增自习座位。馆方表示，座位可提前预约。</p>"
    assert page(header="2023-04-02 10:00", paras=paras, extra=extra)["author"] == "王小红"


def test_credit_closing_an_earlier_paragraph_is_not_the_byline():
    # a round-up: each item closes with its own reporter; no byline for the whole page
    paras = [PARAS[0] + PARAS[1] + "（记者 王小红）", PARAS[2], PARAS[1]]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] is None
    paras = [PARAS[0], PARAS[1] + "（李小刚）", PARAS[2]]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] is None


def test_closing_name_the_text_talks_about_is_not_the_byline():
    paras = ["馆长王小红介绍，" + PARAS[0], PARAS[1], PARAS[2] + "（王小红）"]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] is None
    paras = [PARAS[0], PARAS[1], PARAS[2] + "（王小红）"]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] == "王小红"


def test_issuer_slot_above_the_headline():
    table = ("<div class='meta-data'><dl><dd><label>发布机构：</label><div>某某市统计局</div></dd>"
             "<dd><label>发文日期：</label><div>2023-04-02</div></dd></dl></div>")
    assert page(before_title=table)["source"] == "某某市统计局"


def test_explicit_source_slot_takes_a_short_name():
    out = page(header="<span>2023-04-02 10:00</span> <span class='index_source_x1'>政事谈</span>")
    assert out["source"] == "政事谈"


def test_staff_credit_lines_a_little_above_the_end():
    extra = "<p>記者︰李小華</p><p>編輯：某甲</p><p>美術：某乙</p><p>▲館內閱覽室一景，讀者正在看書。（某丙攝）</p><p>▲閱覽室</p>"
    assert page(header="2023-04-02 10:00", extra=extra)["author"] == "李小華"


def test_platform_account_meta_outranks_the_closing_source_of_the_original_paper():
    extra = "<p>（本文来源：某某日报）</p>"
    out = page(head="<meta name='mediaid' content='某某财经号'>", header="2023-04-02 10:00", extra=extra)
    assert out["source"] == "某某财经号"
    assert page(header="2023-04-02 10:00", extra=extra)["source"] == "某某日报"


def test_closing_office_in_parentheses_is_the_byline():
    assert page(header="2023-04-02 10:00", extra="<p>（某某县统计局）</p>")["author"] == "某某县统计局"
    assert page(header="2023-04-02 10:00", extra="<p>（待续）</p>")["author"] is None


def test_two_person_like_names_on_the_date_line_are_not_a_publisher():
    out = page(header="<span>2023-04-02 10:00 张小明 李小红</span>")
    assert out["source"] is None
    out = page(header="<div>2023-04-02 10:00 <a href='/m/1'>晨报</a></div><div>张小明</div>")
    assert (out["source"], out["author"]) == ("晨报", "张小明")


def test_provider_in_the_byline_position_is_the_source():
    out = page(header="<div class='item-author'>某某電台-財經</div><time>2023-04-02 10:00</time>")
    assert out["source"] == "某某電台-財經"
    assert out["author"] is None
    out = page(header="<div class='item-author'>王小明</div><time>2023-04-02 10:00</time>")
    assert out["source"] is None


def test_desks_and_photo_credits_are_not_names():
    assert author_from_texts(["政治組／台北報導"]) is None
    assert closing_byline("这是最后一句话。（张小明摄）") is None
    assert closing_byline("这是最后一句话。（本报讯）") is None


def test_english_byline_stops_at_a_job_title():
    from aggregator.extract.byline import names_from_english_byline
    assert names_from_english_byline("Jane Roe Senior Business Correspondent", bare=True) == "Jane Roe"
    assert names_from_english_byline("By Jane Roe and John Doe") == "Jane Roe John Doe"


def test_agency_in_an_english_byline_is_the_source():
    from aggregator.extract.byline import agency_from_byline
    assert agency_from_byline("By Associated Press") == "Associated Press"
    assert agency_from_byline("By JANE ROE ASSOCIATED PRESS") == "ASSOCIATED PRESS"
    assert agency_from_byline("By JANE ROE AND JOHN DOE / Example Newspapers") == "Example Newspapers"
    assert agency_from_byline("Associated Press / January 2, 2008") == "Associated Press"
    assert agency_from_byline("By Jane Roe") is None
    assert agency_from_byline("By Jane Roe, Associated Press Writer") is None
    # a line that is only a known agency's name credits it (<div class="credit">ASSOCIATED PRESS</div>);
    # a photo credit says so
    assert agency_from_byline("ASSOCIATED PRESS") == "ASSOCIATED PRESS"
    assert agency_from_byline("Photo: Associated Press") is None


def test_closing_credit_line_of_an_english_story():
    from aggregator.extract.byline import closing_credit
    assert closing_credit("Source: Example Wire") == "Example Wire"
    assert closing_credit("© 2008 AFP") == "AFP"
    assert closing_credit("Copyright 2008 Courtesy of The Example Network") == "The Example Network"
    assert closing_credit("(Copyright 2008 by The Associated Press. All Rights Reserved.)") == "The Associated Press"
    assert closing_credit("© 2008 Example Site. All rights reserved.") is None   # the site's own notice
    assert closing_credit("He said the source: nobody.") is None


def test_english_page_credits_reach_the_source_field():
    paras = ["The city council voted on Tuesday to extend the opening hours of the central library for a trial year.",
             "Officials said the extra staff would be paid from the existing budget and that no new fees were planned.",
             "The decision will be reviewed next spring after a survey of readers and staff, the council said."]
    ps = "".join(f"<p>{p}</p>" for p in paras)
    html = (f"<html><head><title>Library hours extended</title></head><body><div class='article'>"
            f"<h1>Library hours extended</h1><p class='byline'>By Associated Press</p>"
            f"<div class='story'>{ps}<p>© 2008 AFP</p></div></div></body></html>")
    out = extract_article(Selector(text=html), url="http://news.example/en/1.html")
    assert out["source"] == "Associated Press"
    html = html.replace("<p class='byline'>By Associated Press</p>", "")
    assert extract_article(Selector(text=html), url="http://news.example/en/1.html")["source"] == "AFP"


def test_credit_line_without_by():
    from aggregator.extract.byline import agency_from_byline, credit_names
    assert credit_names("Jane Q. Roe, THE EXAMPLE PRESS") == "Jane Q. Roe"
    assert agency_from_byline("Jane Q. Roe, THE EXAMPLE PRESS") == "THE EXAMPLE PRESS"
    assert credit_names("JANE ROE, Deputy Business Editor") == "JANE ROE"
    assert credit_names("Jane Roe and John Doe / The Example Reporter / Jan. 10, 2008") == "Jane Roe John Doe"
    assert credit_names("New York, Jan. 10") is None          # a dateline, not a writer
    assert credit_names("Top Stories, World") is None
    assert credit_names("Jane Roe, Example Weekly") is None   # a publication alone proves nothing


def test_bare_names_need_a_surname_and_collective_bylines_stay():
    from aggregator.extract.credits import looks_like_person
    assert looks_like_person("张小明") and looks_like_person("歐陽明")
    assert not looks_like_person("微信") and not looks_like_person("分享到")
    assert closing_byline("这是最后一句话。（朋友圈）") is None
    assert names_from_byline("作者：本报评论员") == "本报评论员"
    assert names_from_byline("文丨某某号特约评论员 李四") == "李四"
    out = page(header="<div>2023-04-02 10:00 <a href='/m/1'>晨报</a></div><div>微信</div>")
    assert out["author"] is None


def test_given_names_ending_like_a_medium_are_people():
    from aggregator.extract.credits import looks_like_person
    assert looks_like_person("王建志")
    assert not looks_like_person("黄河报")
    paras = PARAS[:-1] + [PARAS[-1] + "（记者 王建志）"]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] == "王建志"
    assert page(header="2023-04-02 10:00 作者：中新网")["author"] is None


# --- robustness: text shaped like a credit where the page names no author or source ------------

def test_a_sentence_opening_with_laiyuanyu_closing_the_text_is_not_a_source():
    for line in ("来源于财政拨款的资金将全部用于馆舍改造。", "本文来源于网络，如有侵权请联系删除。"):
        out = page(header="2023-04-02 10:00", paras=PARAS + [line])
        assert out["source"] is None
    out = page(header="2023-04-02 10:00", paras=PARAS + ["来源于财政拨款的资金将全部用于馆舍改造。"])
    assert "馆舍改造" in out["body_text"]   # the sentence is text, not a credit line
    assert page(header="2023-04-02 10:00", paras=PARAS + ["（来源：某某晚报）"])["source"] == "某某晚报"
    assert page(header="2023-04-02 10:00", paras=PARAS + ["出处不详"])["source"] is None


def test_reporter_and_correspondent_in_one_credit_keeps_the_reporter():
    assert names_from_byline("记者 王五 通讯员 赵六") == "王五 赵六"
    assert names_from_byline("南都见习记者 林子沛") == "林子沛"
    out = page(header="2023-04-02 10:00", paras=PARAS + ["（记者 王五 通讯员 赵六）"])
    assert out["author"] == "王五 赵六"


def test_closing_place_medium_or_desk_line_is_no_byline():
    for line in ("（西湖区）", "（央视）", "（来稿）", "（本报综合）"):
        assert page(header="2023-04-02 10:00", paras=PARAS + [line])["author"] is None, line
    assert page(header="2023-04-02 10:00", paras=PARAS + ["（王小红）"])["author"] == "王小红"
    assert page(header="2023-04-02 10:00", paras=PARAS + ["（某某县统计局）"])["author"] == "某某县统计局"


def test_reporter_after_a_word_needs_surname_led_names():
    # 记者 inside a short line without a label at a token start: a verb or a clause follows, not a name
    assert author_from_texts(["市民王先生向记者 反映"]) is None
    assert author_from_texts(["原告记者 张三 李四 诉称"]) is None
    assert author_from_texts(["某报·某网记者 钱七"]) == "钱七"


def test_by_opening_an_english_phrase_is_no_byline():
    from aggregator.extract.byline import names_from_english_byline
    assert names_from_english_byline("By Car Or Train") is None
    assert names_from_english_byline("By Sunday Morning Edition") is None
    assert names_from_english_byline("By Monday, the council had approved the budget.") is None
    assert names_from_english_byline("By John Smith and Mary Jones") == "John Smith Mary Jones"
    assert names_from_english_byline("By Jane Roe, Reuters") == "Jane Roe"


def test_laiyuanyu_credit_line_is_still_cut_and_a_column_after_jizhe_is_no_name():
    # a whole short line 信息来源于网络 is a notice (no name), not text
    out = page(header="2023-04-02 10:00", paras=PARAS + ["信息来源于网络"])
    assert out["source"] is None and "信息来源于网络" not in out["body_text"]
    # 记者 glued to a word naming a column (记者手记, 记者观察) is no byline
    assert closing_byline("这是最后一句话。（记者手记）") is None
    assert closing_byline("这是最后一句话。（通讯员供稿）") is None
    assert closing_byline("这是最后一句话。（记者王五）") == "王五"
    assert closing_byline("这是最后一句话。（记者 奚丹霓）") == "奚丹霓"


def test_a_caption_photo_credit_and_an_organisation_after_by_are_no_byline():
    out = page(header="2023-04-02 10:00", paras=PARAS + ["（图为市民在阅览室看书 记者 王五 摄）"])
    assert out["author"] is None   # the photographer of a picture, not the writer
    assert author_from_texts(["图为市民在阅览室看书 记者 王五 摄"]) is None
    assert author_from_texts(["记者 王五"]) == "王五"
    from aggregator.extract.byline import names_from_english_byline
    assert names_from_english_byline("Story by Springfield Police Department") is None
    assert names_from_english_byline("Story by Jane Roe") == "Jane Roe"


def test_a_label_glued_to_a_word_and_a_non_name_after_zuozhe():
    assert author_from_texts(["记者节特别报道"]) is None   # a kicker, not 记者 + a name
    assert author_from_texts(["本报记者王五"]) == "王五"
    assert author_from_texts(["记者奚丹霓"]) == "奚丹霓"
    assert author_from_texts(["作者：网友投稿"]) is None


def test_a_section_next_to_the_date_is_no_publisher():
    for name in ("本地新闻", "体育频道", "新闻中心"):
        out = page(header=f"<span>2023-04-02 10:00</span> <a href='/c/'>{name}</a>")
        assert out["source"] is None, name
    assert page(header="<span>2023-04-02 10:00</span> <span>某某新闻</span>")["source"] == "某某新闻"


def test_widget_words_and_a_second_credit_run_into_an_english_byline_end_the_names():
    from aggregator.extract.byline import names_from_english_byline
    assert names_from_english_byline("By Jane Roe Updated 3 hours ago") == "Jane Roe"
    assert names_from_english_byline("By Jane Roe Photos by John Smith") == "Jane Roe"
    assert names_from_english_byline("By Jane Roe and Photographer John Smith") == "Jane Roe"
    assert names_from_english_byline("By Jane Roe Follow") == "Jane Roe"
    assert names_from_english_byline("By Jane Roe, John Doe and Mary Major") == "Jane Roe John Doe Mary Major"


def test_a_wire_dateline_and_a_source_slot_hold_no_form_of_address_or_preposition():
    assert dateline_reporter("（某通社記者從台南12日電）") is None
    assert dateline_reporter("（某通社記者張大明台南12日電）") == "張大明"
    assert names_after_source("来源：校团委办公室 王同学") is None   # a student the notice talks to
    assert names_after_source("来源：校团委办公室 王五") == "王五"


def test_markup_author_shown_next_to_the_headline_is_the_byline():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", '
          '"author": [{"@type": "Person", "name": "周小文"}]}</script>')
    # JSON-LD names the author and the header shows the same name beside the date
    assert page(head=ld, header="2023/04/02 <span>周小文</span>")["author"] == "周小文"
    # meta article:author with the medium after a comma, and a rel=author link
    out = page(head="<meta property='article:author' content='吳小玲, 某某電子報'>",
               header="<time>2023年04月02日 10:00</time> <a rel='author' href='/r/1'>吳小玲</a>")
    assert out["author"] == "吳小玲"
    # a markup name the page does not show is an editor or an account: not the byline
    assert page(head=ld, header="2023/04/02")["author"] is None


def test_site_credit_with_by_and_affiliation_before_the_name():
    assert author_from_texts(["Powered By Google"]) is None
    assert author_from_texts(["Designed by Example Studio"]) is None
    assert names_from_byline("作者：某某大学历史学院郭小伦") == "郭小伦"
    assert names_from_byline("作者：某某大学新闻学院") == "某某大学新闻学院"   # an organisation stays


def test_credit_line_before_a_product_table_closing_the_container():
    specs = "".join(f"<li>级别： 紧凑型车{i}</li><li>上市时间：2007年5月{i + 1}日</li><li>排量(L)：1.2~1.6 CVT MT</li>"
                    for i in range(4))
    out = page(extra=f"<p>本文来源：某某汽车 作者：柳小絮</p><div class='hot'><h3>热门车型推荐</h3><ul>{specs}</ul></div>")
    assert out["author"] == "柳小絮"
    # the "…推荐" heading opens a box of other things: neither it nor the table is text
    assert "推荐" not in out["body_text"] and "级别" not in out["body_text"]


def test_bare_name_line_under_the_headline_is_the_byline():
    assert page(header="<div>周小文</div><div>2023-04-02 10:00 [打印] [关闭]</div>")["author"] == "周小文"
    # a widget label that looks like a name (关闭) and a person the headline names are not
    assert page(header="<div>2023-04-02 10:00</div><div>关闭</div>")["author"] is None
    html = ("<html><body><div class='article'><h1>周小文在城区图书馆签名售书</h1>"
            "<div class='info'><div>2023-04-02 10:00</div><div>周小文</div></div>"
            "<div class='content'>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</div></div></body></html>")
    assert extract_article(Selector(text=html), url="http://news.example/a/2.html")["author"] is None
    # two bare names: which one is the byline is not clear, none is taken
    assert page(header="<div>周小文</div><div>李小武</div><div>2023-04-02</div>")["author"] is None


def test_source_name_with_a_space_inside():
    from aggregator.extract.credits import SOURCE_VALUE
    got = {t: SOURCE_VALUE.search(t).group("v") for t in (
        "来源：China Daily 作者：张三", "来源：人民日报 海外版", "来源：新华网 记者 张三", "来源：Reuters 记者 李四")}
    assert got == {"来源：China Daily 作者：张三": "China Daily", "来源：人民日报 海外版": "人民日报 海外版",
                   "来源：新华网 记者 张三": "新华网", "来源：Reuters 记者 李四": "Reuters"}


def test_byline_forms_with_the_label_after_or_joined():
    for text, name in (("张小文/文", "张小文"), ("张小文 李小武 报道", "张小文 李小武"), ("本文作者：张小文", "张小文"),
                       ("图/文 张小文", "张小文"), ("文图/张小文", "张小文"), ("文·张小文", "张小文")):
        assert author_from_texts([text]) == name, text
    for text in ("综合报道", "北京 报道", "中心/文", "大家 报道"):
        assert author_from_texts([text]) is None, text


def test_closing_credit_with_the_medium_and_a_disclaimer_after_the_text():
    assert closing_byline("他说这很好。（某某南海新闻网 栾小石）") == "栾小石"
    assert closing_byline("他说这很好。（某某新闻 张小三 李小四）") == "张小三 李小四"
    assert closing_byline("他说这很好。（新华网 北京）") is None
    paras = PARAS[:-1] + [PARAS[-1] + "（某某新闻网 栾小石）"]
    out = page(paras=paras, extra="<p class='notice'>特别声明：以上文章内容仅代表作者本人观点，不代表本站观点或立场。"
                                  "如有问题请与本站联系。</p>")
    assert out["author"] == "栾小石"


def test_visible_source_slot_next_to_the_date_outranks_the_account_meta():
    head = "<meta name='mediaid' content='某某财经号'>"
    out = page(head=head, header="<span class='date'>2023-04-02 10:00</span> <a class='source' href='/u/1'>小周谈科技</a>")
    assert out["source"] == "小周谈科技"
    # no slot on the page: the account meta
    assert page(head=head, header="<span class='date'>2023-04-02 10:00</span>")["source"] == "某某财经号"


def test_place_names_are_datelines_not_bylines():
    assert closing_byline("他说这很好。（宁波）") is None
    assert closing_byline("他说这很好。（王小波）") == "王小波"
    assert author_from_texts(["王府井/北京报道"]) is None
    paras = PARAS[:-1] + [PARAS[-1] + "（金华）"]
    assert page(header="2023-04-02 10:00", paras=paras)["author"] is None


def test_short_last_paragraph_outside_the_inner_block_stays():
    def body(last):
        html = ("<html><body><h1>城区图书馆延长周末开放时间</h1><div class='content'><div class='inner'>"
                + "".join(f"<p>{p}</p>" for p in PARAS[:2]) + f"</div>{last}</div>"
                "<div class='footer'>版权所有</div></body></html>")
        return extract_article(Selector(text=html), url="http://news.example/a/3.html")["body_text"]
    assert body("<p>欢迎市民前往参观。</p>").endswith("欢迎市民前往参观。")
    for widget in ("<p>点赞</p>", "<p>（完）</p>", "<p>责任编辑：王五</p>"):
        assert body(widget).endswith(PARAS[1]), widget


def test_site_domain_suffix_glued_date_and_bracketless_closing_reporter():
    import re as _re
    from aggregator.extract.dates import find_dates
    from aggregator.extract.titles import headline_segment
    assert headline_segment("城区图书馆延长开放(图) -example.com", _re.compile("网$")) == "城区图书馆延长开放(图)"
    assert find_dates("新闻来源: 某某卫视 于November 21, 2012 15:48:24")[0][1] == "November 21, 2012 15:48:24"
    assert closing_byline("医生建议回家观察。 □记者 王小芃") == "王小芃"
    assert closing_byline("医生建议回家观察。记者表示") is None


def test_source_label_forms_and_account_before_a_closing_compilation_note():
    from aggregator.extract.credits import SOURCE_VALUE
    for text, name in (("來源︰中央社", "中央社"), ("来源丨某某日报", "某某日报"), ("来源 | 某某日报", "某某日报"),
                       ("来源/某某日报", "某某日报"), ("原载《某某日报》", "某某日报"), ("转引自《某某报》", "某某报")):
        assert clean_source(SOURCE_VALUE.search(text).group("v")) == name, text
    assert SOURCE_VALUE.search("来源于生活") is None
    out = page(header="<div class='media-info'><p class='media-name'>某某新媒体</p><span>2023-04-02 10:00</span></div>",
               extra="<p>来源 | 综合某某黑板报、某某都市报</p>")
    assert out["source"] == "某某新媒体"


def test_old_portal_forms_short_year_submission_dateline_place_and_no_title():
    from aggregator.extract.dates import find_dates
    assert find_dates("添加日期：14年12月15日")[0][0].year == 2014
    assert find_dates("99年1月2日")[0][0].year == 1999
    out = page(header="作者：柳小远 来源：网络投稿 添加日期：14年12月15日")
    assert (out["source"], out["author"], out["published"][:10]) == (None, "柳小远", "2014-12-15")
    assert names_from_byline("记者 胥小辉 赖小舟 三台报道") == "胥小辉 赖小舟"
    html = ("<html><head><title></title></head><body><table><tr><td align='center'><b><font size='4'>"
            "城区图书馆延长周末开放时间</font><br></b></td></tr><tr><td>"
            + "".join(f"<p>{p}</p>" for p in PARAS) + "</td></tr></table></body></html>")
    assert extract_article(Selector(text=html), url="http://news.example/a/4.html")["title"] == "城区图书馆延长周末开放时间"


def test_closing_brackets_with_a_writer_label():
    assert closing_byline("献礼建党一百周年！（文 / 某某学院办公室 图 / 某某新闻社）") == "某某学院办公室"
    assert closing_byline("活动圆满结束。（文/张小三 图/李小四）") == "张小三"
    assert closing_byline("活动圆满结束。（图/李小四）") is None


def test_title_before_the_name_and_the_columnist_own_account():
    assert names_from_byline("作者：某某交流中心研究部部长、研究员徐小忱") == "徐小忱"
    assert names_from_byline("作者：某某大学教授张小三") == "张小三"
    out = page(extra="<p>本文首发于微信公众号：闫小龙。文章内容属作者个人观点，不代表本网立场。</p>")
    assert out["author"] == "闫小龙"
    out = page(extra="<p>本文首发于微信公众号：城市观察。文章内容属作者个人观点。</p>")
    assert out["author"] is None
