"""Seeded synthetic corpus for bench/search.py: mixed Chinese/English archive texts.

Each document is ~2 KB (UTF-8) of contract / licence / ID-copy / credit-report /
correspondence text: company names built from place words + trade words +
有限公司, parties 甲方/乙方, dates, amounts, addresses (…路…号, …巷…号), English
clauses, ID numbers. Word choices are Zipf-distributed over ranked vocabularies
whose tails are synthesised (place names, pinyin words), so some words are very
common and many are rare. Document i depends only on (seed, i), so the corpus can
be generated in parallel and is identical for any worker count.
"""
from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

TYPES = ("contract", "business_licence", "id_copy", "credit_report", "correspondence", "other")
TYPE_WEIGHTS = (35, 10, 15, 15, 15, 10)
CUSTOMERS = 2000
YEARS = (2000, 2025)
SECRECY_WEIGHTS = (60, 30, 10)  # secrecy 1, 2, 3

PLACES_CORE = (
    "厦门 鹭洲 思明 湖里 海沧 集美 同安 翔安 福州 泉州 漳州 莆田 龙岩 三明 南平 宁德 鼓浪 筼筜 莲前 "
    "嘉禾 上海 北京 深圳 广州 杭州 南京 苏州 宁波 温州 青岛 天津 重庆 成都 武汉 长沙 西安 郑州 合肥"
).split()
TRADES = (
    "贸易 科技 物流 实业 投资 建设 置业 餐饮 电子 机械 纺织 食品 医药 文化 传媒 咨询 装饰 地产 进出口 "
    "供应链 信息 网络 能源 环保 建材 化工 服装 家具 印刷 包装 水产 茶业 酒店 旅游 教育 汽车 物业 工程"
).split()
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
CN_WORDS = (
    "合同 甲方 乙方 双方 约定 支付 租金 借款 担保 违约 责任 期限 利息 本金 房屋 租赁 承租 出租 押金 "
    "保证 抵押 履行 解除 终止 争议 仲裁 法院 管辖 签订 生效 附件 条款 协商 一致 书面 通知 送达 地址 "
    "电话 身份证 营业执照 法定代表人 注册资本 经营范围 登记机关 征信 报告 查询 贷款 信用卡 逾期 余额 "
    "账户 还款 记录 授信 额度 利率 罚息 赔偿 损失 不可抗力 保密 知识产权 转让 变更 续租 装修 维修 "
    "物业费 水电费 交付 验收 发票 税费 公证 见证 盖章 签字 原件 复印件 有效期 住所 民族 签发机关 "
    "来函 收悉 函告 特此 回复 核实 清单 档案 归档 保管 移交 借阅 审批 连带 保证人 债务人 债权人 "
    "抵押物 质押 评估 登记 备案 股东 董事 监事 章程 决议 印章 开户 银行 结算 汇款 收据 凭证 对账 "
    "催收 诉讼 判决 执行 查封 冻结 拍卖 清算 破产 重组 托管 监管 审计 报表 纳税 社保 公积金"
).split()
SURNAMES = ("张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭"
            "曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅海燕鹏飞婷雪琳浩宇晨欣怡嘉俊"
CONTRACT_KINDS = ("房屋租赁", "借款", "保证", "抵押", "买卖", "服务", "委托", "仓储", "运输", "承揽")
EN_WORDS = (
    "agreement party lease borrower lender guarantor lessee lessor payment rent deposit interest principal "
    "default breach termination notice dispute arbitration liability indemnity warranty confidentiality "
    "premises property term renewal amendment assignment waiver governing jurisdiction consent obligation "
    "covenant collateral mortgage pledge security account balance overdue credit loan repayment schedule "
    "invoice tax licence registration capital representative shareholder director company limited trading "
    "logistics technology investment warehouse inventory shipment delivery inspection acceptance penalty "
    "compensation damages insurance maintenance renovation utilities handover audit statement settlement "
    "remittance receipt voucher litigation judgment enforcement seizure auction liquidation bankruptcy "
    "restructuring custody supervision approval archive retention transfer appendix schedule annex"
).split()
SYLLABLES = (
    "an bao chang cheng da dong fu gang guang hai he hong hu hua jia jiang jin kang lan li lin long lu luo "
    "ming nan ning ping qing quan rui sha shan sheng shi tai tian wan wei wen xi xia xin xing yang yong yu "
    "yuan ze zhang zhen zhou"
).split()
MONTHS = ("January February March April May June July August September October November December").split()


class Zipf:
    """Draws from ``items`` with P(rank r) proportional to 1 / (r + 1) ** s."""

    def __init__(self, items, s: float = 1.05):
        self.items = list(items)
        self.cum = list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(len(self.items))))

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _tail(first: str, second: str, shuffle_seed: int) -> list[str]:
    combos = [a + b for a in first for b in second]
    random.Random(shuffle_seed).shuffle(combos)
    return combos


