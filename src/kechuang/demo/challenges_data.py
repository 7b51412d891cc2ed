"""The texts of the demo challenges: reviewers, problems, bids. All people and companies
are fictional; the problems were written for this demo.

Organisation keys are those of ``demo/orgs.py``. Indicators are ``(name, target, unit)``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kechuang.demo.orgs import DOMAIN

Indicator = tuple[str, str, str]


class Reviewer(NamedTuple):
    email: str
    name: str
    org: str
    title: tuple[str, str]
    keywords: str
    work: str  # one paper or patent title, for the affinity and the profile
    disciplines: list[str]  # GB/T 13745 codes
    frontline: bool = False


# The panel of the demo reviews. 林书航 (the researcher account, 钱塘理工) and 汪可馨
# (衡流测控) sit with a consortium and a bidder of 2025's call: the conflict checks find
# them. At least a third of every panel is front-line; nobody is government staff.
REVIEWER_EMAIL = f"reviewer@{DOMAIN}"
REVIEWERS: list[Reviewer] = [
    Reviewer(
        REVIEWER_EMAIL,
        "许文涛",
        "chengfeng",
        ("senior", "正高级工程师"),
        "电力设备状态监测，局部放电，变压器，传感器，故障诊断",
        "风电机组箱式变压器局部放电特高频监测与故障诊断",
        ["470"],
        frontline=True,
    ),
    Reviewer(
        f"reviewer2@{DOMAIN}",
        "汪可馨",
        "hengliu",
        ("associate_senior", "高级工程师"),
        "流量测量，燃烧控制，仪表，余热回收，烟气分析",
        "燃气锅炉烟气含氧量与流量联合测量的燃烧优化控制",
        ["460", "470"],
        frontline=True,
    ),
    Reviewer(
        f"reviewer3@{DOMAIN}",
        "邓知远",
        "jlu",
        ("senior", "教授"),
        "燃烧，低氮燃烧，余热回收，传热，锅炉，氮氧化物",
        "燃气工业锅炉分级燃烧与烟气再循环降低氮氧化物排放研究",
        ["470"],
    ),
    Reviewer(
        f"reviewer4@{DOMAIN}",
        "韩若溪",
        "shiheng",
        ("associate_senior", "高级工程师"),
        "机器视觉，近红外光谱，在线检测，深度学习，含水率",
        "基于近红外光谱与机器视觉的农产品含水率在线检测装置",
        ["520"],
        frontline=True,
    ),
    Reviewer(
        f"reviewer5@{DOMAIN}",
        "罗庭",
        "tianfu-inst",
        ("senior", "研究员"),
        "绝缘材料，局部放电，传感器，冷链，无线监测",
        "环氧浇注干式变压器绝缘老化与局部放电特性研究",
        ["430", "470"],
    ),
]
RESEARCHER_EMAIL = f"expert@{DOMAIN}"  # 林书航, already in the demo with his own profile

# Printed by ``kechuang demo`` after the main accounts (the organiser of the challenges is
# the 浙江省科协 account among those).
ACCOUNTS: list[tuple[str, str]] = [
    (REVIEWER_EMAIL, "评审专家（许文涛，揭榜挂帅评审组）"),
    (f"admin-jinmin@{DOMAIN}", "揭榜方（锦岷动力，项目实施中）"),
]


class ProblemText(NamedTuple):
    org: str
    title: str
    description: str
    keywords: str
    indicators: list[Indicator]
    outcome: str
    funding: dict[str, Any]  # funding_mode, budget, subsidy_ratio / guidance_fund


# Collected in 浙江省科协's round, listed on its 2025 call.
PROBLEMS_2025: list[ProblemText] = [
    ProblemText(
        "hengyue",
        "10kV 干式变压器局部放电在线监测与早期预警",
        "我司干式变压器在数据中心和轨道交通场景出现过绝缘击穿事故，事后分析表明击穿前数周"
        "已有局部放电发展，但现场缺少可长期运行的在线监测手段。需要一套可加装在产品上的局部放电"
        "在线监测装置，在强电磁干扰下可靠识别放电类型并提前预警。",
        "局部放电，干式变压器，在线监测，特高频，预警",
        [("局部放电检测灵敏度", "≤10", "pC"), ("放电类型识别准确率", "≥90", "%")],
        "可批量加装的监测装置样机 3 套、挂网运行 6 个月的验证报告、企业标准 1 项。",
        {"funding_mode": "public", "budget": "300"},
    ),
    ProblemText(
        "yongran",
        "燃气工业锅炉超低氮燃烧与烟气余热深度回收",
        "客户的 10 t/h 燃气锅炉须满足氮氧化物排放 30 mg/m³ 以下的地方标准，现有分级燃烧方案"
        "在低负荷时火焰不稳、热效率下降。希望在不更换炉体的前提下改造燃烧器并回收烟气冷凝热。",
        "低氮燃烧，燃烧器，烟气余热，冷凝回收，锅炉",
        [("氮氧化物排放浓度", "≤30", "mg/m³"), ("锅炉热效率", "≥98", "%")],
        "改造用燃烧器与冷凝换热器各 1 套，在 2 台客户锅炉上连续运行 3 个月的检测报告。",
        {"funding_mode": "subsidy", "budget": "200", "subsidy_ratio": "0.4"},
    ),
    ProblemText(
        "mingjian",
        "名优绿茶杀青叶含水率在线无损检测",
        "杀青程度决定名优绿茶的色泽和香气，目前全凭师傅手捏判断，连续化生产线无法闭环控制。"
        "需要在杀青机出口在线测量茶叶含水率，并把结果接入我司成套装备的控制系统。",
        "茶叶，杀青，含水率，在线检测，近红外",
        [("含水率测量误差", "≤1.5", "%"), ("单次测量时间", "≤2", "s")],
        "在线检测模块 2 套，接入杀青生产线并完成一个采茶季的对比试验。",
        {"funding_mode": "market", "budget": "120", "guidance_fund": "30"},
    ),
]


class Bid(NamedTuple):
    key: str
    problem: int  # index into the call's problems
    org: str
    title: str
    route: str
    indicators: list[Indicator]
    budget: str
    team: list[tuple[str, str]]  # name, role
    partners: list[tuple[str, str]] = []  # org key, role (a consortium when not empty)


BIDS_2025: list[Bid] = [
    Bid(
        "zj-inst",
        0,
        "zj-inst",
        "特高频与高频电流联合的干式变压器局放在线监测系统",
        "采用内置特高频天线与高频电流互感器双通道同步采集，以时频聚类和卷积网络识别放电"
        "类型，结合自适应阈值抑制现场干扰；衡流测控负责装置工程化，钱塘理工负责算法与试验。",
        [("局部放电检测灵敏度", "5", "pC"), ("放电类型识别准确率", "93", "%")],
        "290",
        [("宋启明", "项目负责人"), ("俞佳", "算法负责人")],
        [("qtu", "识别算法与试验验证"), ("hengliu", "装置工程化与批量制造")],
    ),
    Bid(
        "lengxin",
        0,
        "lengxin",
        "基于无线传感网络的变压器局放与温升综合监测",
        "把自研的低功耗无线测温节点扩展为局放超声与温升联合监测节点，通过边缘网关做趋势预警。",
        [("局部放电检测灵敏度", "10", "pC"), ("放电类型识别准确率", "88", "%")],
        "180",
        [("蒋一凡", "项目负责人")],
    ),
    Bid(
        "jinmin",
        1,
        "jinmin",
        "燃气锅炉烟气再循环低氮燃烧器与冷凝余热回收改造",
        "以分级燃烧叠加烟气内循环降低火焰温度，燃烧器配变频风机与氧量闭环控制保证低负荷稳燃；"
        "尾部加装不锈钢冷凝换热器回收烟气潜热，预热锅炉补水。",
        [("氮氧化物排放浓度", "25", "mg/m³"), ("锅炉热效率", "98.5", "%")],
        "380",
        [("杜明川", "项目负责人"), ("李蓉", "燃烧试验")],
    ),
    Bid(
        "scu",
        1,
        "scu",
        "多孔介质预混低氮燃烧与热管余热回收方案",
        "采用碳化硅多孔介质预混燃烧，拓宽稳燃范围；以重力热管换热器回收烟气余热。",
        [("氮氧化物排放浓度", "28", "mg/m³"), ("锅炉热效率", "97", "%")],
        "260",
        [("黄思远", "项目负责人")],
    ),
    Bid(
        "qtu",
        2,
        "qtu",
        "近红外光谱与机器视觉融合的杀青叶含水率在线检测",
        "在杀青机出料口布置近红外光谱探头与线阵相机，以光谱—图像融合模型估计含水率，"
        "模型按茶树品种在线校正，检测结果经现场总线送入杀青机温控系统。",
        [("含水率测量误差", "1.2", "%"), ("单次测量时间", "1", "s")],
        "110",
        [("沈若琳", "项目负责人")],
    ),
    Bid(
        "lingnan-inst",
        2,
        "lingnan-inst",
        "微波谐振式茶叶含水率在线测量",
        "以微波谐振腔测量茶叶介电常数推算含水率。",
        [("含水率测量误差", "2", "%"), ("单次测量时间", "0.5", "s")],
        "90",
        [("区家豪", "项目负责人")],
    ),
]

# (bid key, recommending org key, decision, reason) in the order they happen.
RECOMMENDATIONS_2025: list[tuple[str, str, str, str]] = [
    ("lengxin", "hz", "recommended", ""),
    ("jinmin", "cd", "recommended", ""),
    ("jinmin", "sc", "recommended", ""),
    ("scu", "sc", "recommended", ""),
    (
        "lingnan-inst",
        "gd",
        "not_recommended",
        "方案的测量误差达不到榜单要求的 ≤1.5%，本级不予推荐。",
    ),
]

# Reviewer quality of each bid (0–100) in rounds 1 and 2; each reviewer adds a leniency.
QUALITY: dict[str, tuple[int, int]] = {
    "zj-inst": (88, 90),
    "lengxin": (76, 74),
    "jinmin": (85, 87),
    "scu": (71, 0),  # does not go on to the panel meeting
    "qtu": (81, 83),
}
LENIENCY = [2, -3, 0, 1, -1, 3]  # by the reviewer's position on the panel
WINNERS_2025 = ["zj-inst", "jinmin", "qtu"]


# 杭州市科协's older call, reviewed in one round and accepted by now.
PROBLEM_2024 = ProblemText(
    "hz",
    "冷链运输箱温度全程无线监测与超温预警",
    "医药冷链运输箱在转运途中频繁开箱，现有记录仪只能事后导出数据。需要在途实时上传温度、"
    "开箱和位置信息，超温前预警，电池续航覆盖一次完整配送。",
    "冷链，温度监测，无线传输，超温预警，低功耗",
    [("温度测量误差", "≤0.3", "℃"), ("单次充电续航", "≥30", "天")],
    "监测终端 200 台在 3 条配送线路试用，并通过第三方检测。",
    {"funding_mode": "public", "budget": "80"},
)
BIDS_2024: list[Bid] = [
    Bid(
        "lengxin",
        0,
        "lengxin",
        "NB-IoT 冷链箱温度与开箱状态实时监测终端",
        "以 NB-IoT 与蓝牙双模传输，铂电阻测温并由加速度计识别开箱，云端按药品温区规则预警。",
        [("温度测量误差", "0.2", "℃"), ("单次充电续航", "45", "天")],
        "78",
        [("蒋一凡", "项目负责人")],
    ),
    Bid(
        "zj-inst",
        0,
        "zj-inst",
        "RFID 无源测温标签冷链监测方案",
        "采用无源 RFID 测温标签，在中转节点批量读取。",
        [("温度测量误差", "0.5", "℃"), ("单次充电续航", "30", "天")],
        "60",
        [("宋启明", "项目负责人")],
    ),
]


class OpenProblem(NamedTuple):
    title: str
    description: str
    indicators: list[Indicator]
    outcome: str
    funding: dict[str, Any]
    eligibility_text: str


# 浙江省科协's call open for applications now.
OPEN_CALL = {
    "title": "2026 年浙江省智能制造关键技术揭榜挂帅榜单",
    "description": "面向全省智能制造企业征集的关键技术难题，欢迎高校、院所、企业及联合体揭榜。"
    "每个申报主体限报 1 项；联合体成员不超过 4 家。",
}
OPEN_PROBLEMS: list[OpenProblem] = [
    OpenProblem(
        "电池包激光焊接缺陷在线检测",
        "储能电池包汇流排激光焊接存在虚焊、炸点，离线抽检漏检率高，需要在焊接工位在线检测每个"
        "焊点并剔除不良。",
        [("虚焊检出率", "≥99", "%"), ("单焊点检测时间", "≤0.2", "s")],
        "在线检测工位 1 套，在产线连续运行 3 个月。",
        {"funding_mode": "subsidy", "budget": "150", "subsidy_ratio": "0.5"},
        "具备机器视觉或声光检测系统研制经验的单位或团队。",
    ),
    OpenProblem(
        "数控机床主轴热误差实时补偿",
        "精密加工时主轴温升导致的热漂移超过 15 μm，需要基于少量温度测点建立热误差模型并在数控系统"
        "中实时补偿。",
        [("热误差补偿后残差", "≤3", "μm"), ("温度测点数", "≤6", "个")],
        "补偿模块在 2 台机床上验证，并提供与主流数控系统的接口。",
        {"funding_mode": "public", "budget": "120"},
        "具备数控系统二次开发能力。",
    ),
]


# A review open for scoring now (purpose "other": its items are written in the review):
# 浙江省科协 runs it, 许文涛 (the reviewer account) sits on its panel with two others, the
# assignment is solved, round 1 is open and nobody has scored yet.
class OpenReviewItem(NamedTuple):
    org: str
    title: str
    text: str


OPEN_REVIEW: dict[str, Any] = {
    "title": "2026 年浙江省科协“科技助企”优秀项目评审",
    "panel": "能源电气组",
    "reviewers": [REVIEWER_EMAIL, f"reviewer3@{DOMAIN}", f"reviewer5@{DOMAIN}"],
    "chair": f"reviewer3@{DOMAIN}",
}
OPEN_REVIEW_ITEMS: list[OpenReviewItem] = [
    OpenReviewItem(
        "hengyue",
        "10kV 开关柜局部放电与触头温度在线监测系统",
        "以特高频与暂态地电压传感器联合检测开关柜局部放电，无线测温监测触头温度，"
        "已在 12 座配电站运行一年，提前发现 3 起绝缘缺陷。",
    ),
    OpenReviewItem(
        "chengtan",
        "车规级 SiC 功率模块银烧结封装工艺",
        "以纳米银烧结替代锡焊连接芯片与基板，模块结温循环寿命提高 3 倍，热阻降低 18%，"
        "已通过 AEC-Q101 可靠性考核并小批量供货。",
    ),
    OpenReviewItem(
        "lanchu",
        "储能电站电池簇液冷温控与热失控预警系统",
        "液冷板流道优化与电芯级温度监测结合，电芯最大温差控制在 3℃ 以内，"
        "并以电压一致性与温升速率提前预警热失控。",
    ),
]

# The enterprise account's bid on the open call, saved as a draft for the visitor to
# finish and submit.
DRAFT_BID = Bid(
    "draft",
    0,
    "lanchu",
    "储能电池包汇流排焊点声光融合在线检测方案",
    "在焊接工位同步采集焊接声发射信号与熔池图像，以轻量化网络判别虚焊与炸点，"
    "不良焊点在线剔除；方案已在本公司储能电池包产线完成离线验证。",
    [("虚焊检出率", "99.5", "%"), ("单焊点检测时间", "0.15", "s")],
    "140",
    [("沈嘉伟", "项目负责人")],
)
