"""Challenge pages through the test client: who sees which page (404 for the rest),
each form's happy path and its refusal (the Chinese message on the page, nothing
changed)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.challenges import models as m
from kechuang.challenges.services.applications import application_submit
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.challenges.services.collection import problem_submit, round_open
from kechuang.challenges.services.projects import milestone_add
from tests.challenges.conftest import (
    Tree,
    application_data,
    bid,
    call_data,
    challenge_state,
    past_deadline,
    problem_data,
    review_to_final,
    submitted_bid,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"challenges:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


def awarded(tree: Tree, call: m.Call) -> m.Project:
    """Publish → bid → close → review → award: the project of the lab's winning bid."""
    call_transition(actor=tree.national_staff, call=call, action="publish")
    application = submitted_bid(tree, call)
    past_deadline(call)
    for action in ("close", "start_review"):
        call_transition(actor=tree.national_staff, call=call, action=action)
    call.refresh_from_db()
    review_to_final(
        call.review_process,
        runner=tree.national_staff,
        selected=[("challenges.application", application.pk)],
    )
    call_transition(actor=tree.national_staff, call=call, action="start_awarding")
    application.refresh_from_db()
    award = award_make(actor=tree.national_staff, application=application, justification="综合最优")
    return award.project


# ---------------------------------------------------------------- public pages


def test_list_shows_published_calls_to_everyone_and_drafts_to_nobody_else(
    tree: Tree, call: m.Call
) -> None:
    draft = call_create(
        actor=tree.national_staff, organiser=tree.world.national, **call_data(title="草稿榜单")
    )
    call_transition(actor=tree.national_staff, call=call, action="publish")

    page = text(client_for(None).get(url("call_list")))

    assert "储能热管理关键技术揭榜" in page
    assert draft.title not in page
    assert "揭榜中" in page
    assert "200 万元" in page


def test_list_search_and_region_filter_narrow_the_results(tree: Tree, published: m.Call) -> None:
    client = client_for(None)

    assert "储能热管理" in text(client.get(url("call_list"), {"q": "液冷板"}))
    assert "没有符合条件的榜单" in text(client.get(url("call_list"), {"q": "量子通信"}))
    # The organiser (中国科协) is in 110000, not in 浙江.
    assert "没有符合条件的榜单" in text(client.get(url("call_list"), {"region": "330000"}))
    fragment = client.get(url("call_list"), {"region": "110000"}, HTTP_HX_REQUEST="true")
    assert "储能热管理" in text(fragment)
    assert "<html" not in text(fragment)


def test_detail_of_a_draft_is_404_except_for_the_organiser_side(tree: Tree, call: m.Call) -> None:
    assert client_for(None).get(url("call_detail", call.pk)).status_code == 404
    assert client_for(tree.world.other_admin).get(url("call_detail", call.pk)).status_code == 404
    page = client_for(tree.national_staff).get(url("call_detail", call.pk))
    assert page.status_code == 200
    assert "发布榜单" in text(page)
    assert "添加题目" in text(page)


def test_detail_shows_indicators_and_funding_and_hides_internal_problems(
    tree: Tree, call: m.Call
) -> None:
    call_problem_add(
        actor=tree.national_staff,
        call=call,
        **problem_data(title="保密题目", description="内部细节不对外", confidentiality="internal"),
    )
    call_transition(actor=tree.national_staff, call=call, action="publish")

    page = text(client_for(None).get(url("call_detail", call.pk)))

    assert "电芯最大温差" in page and "≤3" in page
    # the indicator table keeps its distance from the next heading
    assert re.search(r'table-responsive mb-3">.*?</table></div>\s*<h4', page, re.S)
    assert "全额财政资助" in page
    assert "保密题目" in page
    assert "内部细节不对外" not in page
    assert "该题目的详细内容仅组织方可见。" in page
    assert "我要揭榜" in page
    organiser = client_for(tree.national_staff).get(url("call_detail", call.pk))
    assert "内部细节不对外" in text(organiser)


