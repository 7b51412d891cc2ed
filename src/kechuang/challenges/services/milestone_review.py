"""Milestone review by an expert panel, reusing the review app (issue 4 §7).

Two paths, both ending in the same recorded verdict (``milestone_verdict``):
- a one-person check: the organiser's staff record ``pass`` or ``fail`` with a reason
  (``projects.milestone_review``);
- an expert review: ``milestone_review_open`` starts a review process of purpose
  ``milestone`` (one round by default) whose one item is the milestone's progress
  report, with the winner's parties for the conflict checks. Panels, scores, decision
  and notice run in the review app; once the process is final,
  ``milestone_review_conclude`` passes the milestone if the report was selected and
  fails it otherwise, with the decision's justification as the reason.
While an expert review is open the one-person verdict is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.challenges.choices import MilestoneStatus
from kechuang.challenges.models import Milestone, ProgressReport
from kechuang.challenges.services.handoff import application_parties
from kechuang.challenges.services.projects import (
    lock_project,
    milestone_verdict,
    organiser_side,
    require_active,
)
from kechuang.common.errors import Conflict, InvalidTransition
from kechuang.common.locks import locked
from kechuang.common.validation import refuse
from kechuang.orgs.models import Organization
from kechuang.review.choices import ProcessStatus, Purpose
from kechuang.review.models import Decision
from kechuang.review.services import item_add, panel_create, process_create, selected_subjects

REPORT_SUBJECT = "challenges.progressreport"


@transaction.atomic
def milestone_review_open(
    *,
    actor: Any,
    milestone: Milestone,
    report: ProgressReport,
    evaluator: Organization | None = None,
    rounds: int = 1,
    rules: Mapping[str, Any] | None = None,
) -> Milestone:
    """Start the expert review of ``milestone`` on ``report`` (a report on it)."""
    project = lock_project(milestone.project)
    organiser_side(actor, project)
    require_active(project)
    milestone = locked(Milestone, pk=milestone.pk)
    if milestone.status != MilestoneStatus.PENDING:
        raise InvalidTransition(_("只有进行中的里程碑可以发起专家评审。"))
    if milestone.review_process_id is not None:
        raise Conflict(_("该里程碑已有专家评审。"), code="review_exists")
    if report.milestone_id != milestone.pk:
        raise refuse("report", _("请选择针对该里程碑的进展报告。"))
    call = project.award.application.call
    process = process_create(
        actor=actor,
        organiser=call.organiser,
        title=_("里程碑评审：%(m)s") % {"m": milestone.title[:80]},
        purpose=Purpose.MILESTONE,
        rounds=rounds,
        rules=rules,
        evaluator=evaluator,
    )
    panel = panel_create(actor=actor, process=process, name=_("里程碑评审组"))
    item_add(
        actor=actor,
        process=process,
        subject_type=REPORT_SUBJECT,
        subject_id=report.pk,
        title=f"{project.title}：{milestone.title}"[:200],
        text=f"{milestone.deliverables}\n{report.text}",
        parties=application_parties(project.award.application),
        panel=panel,
    )
    milestone.review_process = process
    milestone.save(update_fields=["review_process"])
    return milestone


@transaction.atomic
def milestone_review_conclude(*, actor: Any, milestone: Milestone) -> Milestone:
    """Pass or fail ``milestone`` from its final expert review."""
    project = lock_project(milestone.project)
    organiser_side(actor, project)
    require_active(project)
    milestone = locked(Milestone.objects.select_related("review_process"), pk=milestone.pk)
    process = milestone.review_process
    if process is None:
        raise InvalidTransition(_("该里程碑没有专家评审。"), code="no_review")
    if process.status != ProcessStatus.FINAL:
        raise InvalidTransition(_("专家评审尚未完成。"), code="review_not_final")
    selected = {pk for kind, pk in selected_subjects(process) if kind == REPORT_SUBJECT}
    reports = set(milestone.reports.values_list("pk", flat=True))
    verdict = "pass" if selected & reports else "fail"
    justification = Decision.objects.get(process=process).justification
    return milestone_verdict(
        actor=actor,
        project=project,
        milestone=milestone,
        verdict=verdict,
        reason=justification,
        review_process=process.pk,
    )
