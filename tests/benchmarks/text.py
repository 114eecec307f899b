"""Original news-like Chinese text for the benchmarks: vocabulary, sentences, headlines.

Everything here is generated from small word lists written for this project (place
names are just names); no sentence is copied from anywhere. Deterministic: the same
``random.Random`` seed gives the same text, so a generated site or archive is stable
across runs and machines.

``TextGen(rng)`` offers ``headline()``, ``sentence()``, ``paragraph(chars)``,
``body(chars)``, ``person()``, ``publisher()`` and ``short_title()``.
"""

from __future__ import annotations

import random

PLACES = (
    "银川", "石嘴山", "吴忠", "固原", "中卫", "兰州", "天水", "张掖", "酒泉", "武威", "西宁", "海东",
    "格尔木", "呼和浩特", "包头", "鄂尔多斯", "乌海", "西安", "宝鸡", "延安", "榆林", "汉中", "乌鲁木齐",
    "喀什", "伊宁", "哈密", "库尔勒", "阿克苏", "贺兰县", "永宁县", "灵武市", "平罗县", "盐池县", "同心县",
    "西吉县", "隆德县", "泾源县", "彭阳县", "海原县", "中宁县", "青铜峡市", "红寺堡区", "金凤区", "兴庆区",
)
ORGS = (
    "市委", "市政府", "发展改革委", "教育局", "农业农村局", "市场监管局", "生态环境局", "交通运输局",
    "卫生健康委", "文化和旅游局", "住房和城乡建设局", "人力资源和社会保障局", "公安局", "气象局", "应急管理局",
    "自然资源局", "水务局", "商务局", "科技局", "民政局", "司法局", "统计局", "医保局", "林草局", "体育局",
    "团委", "妇联", "总工会", "红十字会", "供电公司", "消防救援支队", "税务局", "退役军人事务局",
)
TOPICS = (
    "乡村振兴", "高标准农田建设", "老旧小区改造", "城市更新", "冬季供暖", "义务教育", "养老服务", "医疗保障",
    "营商环境", "数字经济", "新能源项目", "生态保护", "黄河流域治理", "防汛抗旱", "文旅融合", "特色产业",
    "就业创业", "安全生产", "森林防火", "农村人居环境整治", "公共交通", "垃圾分类", "枸杞产业", "葡萄酒产业",
    "肉牛养殖", "滩羊产业", "冷凉蔬菜", "光伏发电", "节水灌溉", "移民搬迁", "社区治理", "食品安全",
    "消费帮扶", "招商引资", "职业教育", "托育服务", "慢性病管理", "全民健身", "非遗保护", "古村落保护",
    "防沙治沙", "湿地保护", "电商直播", "物流配送", "夜间经济", "便民市场", "道路改造", "供水管网",
)
VERBS = (
    "推进", "部署", "落实", "开展", "启动", "完成", "加快", "深化", "优化", "统筹", "谋划", "督导", "调研",
    "检查", "总结", "研究", "推动", "实施", "加强", "规范", "提升", "保障", "巩固", "拓展",
)
GOALS = (
    "各项任务按期完成", "群众满意度持续提升", "工作取得实效", "项目早日投产见效", "安全形势总体平稳",
    "发展质量稳步提高", "服务更加便捷高效", "民生福祉不断增进", "产业链条持续延伸", "生态环境持续向好",
    "农民收入稳步增长", "企业办事更加顺畅", "基层治理更有温度", "公共服务均衡可及",
)
PHRASES = (
    "群众切身利益", "经济社会发展全局", "高质量发展", "城市长远发展", "基层群众的获得感", "区域协调发展",
    "产业转型升级", "生态安全屏障", "人民群众生命财产安全", "县域经济活力", "共同富裕目标",
)
ADVERBS = ("切实", "扎实", "持续", "全力", "认真", "主动", "稳步", "精准", "着力", "坚决", "及时")
CROWDS = ("村民", "居民", "志愿者", "工人", "技术人员", "学生", "游客", "商户", "医护人员", "网格员", "农技专家")
ACTIVITIES = (
    "忙着采摘成熟的果实", "铺设新的供水管道", "调试刚刚安装的设备", "分拣打包发往各地的订单",
    "为老人测量血压", "清理河道两岸的杂物", "给大棚里的蔬菜浇水", "排练即将上演的节目",
    "整理刚刚收获的玉米", "检查消防设施", "搭建临时便民服务点", "布置社区图书室",
)
PLACES_SMALL = (
    "新华社区", "丰收村", "黄河村", "柳树湾", "南关街道", "北塔社区", "红柳滩村", "沙泉村", "金水园区",
    "长城村", "清水河畔", "六盘山下", "贺兰山东麓", "老城片区", "工业园区", "开发区", "花园街", "东门市场",
)
BENEFITS = (
    "带动周边群众就业{n}余人", "减少碳排放{n}吨", "新增灌溉面积{n}亩", "接待游客{n}万人次",
    "增加村集体收入{n}万元", "惠及居民{n}户", "节约用水{n}万立方米", "服务企业{n}家",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕文斌春梅晓东宁凯鹏飞雪梅丹俊辉"
ROLES = ("负责人", "工作人员", "党支部书记", "村委会主任", "项目经理", "技术员", "社区主任", "副局长", "站长", "校长", "院长")
PAPERS = ("日报", "晚报", "新闻网", "广播电视台", "融媒体中心", "都市报", "发布", "电视台")
EXTRAS = (
    "目前，相关工作已进入收尾阶段，预计月底前全面完成。",
    "据介绍，这是该地区今年开工的第{k}个同类项目。",
    "活动现场，工作人员还向群众发放了宣传资料{n}余份。",
    "为保证质量，施工单位实行了全过程跟踪管理。",
    "下一步，当地将总结经验做法，在更大范围推广。",
    "不少群众表示，这些变化实实在在，看得见也摸得着。",
    "截至目前，已累计投入资金{m}亿元，完成年度计划的{p}%。",
    "此外，相关部门还开通了咨询热线，及时解答群众疑问。",
)


class TextGen:
    """Headlines, sentences and bodies from the word lists, driven by one ``random.Random``."""

    def __init__(self, rng: random.Random | int = 0):
        self.rng = rng if isinstance(rng, random.Random) else random.Random(rng)
        c = self.rng.choice
        r = self.rng.randint
        self._templates = (
            lambda: f"{c(PLACES)}{c(ORGS)}近日召开{c(TOPICS)}工作会议，{c(VERBS)}下一阶段重点任务。",
            lambda: f"记者从{c(PLACES)}{c(ORGS)}获悉，今年以来累计{c(VERBS)}{c(TOPICS)}项目{r(3, 180)}个，完成投资{r(2, 90)}.{r(1, 9)}亿元。",
            lambda: f"会议指出，{c(TOPICS)}事关{c(PHRASES)}，各级各部门要{c(ADVERBS)}{c(VERBS)}各项措施，确保{c(GOALS)}。",
            lambda: f"{self.person()}表示，下一步将继续{c(VERBS)}{c(TOPICS)}，{c(ADVERBS)}{c(VERBS)}{c(TOPICS)}，推动{c(GOALS)}。",
            lambda: f"据了解，该项目总投资{r(1, 60)}.{r(1, 9)}亿元，建成后预计每年可{c(BENEFITS).format(n=r(20, 3000))}。",
            lambda: f"在{c(PLACES)}{c(PLACES_SMALL)}，{c(CROWDS)}正在{c(ACTIVITIES)}，现场一派繁忙景象。",
            lambda: f"“{c(ADVERBS)}把{c(TOPICS)}做好，就是为群众办实事。”{c(SURNAMES)}{c(ROLES)}说。",
            lambda: f"今年，{c(PLACES)}把{c(TOPICS)}作为重点工作，{c(ADVERBS)}{c(VERBS)}{c(TOPICS)}与{c(TOPICS)}协同发展。",
            lambda: f"{r(1, 12)}月{r(1, 28)}日，{c(PLACES)}{c(ORGS)}组织人员深入{c(PLACES_SMALL)}，{c(VERBS)}{c(TOPICS)}情况。",
            lambda: f"数据显示，{r(1, 11)}月份全市{c(TOPICS)}相关指标同比增长{r(1, 30)}.{r(0, 9)}%，增速比上月加快{r(1, 5)}个百分点。",
            lambda: f"家住{c(PLACES_SMALL)}的{c(CROWDS)}{self.person()}告诉记者，以前{c(ACTIVITIES)}要跑很远，现在方便多了。",
            lambda: c(EXTRAS).format(k=r(2, 30), n=r(100, 5000), m=r(1, 40), p=r(40, 99)),
            lambda: f"围绕{c(TOPICS)}，{c(PLACES)}出台了{r(3, 20)}条具体措施，明确了时间表和责任人。",
            lambda: f"据悉，{c(PLACES)}还将在{c(PLACES_SMALL)}试点{c(TOPICS)}，探索可复制、可推广的经验。",
        )
        self._titles = (
            lambda: f"{c(PLACES)}{c(VERBS)}{c(TOPICS)} 今年将惠及{r(200, 9000)}户居民",
            lambda: f"{c(PLACES)}：{c(TOPICS)}跑出“加速度”",
            lambda: f"{c(PLACES)}{c(ORGS)}召开{c(TOPICS)}推进会",
            lambda: f"{c(PLACES_SMALL)}的{c(TOPICS)}新变化",
            lambda: f"{c(PLACES)}{r(2, 80)}个{c(TOPICS)}项目集中开工",
            lambda: f"{c(ADVERBS)}{c(VERBS)}{c(TOPICS)} {c(PLACES)}交出亮眼答卷",
            lambda: f"{c(PLACES)}多措并举{c(VERBS)}{c(TOPICS)}",
            lambda: f"走进{c(PLACES)}{c(PLACES_SMALL)}：{c(CROWDS)}{c(ACTIVITIES)}",
        )

    def person(self) -> str:
        """A made-up personal name (surname + one or two given characters)."""
        c = self.rng.choice
        return c(SURNAMES) + c(GIVEN) + (c(GIVEN) if self.rng.random() < 0.6 else "")

    def publisher(self) -> str:
        """A made-up publisher name such as ``吴忠日报``."""
        return self.rng.choice(PLACES).rstrip("县市区") + self.rng.choice(PAPERS)

    def sentence(self) -> str:
        """One news sentence."""
        return self.rng.choice(self._templates)()

    def headline(self) -> str:
        """One headline (10–25 characters)."""
        return self.rng.choice(self._titles)()

    def short_title(self) -> str:
        """A short link text for sidebars (8–16 characters)."""
        t = self.headline()
        return t[:16]

    def paragraph(self, chars: int = 200) -> str:
        """Sentences until at least ``chars`` characters."""
        out, n = [], 0
        while n < chars:
            s = self.sentence()
            out.append(s)
            n += len(s)
        return "".join(out)

    def body(self, chars: int) -> list[str]:
        """Paragraphs (120–320 characters each) adding up to about ``chars`` characters."""
        paras, n = [], 0
        while n < chars:
            p = self.paragraph(self.rng.randint(120, 320))
            paras.append(p)
            n += len(p)
        return paras
