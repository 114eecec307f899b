"""Archive benchmark: ingest rate through ``Archive.store_articles`` and search latency.

Builds an archive of N generated articles (about 3 KB of Chinese text each) in batches,
with both full-text indexes maintained, then times the 20 best-ranked results of
Chinese searches (1, 2, 4 and 5 characters; frequent and rarer terms) and prints each
term's document frequency. Issue 4's goals: >= 1,500 articles/s ingest, < 50 ms median
for a 2- and a 4-character search at N = 100,000.

    .venv/bin/python tests/benchmarks/archive.py                 # N = 100,000
    .venv/bin/python tests/benchmarks/archive.py -n 20000 --keep bench.db
    .venv/bin/python tests/benchmarks/archive.py --variants 20000 # the index designs compared

``--variants`` stores the same articles into archives whose full-text indexes are
changed after opening (no FTS; the chosen design; trigram over whole bodies as well;
the naive sqlite-utils way: one trigram index kept by an AFTER INSERT trigger) and prints
the ingest rate of each, wall clock and per CPU second (the CPU figure is steadier on a
shared machine).

The text comes from the small word lists below, written for this benchmark; each
article draws a few places, topics and words (a Zipf-like choice), so some terms are in
half of the archive and others in a few percent, as in real regional news.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import aggregator.archive as archive_mod  # noqa: E402
from aggregator.archive import Archive  # noqa: E402
from aggregator.items import Article  # noqa: E402

# --- vocabulary (written for this benchmark) --------------------------------------------------

PLACES = ("银川 吴忠 固原 中卫 石嘴山 灵武 贺兰 永宁 青铜峡 乌鲁木齐 喀什 伊犁 阿克苏 哈密 吐鲁番 昌吉 "
          "库尔勒 和田 兰州 西宁 呼和浩特 包头 鄂尔多斯 延安 榆林 天水 张掖 酒泉").split()
REGIONS = "宁夏 新疆 甘肃 青海 内蒙古 陕西 西北地区 黄河流域 六盘山区 贺兰山东麓 天山南北 河西走廊".split()
ORGS = ("市委 市政府 自治区党委 发改委 农业农村厅 教育厅 卫健委 文旅局 生态环境局 交通运输局 住建局 人社局 "
        "科技厅 商务厅 统计局 气象台 消防救援支队 公安局 税务局 供电公司 融媒体中心 职业技术学院 人民医院 "
        "社区服务中心").split()
SUBJECTS = ("乡村振兴 高标准农田 枸杞产业 葡萄酒产业 滩羊养殖 冷凉蔬菜 文化旅游 黄河保护 生态治理 防沙治沙 新能源 "
            "光伏发电 储能项目 数字经济 算力中心 移民搬迁 营商环境 民生实事 就业创业 职业教育 义务教育 医疗保障 "
            "养老服务 社区治理 城市更新 老旧小区改造 供暖保障 安全生产 森林防火 防汛抗旱 交通建设 高速公路 "
            "铁路枢纽 物流园区 跨境电商 对外开放 招商引资 非遗传承 全民健身 冰雪运动 文明城市 垃圾分类 节水灌溉 "
            "盐碱地改良 种业振兴 粮食安全 特色小镇 夜间经济 消费券 直播带货").split()
VERBS = ("推进 部署 召开 启动 完成 举办 开展 落实 加快 深化 推动 实施 建设 提升 优化 培育 巩固 打造 引进 签约 "
         "投用 验收 检查 调研 督导 发布 开通 组织 表彰 慰问 宣讲").split()
ADJS = "重点 关键 全面 持续 扎实 有力 稳步 显著 积极 有序 精准 高效 务实 创新 绿色 安全 智慧 特色 优质 稳定".split()
NOUNS = ("工作 会议 项目 活动 方案 措施 任务 目标 成效 机制 体系 平台 服务 政策 资金 设施 队伍 基地 园区 企业 "
         "合作社 农户 群众 居民 学生 游客 干部 代表 专家 志愿者 岗位 订单 产量 收入 面积 规模 水平 质量 效益 "
         "指标 标准 数据 经验 问题 隐患 短板 需求").split()
TIMES = "近日 日前 今年以来 上半年 一季度 本周 昨天上午 今天下午 截至目前 去年同期 下一步 近年来 春节前夕 国庆期间 汛期以来".split()
CONNECT = "同时 此外 与此同时 据了解 记者了解到 据介绍 值得一提的是 另外 其中 为此 目前 接下来".split()
ROLES = "负责人 党支部书记 村委会主任 项目经理 技术员 种植户 养殖户 志愿者 社区网格员 一线职工 值班民警 带队医生 驻村第一书记".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲兰凤洁梅琳云莲雪荣香月瑞凡佳嘉琼珍莉晶妍秋珊锦青倩婷颖露瑶怡丹蓉君琴蕊薇梦岚馨韵园咏卿聪澜悦昭冰爽茗羽希宁欣育柔竹凝晓欢枫芸菲亚宜可舒阳"
UNITS = ("个", "家", "万元", "亿元", "吨", "亩", "人次", "公里", "%", "余户", "项")
COUNTERS = "一 两 三 四 五 六 七 八 九 十".split()
MEDIA = ("宁夏日报", "银川晚报", "新疆日报", "兰州晨报", "西北经济报", "黄河新闻网", "塞上融媒", "天山网")


def zipf(rng: random.Random, seq: list[str]) -> str:
    """An element of ``seq``, the first ones far more often (rank-frequency like real news)."""
    if rng.random() < 0.6:
        return seq[min(int(rng.paretovariate(0.8)) - 1, len(seq) - 1)]
    return rng.choice(seq)


class Lexicon:
    """The few words one article uses: real articles repeat a small vocabulary."""

    def __init__(self, rng: random.Random):
        def pick(seq: list[str], n: int) -> list[str]:
            return sorted({zipf(rng, seq) for _ in range(n)})

        self.places, self.regions = pick(PLACES, 2), pick(REGIONS, 1)
        self.subjects, self.orgs = pick(SUBJECTS, 3), pick(ORGS, 3)
        self.verbs, self.adjs, self.nouns = pick(VERBS, 10), pick(ADJS, 6), pick(NOUNS, 16)
        self.times, self.connect, self.roles = pick(TIMES, 5), pick(CONNECT, 4), pick(ROLES, 3)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _amount(rng: random.Random) -> str:
    return f"{rng.randint(2, 980)}{rng.choice(UNITS)}"


def sentence(rng: random.Random, x: Lexicon) -> str:
    """One news-like sentence from the article's lexicon."""
    c = rng.choice
    p, s, o = c(x.places), c(x.subjects), c(x.orgs)
    kind = rng.randrange(7)
    if kind == 0:
        return f"{c(x.times)}，{p}{o}{c(x.verbs)}{s}{c(x.nouns)}，{c(x.adjs)}{c(x.verbs)}{c(x.subjects)}{c(x.nouns)}。"
    if kind == 1:
        return f"“{c(x.times)}我们{c(x.verbs)}了{_amount(rng)}{c(x.nouns)}，{c(x.nouns)}{c(x.adjs)}提升。”{p}{c(x.roles)}{_name(rng)}说。"
    if kind == 2:
        return (f"{c(x.connect)}，{c(x.regions)}{c(x.adjs)}{c(x.verbs)}{s}，累计{c(x.verbs)}{c(x.nouns)}{_amount(rng)}，"
                f"{c(x.nouns)}同比增长{rng.randint(2, 60)}.{rng.randint(0, 9)}%。")
    if kind == 3:
        return f"{o}{c(x.roles)}{_name(rng)}表示，将{c(x.adjs)}{c(x.verbs)}{s}，{c(x.verbs)}{c(x.nouns)}{c(x.nouns)}，让{c(x.nouns)}更有获得感。"
    if kind == 4:
        return (f"在{p}{c(x.nouns)}现场，{c(COUNTERS)}{c(['台', '辆', '名', '支'])}{c(x.nouns)}正在{c(x.verbs)}，"
                f"{c(x.connect)}{c(x.adjs)}{c(x.verbs)}{c(x.subjects)}。")
    if kind == 5:
        return f"{c(x.times)}，{c(x.regions)}共{c(x.verbs)}{s}{c(x.nouns)}{_amount(rng)}，涉及{p}等{rng.randint(2, 30)}个县区。"
    return f"{c(x.connect)}，{p}{c(x.verbs)}“{s}+{c(x.subjects)}”{c(x.nouns)}，{c(x.adjs)}{c(x.verbs)}{c(x.nouns)}{c(x.nouns)}。"


