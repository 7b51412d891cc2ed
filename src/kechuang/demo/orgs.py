"""Demo organisations and accounts.

The associations carry the names of real public bodies of the CAST system (their tree is
what the platform models); every enterprise, university and institute is fictional.
Each row: key, name, short name, kind, level, parent key, region code, industry code,
description. Parents come before their children.
"""

from __future__ import annotations

from typing import NamedTuple


class Org(NamedTuple):
    key: str
    name: str
    short_name: str
    kind: str
    level: str
    parent: str | None
    region: str
    industry: str | None = None
    description: str = ""


A, S, EA, PA, UA = (
    "association",
    "society",
    "enterprise_association",
    "park_association",
    "university_association",
)
E, U, INST = "enterprise", "university", "institute"

ORGS: list[Org] = [
    # -- the association tree
    Org("cast", "中国科学技术协会", "中国科协", A, "national", None, "110000"),
    Org("zj", "浙江省科学技术协会", "浙江省科协", A, "province", "cast", "330000"),
    Org("js", "江苏省科学技术协会", "江苏省科协", A, "province", "cast", "320000"),
    Org("gd", "广东省科学技术协会", "广东省科协", A, "province", "cast", "440000"),
    Org("sc", "四川省科学技术协会", "四川省科协", A, "province", "cast", "510000"),
    Org("hz", "杭州市科学技术协会", "杭州市科协", A, "city", "zj", "330100"),
    Org("suz", "苏州市科学技术协会", "苏州市科协", A, "city", "js", "320500"),
    Org("szn", "深圳市科学技术协会", "深圳市科协", A, "city", "gd", "440300"),
    Org("cd", "成都市科学技术协会", "成都市科协", A, "city", "sc", "510100"),
    Org("ns", "深圳市南山区科学技术协会", "南山区科协", A, "district", "szn", "440305"),
    # -- national societies
    Org(
        "cmes",
        "中国机械工程学会",
        "机械工程学会",
        S,
        "",
        "cast",
        "110000",
        "M73",
        "全国性机械工程学术团体，维护机械领域专家库，组织科技服务团深入企业。",
    ),
    Org(
        "cis",
        "中国仪器仪表学会",
        "仪器仪表学会",
        S,
        "",
        "cast",
        "110000",
        "M73",
        "仪器仪表与测控领域的全国学会，开展计量测试技术咨询与成果评价。",
    ),
    Org(
        "ces",
        "中国电工技术学会",
        "电工技术学会",
        S,
        "",
        "cast",
        "110000",
        "M73",
        "电气工程领域的全国学会，组织电力装备、储能与功率半导体方向的专家服务。",
    ),
    # -- park, enterprise and university associations
    Org(
        "hz-park",
        "杭州高新区（滨江）园区科协",
        "滨江园区科协",
        PA,
        "",
        "hz",
        "330108",
        description="服务园区内物联网、储能和智能装备企业的科技工作者。",
    ),
    Org(
        "cd-park",
        "成都高新区园区科协",
        "成都高新园区科协",
        PA,
        "",
        "cd",
        "510107",
        description="服务园区内航空动力、无人机和电子信息企业。",
    ),
    Org("hengyue-a", "浙江恒岳电气股份有限公司科协", "恒岳电气科协", EA, "", "hz", "330110"),
    Org("chengfeng-a", "江苏澄风风电装备有限公司科协", "澄风风电科协", EA, "", "suz", "320505"),
    Org("qtu-a", "浙江钱塘理工大学科协", "钱塘理工科协", UA, "", "zj", "330106"),
    Org("jlu-a", "金陵应用技术大学科协", "金陵应用技术大学科协", UA, "", "js", "320106"),
    Org("scu-a", "蜀川工业大学科协", "蜀川工大科协", UA, "", "sc", "510107"),
    # -- enterprises, universities, institutes (all fictional)
    Org(
        "lanchu",
        "杭州澜储能源科技有限公司",
        "澜储能源",
        E,
        "",
        "hz-park",
        "330108",
        "C38",
        "工商业储能系统与电池包集成商，年出货储能电池包约 1.2 GWh。",
    ),
    Org(
        "mingjian",
        "杭州茗鉴智能装备有限公司",
        "茗鉴智能",
        E,
        "",
        "hz",
        "330106",
        "C35",
        "名优茶加工成套装备制造商，产品覆盖杀青、理条、炒制与色选。",
    ),
    Org(
        "lengxin",
        "杭州冷芯物联科技有限公司",
        "冷芯物联",
        E,
        "",
        "hz-park",
        "330108",
        "C40",
        "冷链温度记录仪与物联网监测平台供应商，服务医药和生鲜冷链。",
    ),
    Org(
        "hengyue",
        "浙江恒岳电气股份有限公司",
        "恒岳电气",
        E,
        "",
        "hengyue-a",
        "330110",
        "C38",
        "生产 10–35kV 干式变压器和中压开关柜。",
    ),
    Org(
        "yongran",
        "宁波甬燃环保设备有限公司",
        "甬燃环保",
        E,
        "",
        "zj",
        "330212",
        "C34",
        "工业燃烧器与余热回收设备制造商。",
    ),
    Org(
        "qtu",
        "浙江钱塘理工大学",
        "钱塘理工",
        U,
        "",
        "qtu-a",
        "330106",
        None,
        "以机械、能源动力和信息学科见长的理工科大学（虚构）。",
    ),
    Org(
        "zj-inst",
        "浙江省精密测控研究院",
        "精密测控院",
        INST,
        "",
        "zj",
        "330106",
        "M73",
        "从事传感器、计量校准和测控系统研究的省属科研院所（虚构）。",
    ),
    Org(
        "hengliu",
        "苏州衡流测控仪表有限公司",
        "衡流测控",
        E,
        "",
        "suz",
        "320505",
        "C40",
        "流量仪表制造商，主营超声波、科氏质量流量计和多相流量计。",
    ),
    Org(
        "jiejing",
        "苏州洁境光电仪器有限公司",
        "洁境光电",
        E,
        "",
        "suz",
        "320506",
        "C40",
        "洁净室环境监测仪器制造商，主营激光尘埃粒子计数器。",
    ),
    Org(
        "chengfeng",
        "江苏澄风风电装备有限公司",
        "澄风风电",
        E,
        "",
        "chengfeng-a",
        "320505",
        "C38",
        "3–6 MW 陆上风电机组整机及运维服务商。",
    ),
    Org(
        "xicheng",
        "无锡析诚环境科技有限公司",
        "析诚环境",
        E,
        "",
        "js",
        "320214",
        "N77",
        "工业废水处理工程公司，专注印染和化工废水。",
    ),
    Org(
        "jlu",
        "金陵应用技术大学",
        "金陵应用技术大学",
        U,
        "",
        "jlu-a",
        "320106",
        None,
        "以测控、电气和环境工程学科见长的应用型大学（虚构）。",
    ),
    Org(
        "chengtan",
        "深圳澄碳功率器件有限公司",
        "澄碳功率",
        E,
        "",
        "ns",
        "440305",
        "C39",
        "碳化硅功率模块设计与封装企业，产品用于新能源汽车电驱和光伏逆变器。",
    ),
    Org(
        "shiheng",
        "深圳视衡智能检测有限公司",
        "视衡检测",
        E,
        "",
        "ns",
        "440305",
        "C39",
        "电子制造自动光学检测（AOI）与 X 射线检测设备供应商。",
    ),
    Org(
        "lingnan-inst",
        "广东岭南智能制造研究院",
        "岭南智造院",
        INST,
        "",
        "gd",
        "440112",
        "M73",
        "面向珠三角制造业的新型研发机构，方向为机器人、机器视觉和激光加工（虚构）。",
    ),
    Org(
        "suilan",
        "广州穗澜食品科技有限公司",
        "穗澜食品",
        E,
        "",
        "gd",
        "440106",
        "C14",
        "速冻预制菜生产企业，自建冷链配送。",
    ),
    Org(
        "jinmin",
        "成都锦岷动力装备有限公司",
        "锦岷动力",
        E,
        "",
        "cd-park",
        "510107",
        "C34",
        "燃气轮机热端部件修理与液压伺服件制造企业。",
    ),
    Org(
        "yunling",
        "成都云翎无人机科技有限公司",
        "云翎无人机",
        E,
        "",
        "cd-park",
        "510116",
        "C37",
        "植保和测绘无人机研发制造企业。",
    ),
    Org(
        "xishu",
        "四川西蜀茶业有限公司",
        "西蜀茶业",
        E,
        "",
        "sc",
        "511802",
        "C15",
        "藏茶和绿茶生产加工企业，拥有茶园基地 8000 亩。",
    ),
    Org(
        "tianfu-inst",
        "四川天府新材料研究院",
        "天府新材料院",
        INST,
        "",
        "sc",
        "510107",
        "M73",
        "从事先进涂层、陶瓷基复合材料和电子封装材料研究（虚构）。",
    ),
    Org(
        "scu",
        "蜀川工业大学",
        "蜀川工大",
        U,
        "",
        "scu-a",
        "510107",
        None,
        "以动力工程、机械和农业工程见长的工科大学（虚构）。",
    ),
]

PASSWORD = "Kechuang-demo-2026"
DOMAIN = "kechuang.example"


class Account(NamedTuple):
    email: str
    name: str
    role: str  # shown in the table of ``kechuang demo``
    org: str | None  # key of the organisation, None for the platform admin
    membership: str  # admin / staff / member


# The accounts printed by ``kechuang demo``, one per kind of person.
MAIN_ACCOUNTS: list[Account] = [
    Account(f"admin@{DOMAIN}", "平台管理员", "平台管理员", None, ""),
    Account(f"zhejiang@{DOMAIN}", "周晓岚", "省科协工作人员（浙江省科协）", "zj", "staff"),
    Account(f"hangzhou@{DOMAIN}", "陈立群", "市科协工作人员（杭州市科协）", "hz", "staff"),
    Account(f"enterprise@{DOMAIN}", "沈嘉伟", "企业管理员（杭州澜储能源）", "lanchu", "admin"),
    Account(f"expert@{DOMAIN}", "林书航", "科研人员 / 专家（浙江钱塘理工大学）", "qtu", "member"),
]