_PINYIN = _tail([s.capitalize() for s in SYLLABLES], SYLLABLES, 7)
PLACES = PLACES_CORE + [p for p in _tail(("东西南北金银青白安平康宁长兴华丰泰和"
                                           "永福瑞祥盛嘉鸿恒鑫源隆昌荣信达通"),
                                          "江湖山川洲岭桥港湾塘浦田坊溪峰城林园岛滨阳海泉石岩亭", 3)
                        if p not in PLACES_CORE]
ZH_PLACE, ZH_TRADE, ZH_WORD = Zipf(PLACES), Zipf(TRADES), Zipf(CN_WORDS)
EN_WORD = Zipf(EN_WORDS + [p.lower() for p in _PINYIN[:600]])
PINYIN = Zipf(_PINYIN)
CUSTOMER = Zipf([f"K{n:05d}" for n in range(1, CUSTOMERS + 1)], s=0.8)


def _date_cn(r):
    return f"{r.randint(*YEARS)}年{r.randint(1, 12)}月{r.randint(1, 28)}日"


def _date_en(r):
    return f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.randint(*YEARS)}"


def _company(r):
    extra = ZH_PLACE.pick(r) if r.random() < 0.3 else ""
    return ZH_PLACE.pick(r) + extra + ZH_TRADE.pick(r) + r.choice(SUFFIXES)


def _person(r):
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.randint(1, 2)))


def _address(r):
    if r.random() < 0.3:
        return f"{ZH_PLACE.pick(r)}市{ZH_PLACE.pick(r)}巷{r.randint(1, 99)}号"
    return (f"{ZH_PLACE.pick(r)}市{ZH_PLACE.pick(r)}区{ZH_PLACE.pick(r)}路{r.randint(1, 999)}号"
            f"{r.randint(1, 30)}栋{r.randint(101, 2808)}室")


SLOTS = {
    "co": _company, "p": _person, "addr": _address, "date": _date_cn, "date_en": _date_en,
    "w": ZH_WORD.pick, "ew": EN_WORD.pick, "place": ZH_PLACE.pick,
    "place_en": lambda r: PINYIN.pick(r),
    "co_en": lambda r: f"{PINYIN.pick(r)} {EN_WORD.pick(r).capitalize()} Co., Ltd.",
    "name_en": lambda r: f"{r.choice(SYLLABLES).capitalize()} {PINYIN.pick(r)}",
    "amt": lambda r: f"{r.randint(1, 9999) * 100:,}.00", "n": lambda r: str(r.randint(1, 60)),
    "day": lambda r: str(r.randint(1, 28)), "rate": lambda r: f"{r.randint(20, 240) / 10:.1f}",
    "tel": lambda r: f"0592-{r.randint(2000000, 8999999)}", "sex": lambda r: r.choice("男女"),
    "idno": lambda r: f"3502{r.randint(10, 99)}{r.randint(1950, 2005)}{r.randint(10**7, 10**8 - 1)}",
    "uscc": lambda r: f"91350{r.randint(100, 999)}MA{r.randint(10**7, 10**8 - 1)}",
    "kind": lambda r: r.choice(CONTRACT_KINDS),
}