def body(rng: random.Random, x: Lexicon, size: int = 3000) -> str:
    """Paragraphs (one per line) until about ``size`` UTF-8 bytes."""
    paras, total = [], 0
    while total < size:
        para = "".join(sentence(rng, x) for _ in range(rng.randint(2, 5)))
        paras.append(para)
        total += len(para.encode("utf-8"))
    return "\n".join(paras)


def article(rng: random.Random, i: int, spiders: list[str]) -> Article:
    """The i-th generated article (deterministic for a seeded ``rng``)."""
    x = Lexicon(rng)
    text = body(rng, x)
    spider = spiders[i % len(spiders)]
    title = f"{rng.choice(x.places)}{rng.choice(x.adjs)}{rng.choice(x.verbs)}{rng.choice(x.subjects)}{rng.choice(x.nouns)}"
    day = 1 + i % 28
    return Article(
        url=f"https://news{i % 7}.example.cn/{spider}/2024/{day:02d}/{i}.html",
        title=title,
        published=f"2024-02-{day:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00",
        source=rng.choice(MEDIA),
        category=spider,
        category_name=spider,
        spider=spider,
        body_text=text,
        body_html="<p>" + text.replace("\n", "</p><p>") + "</p>",
        fetched_at="2024-03-01T00:00:00+00:00",
    )


