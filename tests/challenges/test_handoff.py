"""The hand-off to expert review: start_review builds the review, the award obeys it."""

from __future__ import annotations

import pytest

from kechuang.challenges.models import Application, Call
from kechuang.challenges.services.applications import application_submit, application_withdraw
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import call_create, call_transition
from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.orgs.choices import OrgKind
from kechuang.review.conflicts import detect
from kechuang.review.models import ItemParty
from tests.challenges.conftest import (
    Tree,
    answer_invitations,
    bid,
    call_data,
    challenge_state,
    past_deadline,
    review_state,
    review_to_final,
    submitted_bid,
)
from tests.factories import OrganizationFactory
from tests.review.conftest import make_expert

SUBJECT = "challenges.application"


def start_review(tree: Tree, call: Call, **kwargs: object) -> Call:
    past_deadline(call)
    call_transition(actor=tree.national_staff, call=call, action="close")
    return call_transition(actor=tree.national_staff, call=call, action="start_review", **kwargs)


def test_start_review_hands_every_eligible_application_with_its_parties(
    tree: Tree, published: Call
) -> None:
    partner = OrganizationFactory(name="浙江流体研究所", parent=tree.xihu, kind=OrgKind.INSTITUTE)
    member_expert = make_expert("钱工", frontline=True)
    published.application_limit = 3
    published.save(update_fields=["application_limit"])
    consortium = submitted_bid(
        tree,
        published,
        consent=True,
        kind="consortium",
        partners=[{"organization": partner.pk, "role": "流场仿真"}],
        team=[{"name": "钱工", "role": "仿真", "expert": member_expert.pk}, {"name": "孙工"}],
    )
    draft = bid(tree, published, title="草稿方案")
    withdrawn = submitted_bid(tree, published, title="撤回方案")
    application_withdraw(actor=tree.lab_admin, application=withdrawn)
    evaluator = tree.world.other_enterprise

    call = start_review(tree, published, evaluator=evaluator)

    process = call.review_process
    assert process is not None
    assert (process.organiser, process.evaluator, process.purpose, process.rounds) == (
        tree.world.national,
        None,  # invited: it runs the review once its own admins accept
        "challenge_application",
        2,
    )
    assert (process.panel_size, process.max_load, process.frontline_denominator) == (2, 5, 3)
    assert [(i.subject_type, i.subject_id) for i in process.items.all()] == [
        (SUBJECT, consortium.pk)
    ]
    item = process.items.get()
    assert item.panel is not None and item.panel.name == "第一评审组"
    # the title is the item's own field; the text is what the experts score
    assert (item.title, item.text) == (
        consortium.title,
        f"{consortium.technical_route}\n承诺指标：\n· 电芯最大温差：2.5 ℃",
    )
    assert list(
        ItemParty.objects.filter(item=item)
        .order_by("id")
        .values_list("name", "role", "organization", "user", "expert")
    ) == [
        ("杭州热控实验室有限公司", "lead", tree.lab.pk, None, None),
        ("实验室管理员", "member", None, tree.lab_admin.pk, None),
        ("浙江流体研究所", "partner", partner.pk, None, None),
        ("钱工", "member", None, member_expert.user_id, member_expert.pk),
        # 孙工 is a name only: nobody agreed, so no party
    ]
    assert Application.objects.get(pk=draft.pk).status == "draft"
    assert Application.objects.get(pk=consortium.pk).status == "in_review"


def test_the_review_sees_partners_and_team_members_as_conflicts(
    tree: Tree, published: Call
) -> None:
    partner = OrganizationFactory(name="浙江流体研究所", parent=tree.xihu, kind=OrgKind.INSTITUTE)
    in_partner = make_expert("李研", org=partner, frontline=True)
    in_team = make_expert("钱工", frontline=True)
    outsider = make_expert("王外", frontline=True)
    submitted_bid(
        tree,
        published,
        consent=True,
        kind="consortium",
        partners=[{"organization": partner.pk}],
        team=[{"name": "钱工", "expert": in_team.pk}],
    )
    process = start_review(tree, published).review_process
    assert process is not None

    found = detect([in_partner, in_team, outsider], process.items.all(), years=3, subtree=False)

    assert sorted((f.expert_id, f.kind) for f in found) == sorted(
        [(in_partner.pk, "same_org"), (in_team.pk, "consortium")]
    )


def test_start_review_without_eligible_applications_is_refused(tree: Tree, published: Call) -> None:
    bid(tree, published)  # a draft only
    past_deadline(published)
    call_transition(actor=tree.national_staff, call=published, action="close")
    before = (challenge_state(), review_state())

    with pytest.raises(ValidationFailed) as exc:
        call_transition(actor=tree.national_staff, call=published, action="start_review")

    assert exc.value.code == "no_applications"
    assert (challenge_state(), review_state()) == before


