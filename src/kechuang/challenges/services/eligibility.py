"""Eligibility without artificial thresholds (揭榜挂帅“不论资历、不设门槛”).

A call may say what an applicant must be able to do, never who it must be in size, age
or wealth. Two checks, both refusing with the reason:

* structured eligibility accepts only ``ELIGIBILITY_KEYS``; the threshold keys people
  reach for (``THRESHOLD_KEYS``) are refused with an explanation, other keys as unknown;
* free-text eligibility is matched against ``TEXT_RULES``: a threshold topic followed
  within a few characters by a number (Arabic or Chinese), e.g. “年龄 45 岁以下”,
  “研发投入占比不低于 5%”, “注册资本 1000 万元以上”, “成立满 3 年”. Topic words
  without a number (“研发团队”) pass; so does a capability with a number
  (“具备 1000 小时连续运行验证能力”).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.challenges.choices import ApplicantKind
from kechuang.common.validation import Errors

# key -> what it may contain
ELIGIBILITY_KEYS = {
    "applicant_kinds": "list of applicant kinds (person, team, organization, consortium)",
    "qualifications": "list of required qualifications or licences (资质), as text",
    "capabilities": "list of required capabilities (能力), as text",
}

# key -> what kind of threshold it would be (shown in the refusal)
THRESHOLD_KEYS = {
    "age": gettext_lazy("年龄"),
    "min_age": gettext_lazy("年龄"),
    "max_age": gettext_lazy("年龄"),
    "rd_ratio": gettext_lazy("研发投入占比"),
    "rd_spending_ratio": gettext_lazy("研发投入占比"),
    "company_size": gettext_lazy("企业规模"),
    "revenue": gettext_lazy("营业收入"),
    "min_revenue": gettext_lazy("营业收入"),
    "registered_capital": gettext_lazy("注册资本"),
    "years_established": gettext_lazy("成立年限"),
    "founded_before": gettext_lazy("成立年限"),
    "headcount": gettext_lazy("员工人数"),
    "employees": gettext_lazy("员工人数"),
    "title_level": gettext_lazy("职称"),
}

_NUM = r"[0-9０-９一二三四五六七八九十百千万两]"
_GAP = r"[^。；;\n]{0,12}?"
TEXT_RULES: list[tuple[Any, re.Pattern[str]]] = [
    (gettext_lazy("年龄"), re.compile(rf"(年龄{_GAP}{_NUM})|({_NUM}+\s*周?岁)")),
    (
        gettext_lazy("研发投入占比"),
        re.compile(rf"研发(投入|经费|费用|支出){_GAP}{_NUM}"),
    ),
    (
        gettext_lazy("营业收入"),
        re.compile(rf"(营业收入|销售收入|销售额|营收|年产值|主营业务收入){_GAP}{_NUM}"),
    ),
    (gettext_lazy("注册资本"), re.compile(rf"注册资[本金]{_GAP}{_NUM}")),
    (
        gettext_lazy("员工人数"),
        re.compile(rf"(员工|职工|从业人员|人员规模|在职人数|研发人员){_GAP}{_NUM}"),
    ),
    (
        gettext_lazy("成立年限"),
        re.compile(rf"(成立|注册|设立)(年限|时间)?{_GAP}{_NUM}+\s*(年|周年)"),
    ),
    (gettext_lazy("企业规模"), re.compile(r"规模以上|规上企业|大中型企业|上市公司")),
]


def _explain(what: Any, found: str) -> str:
    return _(
        "申报条件不能设置%(what)s门槛（“%(found)s”）：揭榜挂帅不论资历、不设门槛，"
        "请改为写明解决问题所需的能力或资质。"
    ) % {"what": what, "found": found}


def eligibility_text_findings(text: str) -> list[str]:
    """The refusals for ``text``, one per threshold found (empty when it is fair)."""
    findings = []
    taken: list[range] = []
    for what, pattern in TEXT_RULES:
        for match in pattern.finditer(text or ""):
            # "研发投入占营业收入比例 5%" is one threshold, not also a revenue one.
            if any(match.start() in span or match.end() - 1 in span for span in taken):
                continue
            taken.append(range(match.start(), match.end()))
            findings.append(_explain(what, match.group(0).strip()))
            break
    return findings


def check_eligibility(errors: Errors, text: str, structured: Any) -> dict[str, list[str]]:
    """Check both forms; add refusals to ``errors``; return the cleaned structured form."""
    for message in eligibility_text_findings(text):
        errors.add("eligibility_text", message)
    if structured in (None, ""):
        return {}
    if not isinstance(structured, dict):
        errors.add("eligibility", _("结构化申报条件应为 JSON 对象。"))
        return {}
    cleaned: dict[str, list[str]] = {}
    for key, value in structured.items():
        if key in THRESHOLD_KEYS:
            errors.add("eligibility", _explain(THRESHOLD_KEYS[key], key))
            continue
        if key not in ELIGIBILITY_KEYS:
            errors.add(
                "eligibility",
                _("不支持的申报条件“%(key)s”；可用：%(keys)s。")
                % {"key": key, "keys": "、".join(ELIGIBILITY_KEYS)},
            )
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.add("eligibility", _("“%(key)s”应为文字列表。") % {"key": key})
            continue
        items = [v.strip() for v in value if v.strip()]
        if key == "applicant_kinds" and set(items) - set(ApplicantKind.values):
            errors.add("eligibility", _("未知的申报主体类型。"))
            continue
        for item in items:
            for message in eligibility_text_findings(item):
                errors.add("eligibility", message)
        cleaned[key] = items
    return cleaned