# --- measurement ---------------------------------------------------------------------------------

TERMS = ("新疆", "兰州", "银川", "乡村振兴", "直播带货", "高标准农田", "郑", "川")


def ingest(path: Path, n: int, batch: int, seed: int, quiet: bool = False) -> tuple[float, float]:
    """Store n generated articles; returns (articles per second wall, per CPU second)."""
    rng = random.Random(seed)
    spiders = [f"source{k}" for k in range(12)]
    wall = cpu = 0.0
    with Archive(path) as archive:
        for start in range(0, n, batch):
            arts = [article(rng, i, spiders) for i in range(start, min(n, start + batch))]
            t0, c0 = time.perf_counter(), time.process_time()
            archive.store_articles(arts, now="2024-03-01T00:00:00+00:00")
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            if not quiet and (start // batch) % 20 == 0:
                print(f"  {start + len(arts):>7} articles, {(start + len(arts)) / wall:,.0f}/s so far", file=sys.stderr)
    return n / wall, n / cpu


def _no_fts(archive: Archive) -> None:
    for trigger in ("articles_ai_search", "articles_au_search", "articles_ad_search"):
        archive.db.execute(f"DROP TRIGGER {trigger}")
    archive.db.execute("DROP TABLE articles_fts")
    archive.db.execute("DROP TABLE articles_search")


def _trigram_body(archive: Archive) -> None:
    archive.db.execute("DROP TABLE articles_fts")
    archive.db.execute('CREATE VIRTUAL TABLE articles_fts USING fts5(title, body_text, content="articles", '
                       'content_rowid="id", tokenize="trigram", detail=full)')
    archive.db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', ?)", [archive_mod.FTS_HASHSIZE])


def _trigram_trigger(archive: Archive) -> None:
    _no_fts(archive)
    archive.db.execute('CREATE VIRTUAL TABLE articles_fts USING fts5(title, body_text, content="articles", '
                       'content_rowid="id", tokenize="trigram")')
    archive.db.execute("CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN INSERT INTO "
                       "articles_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text); END")


VARIANTS = {
    # name: (description, schema change, trigram columns, drain the queue?)
    "no-fts": ("no full-text index at all", _no_fts, None, False),
    "chosen": ("bigram index (whole text) + trigram index (title, lead)", None, ("title", "lead"), True),
    "trigram-body": ("bigram index + trigram index over title and whole body", _trigram_body,
                     ("title", "body_text"), True),
    "trigram-trigger": ("trigram index only, title + body, per-row AFTER INSERT trigger", _trigram_trigger, None, False),
}


def compare_variants(n: int, batch: int, seed: int, workdir: Path) -> None:
    """Ingest the same n articles with each index design and print the rates."""
    real_drain, real_columns = Archive._drain_queue, archive_mod.TRIGRAM_COLUMNS
    print(f"index designs, {n:,} articles each (articles/s wall, per CPU second):")
    try:
        for name, (what, change, columns, drain) in VARIANTS.items():
            path = workdir / f"{name}.db"
            with Archive(path) as archive:
                if change:
                    change(archive)
            archive_mod.TRIGRAM_COLUMNS = columns or real_columns
            Archive._drain_queue = real_drain if drain else (lambda self, texts: None)
            rate, cpu_rate = ingest(path, n, batch, seed, quiet=True)
            print(f"  {name:<16} {rate:7,.0f}/s  {cpu_rate:7,.0f}/s CPU   {what}")
    finally:
        Archive._drain_queue, archive_mod.TRIGRAM_COLUMNS = real_drain, real_columns


def search_latency(path: Path, terms=TERMS, repeat: int = 9) -> list[tuple[str, float, float, float, float, int]]:
    """(term, median ms wall, median ms CPU, share of articles with the term, with it in the title, results)."""
    out = []
    with Archive(path, readonly=True) as archive:
        total = archive.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        for term in terms:
            df, tf = archive.db.execute(
                "SELECT count(CASE WHEN instr(title, ?) OR instr(body_text, ?) THEN 1 END), "
                "count(CASE WHEN instr(title, ?) THEN 1 END) FROM articles", [term, term, term]
            ).fetchone()
            wall, cpu, n = [], [], 0
            for _ in range(repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                n = len(archive.search(term, limit=20))
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            out.append((term, statistics.median(wall), statistics.median(cpu), df / total, tf / total, n))
    return out


def main(argv=None) -> int:
    """Run the benchmark and print the figures quoted in docs/archive.md."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="articles to generate")
    ap.add_argument("--batch", type=int, default=500, help="articles per store_articles call")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--keep", type=Path, help="keep the archive at this path (reused if it exists)")
    ap.add_argument("--search-only", action="store_true", help="only time searches on --keep")
    ap.add_argument("--variants", type=int, metavar="N", help="compare index designs on N articles, then exit")
    args = ap.parse_args(argv)
    if args.variants:
        with tempfile.TemporaryDirectory() as tmpdir:
            compare_variants(args.variants, args.batch, args.seed, Path(tmpdir))
        return 0
    tmp = None
    if args.keep:
        path = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.db"
    if not args.search_only:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        print(f"ingesting {args.n:,} articles in batches of {args.batch} into {path}", file=sys.stderr)
        rate, cpu_rate = ingest(path, args.n, args.batch, args.seed)
        size = sum(Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists())
        print(f"ingest: {rate:,.0f} articles/s ({cpu_rate:,.0f}/s per CPU second), "
              f"archive {size / 1e6:,.0f} MB for {args.n:,} articles")
    print("search, 20 best-ranked results, median of 9 (wall / CPU):")
    for term, ms, cpu_ms, df, tf, n in search_latency(path):
        print(f"  {term:<6} {len(term)} chars  in {df:6.1%} of articles ({tf:5.1%} of titles)  "
              f"{ms:7.1f} ms / {cpu_ms:6.1f} ms CPU  ({n} results)")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
