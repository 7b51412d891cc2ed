"""The funnel as an xlsx workbook (openpyxl): the same numbers as the page and the API.

Three sheets: 漏斗 (the stages, contract value, technology transaction amount), 阶段用时
(median days between stages) and 婉拒原因 (declines by reason). Amounts are written as
numbers in 万元 with two decimals, so a spreadsheet adds them up as the page does.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kechuang.engagements.funnel import Funnel

AMOUNT_FORMAT = "#,##0.00"


def _header(sheet: object, *titles: str) -> None:
    sheet.append(list(titles))  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)


def funnel_workbook(funnel: Funnel) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("漏斗")
    sheet.append([_("科协"), funnel.association.name])
    sheet.append(
        [_("统计区间"), f"{funnel.period.start.isoformat()} — {funnel.period.end.isoformat()}"]
    )
    sheet.append([])
    sheet.append([_("统计项"), _("数量"), _("其中揭榜挂帅项目")])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for stage in funnel.stages:
        sheet.append([stage.label, stage.count, stage.other])
    sheet.append([_("婉拒的对接"), funnel.declined, 0])
    sheet.append([])
    sheet.append([_("合同数"), funnel.contracts])
    for label, amount in (
        (_("合同金额（万元）"), funnel.contract_value),
        (_("技术交易额（万元）"), funnel.technology_amount),
    ):
        sheet.append([label, amount])
        sheet.cell(row=sheet.max_row, column=2).number_format = AMOUNT_FORMAT
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 18

    gaps = book.create_sheet(_("阶段用时"))
    _header(gaps, _("阶段"), _("用时中位数（天）"), _("对接数"))
    for gap in funnel.gaps:
        gaps.append([gap.label, gap.median_days, gap.n])
    gaps.column_dimensions["A"].width = 30

    declines = book.create_sheet(_("婉拒原因"))
    _header(declines, _("原因"), _("数量"))
    for row in funnel.declines:
        declines.append([row.label, row.count])
    declines.column_dimensions["A"].width = 20

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def funnel_filename(funnel: Funnel) -> str:
    """An ASCII file name (the association's name goes in the sheet, not the header)."""
    org, period = funnel.association.pk, funnel.period
    return f"engagement-funnel-{org}-{period.start}-{period.end}.xlsx"