ZH_GENERIC = (
    "{w}{w}，{w}{w}{w}；{w}{w}的{w}。",
    "甲乙双方经友好协商，就{w}事宜于{date}签订本合同。",
    "请于{date}前将{w}及{w}材料送达{addr}，联系人：{p}，电话：{tel}。",
    "本档案由{co}于{date}移交{place}档案馆保管，保管期限{n}年。",
    "{place}巷{n}号{co}仓库存放的{w}清单详见附件{n}。",
)
ZH_BY_TYPE = {
    "contract": (
        "甲方：{co}，住所：{addr}，法定代表人：{p}。", "乙方：{co}，住所：{addr}，联系电话：{tel}。",
        "乙方应于每月{day}日前向甲方支付租金人民币{amt}元。",
        "租赁物位于{addr}，建筑面积{n}平方米，租赁期限自{date}起至{date}止。",
        "借款金额为人民币{amt}元，借款年利率为{rate}%，按月{w}。",
        "{co}自愿为本合同项下全部债务提供连带责任担保，保证期间为{n}年。",
        "如任何一方违约，应向守约方支付违约金{amt}元，并赔偿{w}损失。",
        "因本{kind}合同引起的争议，双方应协商解决；协商不成的，提交{place}仲裁委员会仲裁。"),
    "business_licence": (
        "名称：{co}；统一社会信用代码：{uscc}；法定代表人：{p}。",
        "注册资本：{amt}万元；成立日期：{date}；住所：{addr}。",
        "经营范围：{w}、{w}、{w}、{w}（依法须经批准的项目，经相关部门批准后方可开展经营活动）。",
        "登记机关：{place}市市场监督管理局，营业期限自{date}至长期。"),
    "id_copy": (
        "姓名：{p}，性别：{sex}，民族：汉，出生：{date}，住址：{addr}，公民身份号码：{idno}。",
        "签发机关：{place}市公安局{place}分局，有效期限：{date}至{date}。",
        "本复印件仅供{co}办理{w}手续使用，再次复印无效。"),
    "credit_report": (
        "报告编号：{uscc}，查询时间：{date}，被查询者：{p}，证件号码：{idno}。",
        "{p}名下共有贷款{n}笔，信用卡账户{n}个，近五年内逾期{n}次，当前逾期金额{amt}元。",
        "授信机构：{place}银行{place}支行，授信额度{amt}元，业务种类：{w}。"),
    "correspondence": (
        "贵司{date}来函收悉，关于{w}一事，经核实，现函复如下。",
        "{co}：我方已于{date}将{w}款项汇入贵司账户。",
        "特此函告，敬请{w}。{co}，{date}。"),
    "other": ("备注：{w}{w}{w}，经办人{p}，{date}。", "{co}会议纪要：{w}、{w}、{w}。"),
}
EN_BY_TYPE = {
    "contract": (
        "This Lease Agreement is entered into by and between {co_en} (the Lessor) and {co_en} (the Lessee).",
        ("The Borrower shall repay the principal amount of RMB {amt} together with accrued interest "
         "on or before {date_en}."),
        ("The Guarantor irrevocably and unconditionally guarantees the due performance of the "
         "obligations of the Borrower."),
        ("This Agreement shall be governed by and construed in accordance with the laws of the "
         "People's Republic of China."),
        "The Lessee shall not sublet the premises without the prior written consent of the Lessor.",
        "Either party may terminate this Agreement by giving {n} days written notice to the other party."),
    "business_licence": (
        "Business Licence No. {uscc}; Legal Representative: {name_en}; Registered Capital: RMB {amt}.",),
    "id_copy": (
        ("Name: {name_en}; ID No. {idno}; Date of Birth: {date_en}; "
         "Issued by {place_en} Public Security Bureau."),),
    "credit_report": (
        ("Credit report for {name_en}: {n} loan accounts, {n} credit card accounts, "
         "{n} overdue payments in the past five years."),),
    "correspondence": (
        "Dear Sir or Madam, we refer to your letter dated {date_en} regarding the {ew} {ew}.",),
    "other": ("Meeting notes of {co_en} on {date_en}: {ew}, {ew} and {ew}.",),
}
EN_GENERIC = (
    "{ew} {ew} {ew} {ew} {ew} {ew}.",
    ("Any dispute arising out of or in connection with this Agreement shall be submitted to the "
     "{place_en} Arbitration Commission."),
    ("Force majeure means any event beyond the reasonable control of the affected party, "
     "including {ew}, {ew} and {ew}."),
    "Confidential information shall not be disclosed to any third party without {ew} consent.",
    "The deposit of RMB {amt} shall be refunded within {n} days after the expiry of the lease term.",
)
POOLS = {t: (Zipf(ZH_BY_TYPE[t] + ZH_GENERIC, 0.7), Zipf(EN_BY_TYPE[t] + EN_GENERIC, 0.7)) for t in TYPES}


class _Fill(dict):
    """format_map mapping drawing a fresh value for each placeholder."""

    def __init__(self, rng):
        super().__init__()
        self.rng = rng

    def __missing__(self, key):
        return SLOTS[key](self.rng)


@dataclass(frozen=True)
class Meta:
    customer: str
    type: str
    year: int
    secrecy: int


def make_meta(rng: random.Random) -> Meta:
    return Meta(CUSTOMER.pick(rng), rng.choices(TYPES, TYPE_WEIGHTS)[0],
                rng.randint(*YEARS), rng.choices((1, 2, 3), SECRECY_WEIGHTS)[0])


def make_text(rng: random.Random, meta: Meta, target: int) -> str:
    """Sentences drawn from the type's pools until ~``target`` UTF-8 bytes."""
    zh, en = POOLS[meta.type]
    fill = _Fill(rng)
    title = f"{rng.choice(CONTRACT_KINDS)}合同" if meta.type == "contract" else ""
    parts = [f"{title} 档案号 DA-{meta.year}-{rng.randint(1, 99999):05d}"]
    size = len(parts[0].encode())
    while size < target:
        pool = en if rng.random() < 0.3 else zh
        sentence = pool.pick(rng).format_map(fill)
        parts.append(sentence)
        size += len(sentence.encode()) + 1
    return "\n".join(parts)


def make_doc(seed: int, i: int) -> tuple[str, Meta]:
    rng = random.Random(seed * 1_000_003 + i)
    meta = make_meta(rng)
    return make_text(rng, meta, rng.randint(1700, 2300)), meta


def vocabulary() -> dict[str, list[str]]:
    """The word lists queries are drawn from (ranked, common first)."""
    zh = PLACES + TRADES + CN_WORDS
    return {
        "zh2": [w for w in zh if len(w) == 2],
        "zh_long": [w for w in zh + list(SUFFIXES) if 3 <= len(w) <= 6],
        "en": EN_WORD.items,
    }