def test_bad_review_rules_are_refused_when_the_call_is_made(tree: Tree) -> None:
    before = (challenge_state(), review_state())
    with pytest.raises(ValidationFailed) as exc:
        call_create(
            actor=tree.national_staff,
            organiser=tree.world.national,
            **call_data(review_rules={"panel_size": 0, "quorum": 3, "frontline_share": "3/2"}),
        )
    assert exc.value.fields == {
        "review_rules": [
            "“panel_size”须为整数。",
            "未知的评审规则“quorum”。",
            "一线人员比例须是 0 到 1 之间的分数，如 1/3。",
        ]
    }
    assert (challenge_state(), review_state()) == before


def test_awarding_before_the_review_is_final_is_refused(tree: Tree, published: Call) -> None:
    submitted_bid(tree, published)
    call = start_review(tree, published)
    before = (challenge_state(), review_state())

    with pytest.raises(InvalidTransition) as exc:
        call_transition(actor=tree.national_staff, call=call, action="start_awarding")

    assert exc.value.code == "review_not_final"
    assert (challenge_state(), review_state()) == before
    call.refresh_from_db()
    assert call.status == "reviewing"


def test_award_to_an_application_the_review_did_not_select_is_refused(
    tree: Tree, published: Call
) -> None:
    published.application_limit = 2
    published.save(update_fields=["application_limit"])
    chosen = submitted_bid(tree, published)
    passed_over = submitted_bid(tree, published, title="另一方案")
    call = start_review(tree, published)
    assert call.review_process is not None
    review_to_final(
        call.review_process, runner=tree.national_staff, selected=[(SUBJECT, chosen.pk)]
    )
    call_transition(actor=tree.national_staff, call=call, action="start_awarding")
    passed_over.refresh_from_db()
    before = challenge_state()

    with pytest.raises(ValidationFailed) as exc:
        award_make(actor=tree.national_staff, application=passed_over, justification="排名第二")

    assert exc.value.code == "not_selected"
    assert challenge_state() == before
    chosen.refresh_from_db()
    award = award_make(actor=tree.national_staff, application=chosen, justification="排名第一")
    assert award.application_id == chosen.pk


def test_cancelling_the_call_cancels_its_open_review(tree: Tree, published: Call) -> None:
    submitted_bid(tree, published)
    call = start_review(tree, published)

    call_transition(actor=tree.national_staff, call=call, action="cancel", reason="经费调整")

    assert call.review_process is not None
    call.review_process.refresh_from_db()
    assert call.review_process.status == "cancelled"
    assert call.review_process.events.last().params["reason"] == "经费调整"


def _named_bid(tree: Tree, published: Call) -> tuple[list[object], Application]:
    partner = OrganizationFactory(name="浙江流体研究所", parent=tree.xihu, kind=OrgKind.INSTITUTE)
    in_partner = make_expert("李研", org=partner, frontline=True)
    in_team = make_expert("钱工", frontline=True)
    application = bid(
        tree,
        published,
        kind="consortium",
        partners=[{"organization": partner.pk}],
        team=[{"name": "钱工", "expert": in_team.pk}],
    )
    return [in_partner, in_team], application


def _found(tree: Tree, published: Call, experts: list[object]) -> list[tuple[object, str]]:
    process = start_review(tree, published).review_process
    assert process is not None
    found = detect(experts, process.items.all(), years=3, subtree=False)  # type: ignore[arg-type]
    return sorted((f.expert_id, f.kind) for f in found)


def test_named_but_not_accepted_partner_and_team_member_create_no_conflict(
    tree: Tree, published: Call
) -> None:
    experts, application = _named_bid(tree, published)
    application_submit(actor=tree.lab_admin, application=application)

    assert _found(tree, published, experts) == []
    assert application.partners.count() == 0
    assert list(
        ItemParty.objects.filter(item__subject_id=application.pk).values_list("role", flat=True)
    ) == ["lead", "member"]  # the lab and the person who filed it


def test_declined_partner_and_team_member_never_create_a_conflict(
    tree: Tree, published: Call
) -> None:
    experts, application = _named_bid(tree, published)
    answered = answer_invitations(application, accept=False)
    application_submit(actor=tree.lab_admin, application=application)

    assert [(i.kind, i.status) for i in answered] == [
        ("partner", "declined"),
        ("team_member", "declined"),
    ]
    assert _found(tree, published, experts) == []


def test_accepted_partner_and_team_member_create_conflicts(tree: Tree, published: Call) -> None:
    experts, application = _named_bid(tree, published)
    answer_invitations(application, accept=True)
    application_submit(actor=tree.lab_admin, application=application)

    assert _found(tree, published, experts) == sorted(
        [(experts[0].pk, "same_org"), (experts[1].pk, "consortium")]  # type: ignore[attr-defined]
    )
