"""The challenges member of the export: published state only, never private content."""

from __future__ import annotations

from typing import Any

from kechuang.challenges.models import Call, CallProblem
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.projects import milestone_add, milestone_review, tranche_release
from kechuang.transfer.exporter import export_data
from kechuang.transfer.importer import import_data
from tests.challenges.conftest import Tree, to_awarding


def test_export_lists_the_challenge_without_private_content(tree: Tree, published: Call) -> None:
    problem = published.problems.get()
    CallProblem.objects.filter(pk=problem.pk).update(confidentiality="internal")
    application = to_awarding(tree, published)
    staff = tree.national_staff
    project = award_make(actor=staff, application=application, justification="评审第一").project
    milestone = milestone_add(
        actor=staff,
        project=project,
        title="样机",
        deliverables="样机一套",
        due_on="2030-01-01",
        tranche_amount="80",
    )
    milestone_review(actor=staff, milestone=milestone, verdict="pass", reason="达标")
    tranche_release(actor=staff, milestone=milestone)

    section: dict[str, Any] = export_data()["challenges"]

    assert sorted(section) == [
        "applications",
        "awards",
        "calls",
        "filings",
        "milestones",
        "problems",
        "projects",
    ]
    assert [(c["key"], c["status"], c["review_rules"]) for c in section["calls"]] == [
        (published.pk, "awarding", {"panel_size": 2, "max_load": 5})
    ]
    [row] = section["problems"]
    assert (row["title"], row["budget"], row["confidentiality"]) == (
        "电池包液冷板流道优化",
        "200.00",
        "internal",
    )
    assert (row["description"], row["indicators"], row["expected_outcome"]) == (None, None, None)
    assert section["applications"] == [
        {
            "key": application.pk,
            "call": published.pk,
            "problem": problem.pk,
            "kind": "organization",
            "organization": tree.lab.pk,
            "applicant": tree.lab_admin.pk,
            "title": "仿生分形流道液冷板方案",
            "status": "awarded",
            "submitted_at": section["applications"][0]["submitted_at"],
            "partners": [],
        }
    ]
    assert [(a["application"], a["funding_cap"]) for a in section["awards"]] == [
        (application.pk, "200.00")
    ]
    assert [(p["key"], p["status"]) for p in section["projects"]] == [(project.pk, "active")]
    assert [(m["title"], m["status"], m["released"]) for m in section["milestones"]] == [
        ("样机", "passed", "80.00")
    ]
    assert sorted(f["kind"] for f in section["filings"]) == [
        "applications",
        "call_published",
        "milestone",
        "problems",
        "project",
        "winner",
    ]


def test_the_importer_ignores_the_challenges_member(db: Any) -> None:
    document = export_data()
    document["challenges"] = {"calls": [{"key": 1, "title": "不会被导入"}]}

    import_data(document)

    assert Call.objects.count() == 0
