"""Write the English names of the GB/T 2260 regions into src/kechuang/vocab/data/regions.json.

Run with the dev environment (pypinyin is a dev dependency): ``.venv/bin/python
scripts/region_names_en.py``; ``--check`` only reports whether the file is up to date.
The output is committed, so the platform itself needs no pypinyin.

The rule (also stated in the file's "source"):
- provinces, municipalities, autonomous regions and SARs: their common English names
  (PROVINCES below; 西藏 as Xizang, the name Chinese official English now uses);
- every other division: Hanyu Pinyin of the proper name, written as one capitalised word
  with an apostrophe before a syllable starting with a, o or e (Xi'an, Lu'an), then the
  English type: 区 District, 县 County, 旗 Banner, 盟 League, 地区 Prefecture, 自治州
  Prefecture (the ethnic groups are left out: 延边朝鲜族自治州 → Yanbian Prefecture),
  自治县 Autonomous County, 自治旗 Autonomous Banner, 矿区 Mining District; cities (市)
  by the proper name alone (Hangzhou, Yiwu);
- a proper name of one character keeps its type character in the pinyin (歙县 Shexian
  County, 城区 Chengqu District), as such names are usually written;
- by hand (SPECIAL_NAMES): the pseudo-levels (市辖区 Districts, 县 Counties, 省直辖县级行政区划
  ...), units of other types (新区, 林区, 特区, the South China Sea islands) and a few cities
  with a conventional English spelling (Harbin, Hohhot, Urumqi, Lhasa ...); the other places
  named from Mongolian, Uyghur or Tibetan stay in pinyin (Kashi, Rikaze), which is what the
  rule gives, not always what English texts use;
- readings that pypinyin gets wrong for place names are fixed in PLACE_CHARACTERS (长 cháng,
  都 dū, 勒 lè, 什 shí) and PLACE_READINGS (长子 Zhangzi, 漯河 Luohe, 闵行 Minhang ...).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pypinyin import lazy_pinyin, load_phrases_dict, load_single_dict

DATA = Path(__file__).resolve().parent.parent / "src" / "kechuang" / "vocab" / "data"
FILE = DATA / "regions.json"

PROVINCES = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Xizang",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
}

# Pseudo-levels of GB/T 2260 and units whose type is not one of the usual ones.
SPECIAL_NAMES = {
    "市辖区": "Districts",
    "县": "Counties",
    "省直辖县级行政区划": "County-level divisions under the province",
    "自治区直辖县级行政区划": "County-level divisions under the autonomous region",
    "矿区": "Mining District",
    "滨海新区": "Binhai New Area",
    "浦东新区": "Pudong New Area",
    "沈北新区": "Shenbei New District",
    "神农架林区": "Shennongjia Forestry District",
    "六枝特区": "Liuzhi Special District",
    "西沙群岛": "Xisha Islands",
    "南沙群岛": "Nansha Islands",
    "中沙群岛的岛礁及其海域": "Zhongsha Islands and their waters",
    "大柴旦行政委员会": "Dachaidan Administrative Committee",
    # Cities whose conventional English name is not the pinyin of the Chinese one.
    "哈尔滨市": "Harbin",
    "齐齐哈尔市": "Qiqihar",
    "呼和浩特市": "Hohhot",
    "鄂尔多斯市": "Ordos",
    "呼伦贝尔市": "Hulunbuir",
    "乌鲁木齐市": "Urumqi",
    "拉萨市": "Lhasa",
}

# Readings of place names where pypinyin's general-language default is wrong.
PLACE_READINGS = {
    "朝阳": [["chao"], ["yang"]],
    "朝天": [["chao"], ["tian"]],
    "长治": [["chang"], ["zhi"]],
    "长白": [["chang"], ["bai"]],
    "长垣": [["chang"], ["yuan"]],
    "长葛": [["chang"], ["ge"]],
    "长子": [["zhang"], ["zi"]],
    "漯河": [["luo"], ["he"]],
    "涡阳": [["guo"], ["yang"]],
    "洪洞": [["hong"], ["tong"]],
    "单县": [["shan"], ["xian"]],
    "郫都": [["pi"], ["du"]],
    "宁都": [["ning"], ["du"]],
    "曾都": [["zeng"], ["du"]],
    "马尾": [["ma"], ["wei"]],
    "闵行": [["min"], ["hang"]],
    "覃塘": [["qin"], ["tang"]],
    "伽师": [["jia"], ["shi"]],
    "蚌山": [["beng"], ["shan"]],
    "泊头": [["bo"], ["tou"]],
    "佛冈": [["fo"], ["gang"]],
    "佛坪": [["fo"], ["ping"]],
    "南乐": [["nan"], ["le"]],
    "民乐": [["min"], ["le"]],
    "六合": [["lu"], ["he"]],
    "筠连": [["jun"], ["lian"]],
    "繁峙": [["fan"], ["shi"]],
    "浚县": [["xun"], ["xian"]],
    "荥经": [["ying"], ["jing"]],
    "浪卡子": [["lang"], ["ka"], ["zi"]],
}

# Characters whose usual reading in place names is not pypinyin's default one.
PLACE_CHARACTERS = {"长": "cháng", "都": "dū", "什": "shí", "勒": "lè"}

# (suffix, English type), longest first; "" means the proper name alone.
TYPES = [
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("自治州", "Prefecture"),
    ("矿区", "Mining District"),
    ("地区", "Prefecture"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("市", ""),
]

# The 55 minority nationalities as they appear in names, and 各 (各族, "all nationalities").
_GROUP_NAMES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
)
ETHNIC_GROUPS = frozenset(_GROUP_NAMES.split())
# A one-character group needs its 族 (长白朝鲜族自治县 is 长白, not 长 + 白); longer ones
# may go without (巴里坤哈萨克自治县).
_GROUP = "|".join(
    f"{g}族" if len(g) == 1 else f"{g}族?" for g in sorted(ETHNIC_GROUPS, key=len, reverse=True)
)
AUTONOMOUS = re.compile(rf"^(?P<proper>.+?)(?:{_GROUP})+$")


def pinyin(text: str) -> str:
    syllables = lazy_pinyin(text, v_to_u=True)
    word = syllables[0] + "".join(f"'{s}" if s[0] in "aoe" else s for s in syllables[1:])
    return word[:1].upper() + word[1:]


def name_en(code: str, name: str) -> str:
    if code in PROVINCES:
        return PROVINCES[code]
    if name in SPECIAL_NAMES:
        return SPECIAL_NAMES[name]
    for suffix, kind in TYPES:
        if name.endswith(suffix) and len(name) > len(suffix):
            proper = name.removesuffix(suffix)
            if suffix.startswith("自治") or proper.endswith("族"):  # 管城回族区 Guancheng
                match = AUTONOMOUS.match(proper)
                proper = match["proper"] if match else proper.removesuffix("族")
            if len(proper) == 1:
                proper = name  # 歙县 → Shexian County, 芒市 → Mangshi
            return f"{pinyin(proper)} {kind}".strip()
    raise ValueError(f"no rule for {code} {name}")


SOURCE_NOTE = (
    " English names (name_en): provinces, municipalities, autonomous regions and SARs by their "
    "common English names; other divisions as Hanyu Pinyin of the proper name (pypinyin 0.55.0, "
    "place-name readings corrected by hand) plus the English type (District, County, Banner, "
    "League, Prefecture for 地区 and 自治州 without the ethnic groups, Autonomous County, "
    "Autonomous Banner; cities by the name alone); a few conventional spellings (Harbin, Hohhot, "
    "Urumqi, Lhasa ...). Generated by scripts/region_names_en.py, which states the rule in full."
)


def main() -> int:
    load_single_dict({ord(c): reading for c, reading in PLACE_CHARACTERS.items()})
    load_phrases_dict(PLACE_READINGS)
    text = FILE.read_text(encoding="utf-8")
    data = json.loads(text)
    data["source"] = data["source"].split(SOURCE_NOTE)[0] + SOURCE_NOTE
    # Keep the key order code, name, name_en, level, parent.
    data["items"] = [
        {"code": i["code"], "name": i["name"], "name_en": name_en(i["code"], i["name"])}
        | {k: v for k, v in i.items() if k not in ("code", "name", "name_en")}
        for i in data["items"]
    ]
    out = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if "--check" in sys.argv:
        print("up to date" if out == text else "regions.json is out of date")
        return 0 if out == text else 1
    FILE.write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
