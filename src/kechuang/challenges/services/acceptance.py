"""Acceptance (验收): results against the promised indicators, a verdict, publication."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import (
    PROJECT_TRANSITIONS,
    AcceptanceVerdict,
    EventType,
    FilingKind,
    ProjectStatus,
)
from kechuang.challenges.indicators import meets, rule_for, split_target
from kechuang.challenges.models import Acceptance, Project
from kechuang.challenges.services.projects import lock_project, organiser_side
from kechuang.challenges.services.steps import event_record, filing_record, move
from kechuang.common.errors import InvalidTransition
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, full_clean, refuse


def _results(
    errors: Errors, promised: list[dict], rows: Any, required: list[dict] | None = None
) -> list[dict[str, Any]]:
    """One row per promised indicator, in the promised order, each with achieved and met.

    ``required`` are the problem's indicators: a promise takes its direction (``rule``,
    ≥ or ≤) from them, and an indicator marked met whose achieved number misses the
    promise is refused (see ``challenges.indicators``).
    """
    if not isinstance(rows, list):
        errors.add("results", _("请逐项填写指标完成情况。"))
        return []
    given: dict[str, dict] = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("met"), bool):
            errors.add("results", _("每项须有 name、achieved 和 met（是否达到）。"))
            return []
        given[str(row.get("name") or "")] = row
    names = [p["name"] for p in promised]
    if set(given) != set(names):
        errors.add(
            "results",
            _("须且只须对承诺的每项指标给出结果：%(names)s。") % {"names": "、".join(names)},
        )
        return []
    targets = {str(r.get("name")): str(r.get("target") or "") for r in required or []}
    out = []
    for p in promised:
        row = {
            "name": p["name"],
            "unit": p.get("unit", ""),
            "promised": p["target"],
            "rule": rule_for(str(p["target"]), targets.get(p["name"], "")),
            "achieved": str(given[p["name"]].get("achieved") or "").strip()[:50],
            "met": given[p["name"]]["met"],
        }
        if row["met"] and meets(row["rule"], row["promised"], row["achieved"]) is False:
            errors.add(
                "results",
                _(
                    "“%(name)s”承诺 %(rule)s%(promised)s%(unit)s，"
                    "实际 %(achieved)s%(unit)s，未达到。"
                )
                % {
                    "name": row["name"],
                    "rule": row["rule"],
                    "promised": split_target(row["promised"])[1],
                    "achieved": row["achieved"],
                    "unit": row["unit"],
                },
            )
        out.append(row)
    return out


@transaction.atomic
def acceptance_record(
    *,
    actor: Any,
    project: Project,
    results: Any,
    verdict: str,
    summary: str,
    conditions: str = "",
) -> Acceptance:
    """The organiser's acceptance verdict; ``passed`` needs every indicator met."""
    project = lock_project(project)
    organiser_side(actor, project)
    if project.status != ProjectStatus.ACCEPTANCE:
        raise InvalidTransition(_("项目尚未申请验收。"))
    errors = Errors()
    rows = _results(
        errors,
        project.award.application.indicators,
        results,
        project.award.call_problem.indicators,
    )
    if verdict == AcceptanceVerdict.PASSED and any(not r["met"] for r in rows):
        errors.add("verdict", _("有指标未达到，不能判定为通过；可选有条件通过或不通过。"))
    item = Acceptance(
        project=project,
        results=rows,
        verdict=verdict,
        summary=(summary or "").strip(),
        conditions=(conditions or "").strip(),
        decided_by=actor,
    )
    full_clean(item, exclude=["project", "decided_by"], errors=errors)
    errors.raise_if_any()
    item.save()
    call = project.award.application.call
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=item,
        organization=call.organiser,
        after=snapshot(item),
    )
    move(
        project,
        table=PROJECT_TRANSITIONS,
        action="fail" if verdict == AcceptanceVerdict.FAILED else "accept",
        actor=actor,
        call=call,
        organization=call.organiser,
        verdict=verdict,
    )
    met = sum(1 for r in rows if r["met"])
    filing_record(
        call=call,
        kind=FilingKind.ACCEPTANCE,
        summary=_("%(p)s 验收：%(v)s（指标达到 %(m)d/%(n)d）")
        % {"p": project.title, "v": item.get_verdict_display(), "m": met, "n": len(rows)},
        project=project.pk,
        verdict=verdict,
        met=met,
        indicators=len(rows),
    )
    return item


@transaction.atomic
def acceptance_publish(*, actor: Any, acceptance: Acceptance) -> Acceptance:
    """Publish the outcome: from now on the public sees the verdict and the results."""
    project = lock_project(acceptance.project)
    organiser_side(actor, project)
    acceptance = locked(Acceptance, pk=acceptance.pk)
    if acceptance.published_at is not None:
        raise refuse("acceptance", _("验收结果已公布。"), code="conflict")
    acceptance.published_at = timezone.now()
    acceptance.save(update_fields=["published_at"])
    event_record(
        call=project.award.application.call,
        type=EventType.ACCEPTANCE_PUBLISHED,
        obj=acceptance,
        actor=actor,
    )
    return acceptance