def test_results_list_winners_and_stats_count_filings(tree: Tree, call: m.Call) -> None:
    awarded(tree, call)

    results = text(client_for(None).get(url("results")))
    stats = client_for(None).get(url("stats"), {"association": tree.world.national.pk})

    assert "杭州热控实验室有限公司" in results
    assert stats.status_code == 200
    assert stats.context["stats"].calls == 1
    assert dict(stats.context["stats"].by_kind)["确定的揭榜方"] == 1


# ---------------------------------------------------------------- organiser


def call_form(tree: Tree, **overrides: Any) -> dict[str, Any]:
    """What the call form posts with its prefilled values, changed by ``overrides``."""
    now = timezone.localtime()
    data: dict[str, Any] = {
        "organiser": tree.world.national.pk,
        "title": "新材料揭榜",
        "description": "征集新材料方案",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "deadline": (now + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "application_limit": 1,
        "max_partners": 4,
        "review_rounds": 2,
        "rule_panel_size": 5,
        "rule_frontline_share": "1/3",
        "rule_max_load": 10,
        "rule_conflict_years": 3,
        "rule_exclude_government": "on",
    }
    data.update(overrides)
    return data


def test_call_create_saves_a_draft_with_its_panel_rules(tree: Tree) -> None:
    client = client_for(tree.national_staff)
    form = client.get(url("call_create")).context["form"]
    assert [form[name].value() for name in ("rule_panel_size", "rule_frontline_share")] == [
        5,
        "1/3",
    ]

    response = client.post(
        url("call_create"),
        call_form(
            tree,
            quota_city=2,
            rule_panel_size=7,
            rule_frontline_share="0.5",
            rule_conflict_subtree="on",
        ),
    )

    call = m.Call.objects.get(title="新材料揭榜")
    assert response.status_code == 302
    assert response["Location"] == url("call_detail", call.pk)
    assert call.status == "draft"
    assert call.recommendation_quotas == {"city": 2}
    assert call.review_rules == {
        "panel_size": 7,
        "frontline_share": "1/2",
        "max_load": 10,
        "conflict_years": 3,
        "conflict_subtree": True,
        "exclude_government": True,
    }
    edit = client.get(url("call_edit", call.pk)).context["form"]
    assert (edit["rule_panel_size"].value(), edit["rule_frontline_share"].value()) == (7, "1/2")


def test_call_create_refuses_bad_panel_rules_on_their_fields(tree: Tree) -> None:
    before = challenge_state()

    response = client_for(tree.national_staff).post(
        url("call_create"),
        call_form(tree, rule_panel_size=0, rule_frontline_share="3/2", rule_conflict_years=""),
    )

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["rule_panel_size"] == ["确保该值大于或等于1。"]
    assert errors["rule_frontline_share"] == ["一线人员比例须是 0 到 1 之间的分数，如 1/3。"]
    assert errors["rule_conflict_years"] == ["这个字段是必填项。"]
    assert challenge_state() == before


def test_call_create_refuses_a_past_deadline_on_the_field(tree: Tree) -> None:
    before = challenge_state()
    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(tree.national_staff).post(
        url("call_create"), call_form(tree, opens_at=past, deadline=past)
    )

    assert response.status_code == 422
    assert response.context["form"].errors["deadline"] == ["截止时间须晚于现在。"]
    assert challenge_state() == before


def test_problem_add_refuses_an_age_threshold_with_the_reason_on_the_field(
    tree: Tree, call: m.Call
) -> None:
    before = challenge_state()
    data = {k: v for k, v in problem_data(eligibility_text="负责人年龄 45 岁以下").items()}
    data.pop("indicators")
    data.update({"indicator_name": ["温差"], "indicator_target": ["3"], "indicator_unit": ["℃"]})

    response = client_for(tree.national_staff).post(url("call_problem_create", call.pk), data)

    assert response.status_code == 422
    errors = response.context["form"].errors["eligibility_text"]
    assert len(errors) == 1 and "年龄" in errors[0]
    assert errors[0] in text(response)
    assert challenge_state() == before


def test_problem_add_with_indicator_rows(tree: Tree, call: m.Call) -> None:
    data = problem_data(title="第二题")
    data.pop("indicators")
    data.update(
        {
            "indicator_name": ["效率", "寿命", ""],
            "indicator_target": ["95", "10", ""],
            "indicator_unit": ["%", "年", ""],
            "applicant_kinds": ["organization", "consortium"],
        }
    )

    response = client_for(tree.national_staff).post(url("call_problem_create", call.pk), data)

    item = m.CallProblem.objects.get(title="第二题")
    assert response.status_code == 302
    assert item.indicators == [
        {"name": "效率", "target": "95", "unit": "%"},
        {"name": "寿命", "target": "10", "unit": "年"},
    ]
    assert item.eligibility == {"applicant_kinds": ["organization", "consortium"]}


def test_problem_form_draws_applicant_kinds_as_inline_checkboxes(tree: Tree, call: m.Call) -> None:
    page = text(client_for(tree.national_staff).get(url("call_problem_create", call.pk)))
    boxes = re.findall(
        r'<label class="form-check form-check-inline">\s*<input class="form-check-input" '
        r'type="checkbox" name="applicant_kinds" value="(\w+)"',
        page,
    )
    assert boxes == ["person", "team", "organization", "consortium"]


def test_problem_add_page_is_404_for_others(tree: Tree, call: m.Call) -> None:
    for user in (tree.world.other_admin, tree.lab_admin):
        assert client_for(user).get(url("call_problem_create", call.pk)).status_code in {403, 404}


def test_publish_action_and_its_refusal(tree: Tree) -> None:
    empty = call_create(actor=tree.national_staff, organiser=tree.world.national, **call_data())
    client = client_for(tree.national_staff)
    before = challenge_state()

    refused = client.post(url("call_action", empty.pk, "publish"), follow=True)

    assert "榜单至少需要一个题目才能发布。" in text(refused)
    assert challenge_state() == before

    call_problem_add(actor=tree.national_staff, call=empty, **problem_data())
    client.post(url("call_action", empty.pk, "publish"))
    empty.refresh_from_db()
    assert empty.status == "published"


def test_organiser_buttons_appear_only_when_they_can_work(tree: Tree, published: m.Call) -> None:
    application = submitted_bid(tree, published)
    client = client_for(tree.national_staff)
    close = url("call_action", published.pk, "close")
    awarding = url("call_action", published.pk, "start_awarding")

    before_deadline = text(client.get(url("call_detail", published.pk)))
    assert close not in before_deadline
    assert "揭榜截止时间到达后可截止揭榜。" in before_deadline

    past_deadline(published)
    assert close in text(client.get(url("call_detail", published.pk)))

    for action in ("close", "start_review"):
        call_transition(actor=tree.national_staff, call=published, action=action)
    reviewing = text(client.get(url("call_detail", published.pk)))
    assert awarding not in reviewing
    assert "评审经决定、公示并完成后，可进入确定揭榜方。" in reviewing

    published.refresh_from_db()
    review_to_final(
        published.review_process,
        runner=tree.national_staff,
        selected=[("challenges.application", application.pk)],
    )
    final = text(client.get(url("call_detail", published.pk)))
    assert awarding in final
    assert "可进入确定揭榜方。" not in final


def test_applications_list_shows_duplicate_proposals_to_the_organiser(
    tree: Tree, published: m.Call
) -> None:
    other = call_create(
        actor=tree.national_staff, organiser=tree.world.national, **call_data(title="另一个榜单")
    )
    call_problem_add(actor=tree.national_staff, call=other, **problem_data())
    call_transition(actor=tree.national_staff, call=other, action="publish")
    first = submitted_bid(tree, published)
    submitted_bid(tree, other)
    client = client_for(tree.national_staff)

    listing = client.get(url("call_applications", published.pk))
    panel = client.get(url("application_duplicates", first.pk))

    assert first.title in text(listing)
    assert "另一个榜单" in text(panel)
    assert "100%" in text(panel)
    assert client_for(tree.world.other_admin).get(
        url("application_duplicates", first.pk)
    ).status_code in {403, 404}


# ---------------------------------------------------------------- applicant


def apply_post(**overrides: Any) -> dict[str, Any]:
    data = application_data()
    data.pop("indicators")
    data.pop("team")
    data.update(
        {
            "kind": "organization",
            "indicator_name": ["电芯最大温差", ""],
            "indicator_target": ["2.5", ""],
            "indicator_unit": ["℃", ""],
            "team_name": ["赵工"],
            "team_role": ["负责人"],
            "team_affiliation": ["杭州热控实验室"],
        }
    )
    data.update(overrides)
    return data


def test_apply_creates_a_draft_with_rows(tree: Tree, published: m.Call) -> None:
    problem = published.problems.get()
    response = client_for(tree.lab_admin).post(
        url("application_apply", published.pk, problem.pk),
        apply_post(organization=tree.lab.pk),
    )

    application = m.Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("application_detail", application.pk)
    assert application.status == "draft"
    assert application.organization == tree.lab
    assert application.indicators == [{"name": "电芯最大温差", "target": "2.5", "unit": "℃"}]
    assert application.team == [{"name": "赵工", "role": "负责人", "affiliation": "杭州热控实验室"}]


def test_apply_without_indicators_is_refused_on_the_rows(tree: Tree, published: m.Call) -> None:
    problem = published.problems.get()
    before = challenge_state()

    response = client_for(tree.lab_admin).post(
        url("application_apply", published.pk, problem.pk),
        apply_post(
            organization=tree.lab.pk,
            indicator_name=[""],
            indicator_target=[""],
            indicator_unit=[""],
        ),
    )

    assert response.status_code == 422
    assert response.context["form"].errors["indicators"][0] == "请至少填写一项技术指标。"
    assert "请至少填写一项技术指标。" in text(response)
    assert challenge_state() == before


def test_second_bid_over_the_limit_is_refused_with_the_message(
    tree: Tree, published: m.Call
) -> None:
    bid(tree, published)
    problem = published.problems.get()
    before = challenge_state()

    response = client_for(tree.lab_admin).post(
        url("application_apply", published.pk, problem.pk), apply_post(organization=tree.lab.pk)
    )

    assert response.status_code == 422
    assert "每个申报主体在本榜单最多提交 1 份申请。" in text(response)
    assert challenge_state() == before


def test_after_the_deadline_the_form_is_closed(tree: Tree, published: m.Call) -> None:
    problem = published.problems.get()
    past_deadline(published)
    before = challenge_state()
    client = client_for(tree.lab_admin)

    page = client.get(url("application_apply", published.pk, problem.pk))
    posted = client.post(
        url("application_apply", published.pk, problem.pk), apply_post(organization=tree.lab.pk)
    )

    assert "揭榜已截止，不能再提交或修改申请。" in text(page)
    assert 'name="technical_route"' not in text(page)
    assert "揭榜已截止，不能再提交或修改申请。" in text(posted)
    assert challenge_state() == before


def test_edit_before_the_deadline_and_closed_after(tree: Tree, published: m.Call) -> None:
    application = bid(tree, published)
    client = client_for(tree.lab_admin)

    response = client.post(
        url("application_edit", application.pk), apply_post(title="改进的液冷板方案")
    )
    application.refresh_from_db()
    assert response.status_code == 302
    assert application.title == "改进的液冷板方案"

    past_deadline(published)
    assert "揭榜已截止" in text(client.get(url("application_edit", application.pk)))


def test_application_page_is_404_for_others_and_submit_withdraw_work(
    tree: Tree, published: m.Call
) -> None:
    application = bid(tree, published)
    assert (
        client_for(tree.world.other_admin)
        .get(url("application_detail", application.pk))
        .status_code
        == 404
    )
    assert (
        client_for(tree.world.jiangsu_staff)
        .get(url("application_detail", application.pk))
        .status_code
        == 404
    )
    client = client_for(tree.lab_admin)

    client.post(url("application_action", application.pk, "submit"))
    application.refresh_from_db()
    assert application.status == "eligible"
    organiser_page = client_for(tree.national_staff).get(url("application_detail", application.pk))
    assert organiser_page.status_code == 200
    assert "重复申报提示" in text(organiser_page)

    client.post(url("application_action", application.pk, "withdraw"))
    application.refresh_from_db()
    assert application.status == "withdrawn"
    mine = text(client.get(url("applications_mine")))
    assert application.title in mine and "已撤回" in mine


def reviewed_bid(tree: Tree, call: m.Call, shared: dict[int, list[str]]) -> m.Application:
    application = submitted_bid(tree, call)
    past_deadline(call)
    for action in ("close", "start_review"):
        call_transition(actor=tree.national_staff, call=call, action=action)
    call.refresh_from_db()
    review_to_final(
        call.review_process,
        runner=tree.national_staff,
        selected=[("challenges.application", application.pk)],
        shared=shared,
    )
    return application


def test_applicant_reads_only_written_feedback_per_round_anonymised(
    tree: Tree, published: m.Call
) -> None:
    application = reviewed_bid(tree, published, shared={1: ["", "建议补充中试数据。"]})

    page = client_for(tree.lab_admin).get(url("application_detail", application.pk))

    feedback = page.context["comments"]
    assert [(r.round, r.comments) for r in feedback] == [(1, [("专家 B", "建议补充中试数据。")])]
    html = text(page)
    assert "第 1 轮" in html and "第 2 轮" not in html
    assert "评审专家" not in html  # the reviewers' names


def test_applicant_without_feedback_is_told_so(tree: Tree, published: m.Call) -> None:
    application = reviewed_bid(tree, published, shared={})

    html = text(client_for(tree.lab_admin).get(url("application_detail", application.pk)))

    assert "暂无反馈意见" in html and "第 1 轮" not in html


def test_attachment_box_is_optional_but_an_empty_upload_is_refused(
    tree: Tree, published: m.Call
) -> None:
    application = bid(tree, published)
    client = client_for(tree.lab_admin)
    page = client.get(url("application_detail", application.pk))
    assert not page.context["upload_form"].fields["file"].required
    assert '<label class="form-label" for="id_file">上传附件</label>' in text(page)
    before = challenge_state()

    refused = client.post(url("application_attachment", application.pk), {})

    assert refused.status_code == 422
    assert refused.context["upload_form"].errors["file"] == ["请选择要上传的文件。"]
    assert challenge_state() == before


def test_award_form_only_for_the_application_the_review_selected(
    tree: Tree, published: m.Call
) -> None:
    published.application_limit = 2
    published.save(update_fields=["application_limit"])
    passed_over = submitted_bid(tree, published, title="另一方案")
    chosen = reviewed_bid(tree, published, shared={})
    call_transition(actor=tree.national_staff, call=published, action="start_awarding")
    published.refresh_from_db()
    client = client_for(tree.national_staff)
    decision = reverse("review:decision", args=[published.review_process_id])
    award = url("application_award", chosen.pk)

    page = text(client.get(url("application_detail", chosen.pk)))
    assert "本申请已被评审决定选中。" in page and decision in page
    assert award in page

    other = text(client.get(url("application_detail", passed_over.pk)))
    assert "本申请未被评审决定选中，不能确定为揭榜方。" in other and decision in other
    assert url("application_award", passed_over.pk) not in other
    assert client.get(decision).status_code == 200


# ---------------------------------------------------------------- collection


def test_round_open_submit_and_reject_needs_a_reason(tree: Tree) -> None:
    staff = client_for(tree.world.hangzhou_staff)
    response = staff.post(
        url("round_list"),
        {
            "owner": tree.world.hangzhou.pk,
            "title": "2026 年第一季度难题征集",
            "opens_on": "2026-01-01",
            "closes_on": "2026-03-31",
        },
    )
    round_ = m.CollectionRound.objects.get()
    assert response["Location"] == url("round_detail", round_.pk)

    member = client_for(tree.world.owner_member)
    member.post(
        url("problem_submit", round_.pk),
        {
            "organization": tree.world.enterprise.pk,
            "title": "高温轴承寿命",
            "description": "高温工况下轴承寿命不足 1000 小时。",
        },
    )
    problem = m.Problem.objects.get()
    assert problem.status == "submitted"
    before = challenge_state()

    refused = staff.post(url("problem_action", problem.pk, "reject"), {"reason": ""})

    assert refused.status_code == 422
    assert "请填写未入选的理由。" in text(refused)
    assert challenge_state() == before
    staff.post(url("problem_action", problem.pk, "accept"))
    problem.refresh_from_db()
    assert problem.status == "accepted"
    assert client_for(tree.world.other_admin).get(url("round_detail", round_.pk)).status_code == 404


def test_problem_classify_with_an_unknown_code_is_refused(tree: Tree) -> None:
    round_ = round_open(
        actor=tree.world.hangzhou_staff,
        owner=tree.world.hangzhou,
        title="征集",
        opens_on="2026-01-01",
        closes_on="2026-03-31",
    )
    problem = problem_submit(
        actor=tree.world.owner_member,
        round=round_,
        organization=tree.world.enterprise,
        title="题目",
        description="描述内容",
    )
    before = challenge_state()

    response = client_for(tree.world.hangzhou_staff).post(
        url("problem_classify", problem.pk), {"industry": "Z99", "keywords": "轴承"}
    )

    assert response.status_code == 422
    assert "未知的行业代码：Z99。" in text(response)
    assert challenge_state() == before


# ---------------------------------------------------------------- recommendation


def test_recommendation_queue_with_quota_left_and_quota_refusal(tree: Tree) -> None:
    call = call_create(
        actor=tree.national_staff,
        organiser=tree.world.national,
        **call_data(requires_recommendation=True, recommendation_quotas={"district": 1}),
    )
    call_problem_add(actor=tree.national_staff, call=call, **problem_data())
    call_transition(actor=tree.national_staff, call=call, action="publish")
    application = submitted_bid(tree, call)
    client = client_for(tree.xihu_staff)

    queue = client.get(url("recommendations"))
    assert application.title in text(queue)
    assert "剩余名额 1" in text(queue)
    assert client_for(tree.world.jiangsu_staff).get(url("recommendations")).context["rows"] == []
    # an enterprise's admin never decides a recommendation: no queue page (and no link)
    assert client_for(tree.lab_admin).get(url("recommendations")).status_code == 404

    refused = client.post(
        url("recommendation_decide", application.pk),
        {f"a{application.pk}-decision": "not_recommended", f"a{application.pk}-reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "不推荐须写明理由。" in text(refused)
    assert not m.Recommendation.objects.exists()

    client.post(
        url("recommendation_decide", application.pk),
        {f"a{application.pk}-decision": "recommended", f"a{application.pk}-reason": "方案扎实"},
    )
    assert m.Recommendation.objects.get().association == tree.xihu


# ---------------------------------------------------------------- projects


def test_release_before_the_milestone_passed_is_refused_with_the_reason(
    tree: Tree, call: m.Call
) -> None:
    project = awarded(tree, call)
    milestone = milestone_add(
        actor=tree.national_staff,
        project=project,
        title="样机完成",
        deliverables="样机一套",
        due_on="2027-01-01",
        tranche_amount="80",
    )
    client = client_for(tree.national_staff)
    before = challenge_state()

    refused = client.post(url("tranche_release", project.pk, milestone.pk))

    assert refused.status_code == 422
    assert "里程碑“样机完成”尚未评审通过，不能拨付资金。" in text(refused)
    assert challenge_state() == before

    client.post(
        url("milestone_verdict", project.pk, milestone.pk), {"verdict": "pass", "reason": "达标"}
    )
    client.post(url("tranche_release", project.pk, milestone.pk))
    assert m.TranchePayment.objects.get().amount == 80


def test_project_page_roles(tree: Tree, call: m.Call) -> None:
    project = awarded(tree, call)

    organiser = text(client_for(tree.national_staff).get(url("project_detail", project.pk)))
    winner = text(client_for(tree.lab_admin).get(url("project_detail", project.pk)))

    assert "添加里程碑" in organiser and "终止项目" in organiser
    assert reverse(
        "review:process_detail", args=[project.award.application.call.review_process_id]
    ) in text(
        client_for(tree.national_staff).get(url("call_detail", project.award.application.call_id))
    )
    assert "提交进展" in winner and "添加里程碑" not in winner
    assert (
        client_for(tree.world.other_admin).get(url("project_detail", project.pk)).status_code == 404
    )
    assert client_for(None).get(url("project_detail", project.pk)).status_code == 302


def test_milestone_over_the_cap_is_refused_on_the_field(tree: Tree, call: m.Call) -> None:
    project = awarded(tree, call)
    before = challenge_state()

    response = client_for(tree.national_staff).post(
        url("milestone_create", project.pk),
        {"title": "全部", "deliverables": "全部", "due_on": "2027-01-01", "tranche_amount": "999"},
    )

    assert response.status_code == 422
    assert response.context["milestone_form"].errors["tranche_amount"] == [
        "各里程碑拨付金额合计不能超过财政资金上限 200.00 万元。"
    ]
    assert challenge_state() == before


def test_acceptance_against_promised_indicators(tree: Tree, call: m.Call) -> None:
    project = awarded(tree, call)
    client_for(tree.lab_admin).post(url("project_action", project.pk, "request_acceptance"))
    client = client_for(tree.national_staff)
    before = challenge_state()

    refused = client.post(
        url("acceptance_create", project.pk),
        {"verdict": "passed", "summary": "总体良好", "achieved": ["3.5"]},
    )
    assert refused.status_code == 422
    assert "有指标未达到，不能判定为通过" in text(refused)
    assert challenge_state() == before

    client.post(
        url("acceptance_create", project.pk),
        {"verdict": "passed", "summary": "全部达标", "achieved": ["2.4"], "met": ["0"]},
    )
    client.post(url("acceptance_publish", project.pk))
    acceptance = m.Acceptance.objects.get()
    assert acceptance.results[0]["achieved"] == "2.4" and acceptance.results[0]["met"] is True
    assert "全部达标" not in text(client_for(None).get(url("results")))  # summary stays inside
    assert "2.4" in text(client_for(None).get(url("results")))
    # a unit on both values, and on every amount of the stat cards
    page = text(client.get(url("project_detail", project.pk)))
    assert "电芯最大温差：承诺 ≤2.5℃，实际 2.4℃" in page
    cards = re.findall(r'<div class="h3 mb-0">([^<]*)</div>', page)
    assert [c.strip() for c in cards] == ["200 万元", "0 万元", "0 万元"]


# ---------------------------------------------------------------- association staff


def test_filing_dashboard_and_national_duplicates_for_staff_only(tree: Tree, call: m.Call) -> None:
    call_transition(actor=tree.national_staff, call=call, action="publish")

    national = client_for(tree.national_staff).get(url("filings"))
    zhejiang = client_for(tree.world.zhejiang_staff).get(url("filings"))

    assert national.status_code == 200
    assert national.context["summary"].calls == 1
    # the two summary cards share the row evenly (no empty third column)
    assert text(national).count('<div class="col-6"><div class="card card-sm">') == 2
    assert "发布榜单《储能热管理关键技术揭榜》" in text(national)
    assert zhejiang.context["summary"].calls == 0
    assert client_for(tree.world.owner_member).get(url("filings")).status_code == 404
    assert client_for(tree.national_staff).get(url("duplicates")).status_code == 200
    assert client_for(tree.world.zhejiang_staff).get(url("duplicates")).status_code == 404


def test_workspace_card_lists_my_applications(tree: Tree, published: m.Call) -> None:
    application = bid(tree, published)
    application_submit(actor=tree.lab_admin, application=application)

    card = text(client_for(tree.lab_admin).get(url("workspace_card")))
    workspace = text(client_for(tree.lab_admin).get(reverse("web:workspace")))

    assert application.title in card
    assert url("workspace_card") in workspace
