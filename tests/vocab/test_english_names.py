"""English names of the vocabularies: shipped in the data files, loaded into name_en, shown
in the active language."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from kechuang.vocab.loader import read, vocab_sync
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ROOT = Path(__file__).resolve().parents[2]
VOCABULARIES = {
    "regions": Region,
    "industries": Industry,
    "disciplines": Discipline,
    "cooperation_modes": CooperationMode,
}


@pytest.mark.parametrize("name", list(VOCABULARIES))
def test_every_item_has_an_english_name_and_the_source_says_where_from(name: str) -> None:
    data = read(name)

    empty = [i["code"] for i in data["items"] if not i.get("name_en", "").strip()]
    chinese = [i["code"] for i in data["items"] if CJK.search(i.get("name_en", ""))]
    assert (empty, chinese) == ([], [])
    assert "English names (name_en)" in data["source"]


def test_sync_fills_name_en_from_the_files() -> None:
    Region.objects.filter(pk="330106").update(name_en="")
    Industry.objects.filter(pk="C38").update(name_en="stale")

    vocab_sync()

    assert Region.objects.get(pk="330106").name_en == "Xihu District"
    assert (
        Industry.objects.get(pk="C38").name_en
        == "Manufacture of Electrical Machinery and Apparatus"
    )
    for name, model in VOCABULARIES.items():
        shipped = {i["code"]: i["name_en"] for i in read(name)["items"]}
        assert dict(model.objects.values_list("code", "name_en")) == shipped


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("110000", "Beijing"),
        ("150000", "Inner Mongolia"),
        ("450000", "Guangxi"),
        ("650000", "Xinjiang"),
        ("810000", "Hong Kong"),
        ("820000", "Macao"),
        ("500000", "Chongqing"),
        ("330100", "Hangzhou"),
        ("330106", "Xihu District"),
        ("330523", "Anji County"),
        ("430100", "Changsha"),
        ("350200", "Xiamen"),
        ("340300", "Bengbu"),
        ("341500", "Lu'an"),
        ("610100", "Xi'an"),
        ("222400", "Yanbian Prefecture"),
        ("420528", "Changyang Autonomous County"),  # 长阳土家族自治县: cháng, not zhǎng
        ("220623", "Changbai Autonomous County"),  # 长白朝鲜族自治县: not 长 + 白族
        ("140400", "Changzhi"),
        ("140428", "Zhangzi County"),  # 长子县 is the exception
        ("211300", "Chaoyang"),
        ("411100", "Luohe"),
        ("310112", "Minhang District"),
        ("341021", "Shexian County"),  # one-character proper name keeps its 县
        ("152500", "Xilinguole League"),
        ("150724", "Ewenke Autonomous Banner"),
        ("230100", "Harbin"),
        ("110100", "Districts"),  # the 市辖区 pseudo-level
    ],
)
def test_region_english_names(code: str, english: str) -> None:
    assert Region.objects.get(pk=code).name_en == english


def test_label_and_full_name_follow_the_active_language() -> None:
    xihu = Region.objects.select_related("parent__parent").get(pk="330106")
    mode = CooperationMode.objects.get(pk="licensing")

    with translation.override("en"):
        english = (xihu.label, str(xihu), xihu.full_name, mode.label)
    with translation.override("zh-hans"):
        chinese = (xihu.label, str(xihu), xihu.full_name, mode.label)

    assert english == (
        "Xihu District",
        "Xihu District",
        "Xihu District, Hangzhou, Zhejiang",
        "Technology licensing",
    )
    assert chinese == ("西湖区", "西湖区", "浙江省杭州市西湖区", "技术许可")


def test_full_name_leaves_out_placeholder_levels_in_english() -> None:
    dongcheng = Region.objects.get(pk="110101")  # 北京市 › 市辖区 › 东城区

    with translation.override("en"):
        assert dongcheng.full_name == "Dongcheng District, Beijing"


def test_label_falls_back_to_chinese_without_an_english_name() -> None:
    discipline = Discipline(code="999", name="新学科", name_en="")

    with translation.override("en"):
        assert discipline.label == "新学科"


def test_region_names_file_is_what_the_script_generates() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "region_names_en.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout.strip()) == (0, "up to date")
