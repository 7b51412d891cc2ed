"""Issue 4's full lifecycle through /api/v1 only, one token per role: collect → publish →
apply → recommend → assign → score two rounds → notice → award → milestones with
tranches → acceptance → filing visible at the national level.

The organisations, accounts and expert profiles are the test's world; every step of the
lifecycle is an API call. Time moves on a ``DemoClock`` (past the deadline, past the
notice), so the services' own date checks decide, as in production.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.demo.clock import DemoClock
from kechuang.orgs.choices import OrgKind
from tests.api.conftest import Api, ok, token_for
from tests.challenges.conftest import Tree, application_data, problem_data
from tests.challenges.conftest import tree as tree  # the fixture, re-exported
from tests.factories import OrganizationFactory
from tests.review.conftest import make_expert
from tests.review.drive import score_rounds, seat_and_assign

SCORES = {
    1: {"技术价值": 34, "战略价值": 16, "社会价值": 12, "知识产权与人才产出": 12, "实施可行性": 8},
    2: {"技术价值": 36, "战略价值": 17, "社会价值": 12, "知识产权与人才产出": 13, "实施可行性": 8},
}


def api(user: User) -> Api:
    return Api(token_for(user))


def test_the_full_challenge_lifecycle_through_the_api(tree: Tree) -> None:
    w = tree.world
    clock = DemoClock()
    with clock.running():
        hangzhou, national = api(w.hangzhou_staff), api(tree.national_staff)
        lab = api(tree.lab_admin)
        today = timezone.localdate()
        # -- collect: 杭州 opens a round, a member enterprise submits, 杭州 publishes it
        rnd = ok(
            hangzhou.post(
                "/challenges/rounds",
                {
                    "owner": w.hangzhou.pk,
                    "title": "第一季度难题征集",
                    "opens_on": today.isoformat(),
                    "closes_on": (today + datetime.timedelta(days=60)).isoformat(),
                },
            ),
            201,
        )
        problem = ok(
            api(w.owner_member).post(
                f"/challenges/rounds/{rnd['id']}/problems",
                {
                    "organization": w.enterprise.pk,
                    "title": "电池包液冷板流道优化",
                    "description": "2C 充放电时电芯温差超过 8℃，需要控制在 3℃ 以内。",
                },
            ),
            201,
        )
        for action in ("accept", "publish"):
            ok(
                hangzhou.post(
                    f"/challenges/problems/{problem['id']}/transition", {"action": action}
                )
            )
        # -- publish: 中国科协 lists it on a call whose bids pass up the tree
        now = timezone.now()
        deadline = now + datetime.timedelta(days=30)
        call = ok(
            national.post(
                "/challenges/calls",
                {
                    "organiser": w.national.pk,
                    "title": "储能热管理揭榜",
                    "description": "公开征集方案。",
                    "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
                    "deadline": deadline.isoformat(),
                    "requires_recommendation": True,
                    "recommendation_quotas": {"district": 2},
                    "review_rounds": 2,
                    "review_rules": {"panel_size": 2, "max_load": 5},
                },
            ),
            201,
        )
        body = problem_data(problem=problem["id"])
        body.pop("title"), body.pop("description")
        call_problem = ok(national.post(f"/challenges/calls/{call['id']}/problems", body), 201)
        ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "publish"}))
        # -- apply
        application = ok(
            lab.post(
                "/challenges/applications",
                {
                    "call_problem": call_problem["id"],
                    "kind": "organization",
                    "organization": tree.lab.pk,
                    **application_data(),
                },
            ),
            201,
        )
        app_id = application["id"]
        assert ok(lab.post(f"/challenges/applications/{app_id}/submit"))["status"] == "recommending"
        # -- recommend: district → city → province
        for staff in (tree.xihu_staff, w.hangzhou_staff, w.zhejiang_staff):
            ok(
                api(staff).post(
                    f"/challenges/applications/{app_id}/recommendations",
                    {"decision": "recommended"},
                ),
                201,
            )
        # -- the deadline passes; the organiser closes the call and starts its review,
        # which opens a review process with the call's rounds and rules, its first panel
        # and one item per eligible application
        clock.set(deadline + datetime.timedelta(minutes=1))
        ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "close"}))
        started = ok(
            national.post(f"/challenges/calls/{call['id']}/transition", {"action": "start_review"})
        )
        assert started["status"] == "reviewing"
        pid = started["review_process_id"]
        process = ok(national.get(f"/reviews/processes/{pid}"))
        assert (process["status"], process["rounds"], process["rules"]["panel_size"]) == (
            "setup",
            2,
            2,
        )
        (panel,) = ok(national.get(f"/reviews/processes/{pid}/panels"))["items"]
        (item,) = ok(national.get(f"/reviews/processes/{pid}/items"))["items"]
        assert (item["subject_type"], item["subject_id"], item["panel_id"]) == (
            "challenges.application",
            app_id,
            panel["id"],
        )
        university = OrganizationFactory(
            name="浙江热工大学", parent=w.zhejiang, kind=OrgKind.UNIVERSITY
        )
        experts = {
            "frontline": make_expert(
                "前线工程师",
                org=w.other_enterprise,
                frontline=True,
                keywords="液冷，热管理，电池包",
            ),
            "professor": make_expert("热工教授", org=university, keywords="传热，流道，液冷板"),
            "colleague": make_expert("实验室同事", org=tree.lab, keywords="液冷，流道"),
        }
        # -- assign: the conflict is detected and the solver keeps the colleague off
        reviewing = (experts["frontline"], experts["professor"])
        assigned = seat_and_assign(
            national,
            process=pid,
            panel=panel["id"],
            experts=list(experts.values()),
            accepting=reviewing,
        )
        assert [(c["expert_id"], c["kind"]) for c in assigned.conflicts] == [
            (experts["colleague"].pk, "same_org")
        ]
        assert sorted(a["expert_name"] for a in assigned.solved[0]["assignments"]) == [
            "前线工程师",
            "热工教授",
        ]
        assert assigned.solved[0]["exact"] is True
        # the applicant sees its item, but not who reviews it
        assert ok(lab.get(f"/reviews/items/{item['id']}"))["assignments"] == []
        # -- score two rounds: online, then the panel meeting; one seat each
        scores = score_rounds(national, process=pid, experts=reviewing, values=SCORES)
        for round_no, submitted in scores.items():
            total = str(sum(SCORES[round_no].values())) + ".00"
            assert [s["total"] for s in submitted] == [total, total]
        ranking = ok(national.get(f"/reviews/processes/{pid}/ranking", {"round": 2}))
        assert [(r["item_id"], r["total"]) for r in ranking] == [(item["id"], 86.0)]
        # -- decision and public notice (公示), final once the notice is over
        ok(
            national.post(
                f"/reviews/processes/{pid}/decision",
                {"selected_item_ids": [item["id"]], "justification": "会评得分第一。"},
            ),
            201,
        )
        notice = ok(
            national.post(
                f"/reviews/processes/{pid}/transitions", {"action": "open_notice", "days": 7}
            )
        )
        assert notice["status"] == "notice"
        early = national.post(f"/reviews/processes/{pid}/transitions", {"action": "finalise"})
        assert early.status_code == 409
        clock.set(clock.now() + datetime.timedelta(days=7, minutes=1))
        final = ok(national.post(f"/reviews/processes/{pid}/transitions", {"action": "finalise"}))
        assert final["status"] == "final"
        # -- award (挂帅)
        ok(
            national.post(
                f"/challenges/calls/{call['id']}/transition", {"action": "start_awarding"}
            )
        )
        project = ok(
            national.post(
                f"/challenges/applications/{app_id}/award",
                {"justification": "评审排名第一，公示无异议。"},
            ),
            201,
        )
        assert (project["funding_cap"], project["status"]) == ("200.00", "active")
        ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "finish"}))
        # -- milestones with tranches: none paid before its milestone passed
        milestones = [
            ok(
                national.post(
                    f"/challenges/projects/{project['id']}/milestones",
                    {
                        "title": title,
                        "deliverables": title,
                        "due_on": (today + datetime.timedelta(days=days)).isoformat(),
                        "tranche_amount": amount,
                    },
                ),
                201,
            )
            for title, days, amount in (("样机", 180, "120"), ("现场验证", 330, "80"))
        ]
        for m in milestones:
            refused = national.post(f"/challenges/milestones/{m['id']}/tranche", {})
            assert (refused.status_code, refused.json()["code"]) == (409, "milestone_not_passed")
            ok(
                national.post(
                    f"/challenges/milestones/{m['id']}/review",
                    {"verdict": "pass", "reason": "交付物达标"},
                )
            )
            ok(national.post(f"/challenges/milestones/{m['id']}/tranche", {}), 201)
        # -- acceptance (验收)
        ok(
            lab.post(
                f"/challenges/projects/{project['id']}/transition", {"action": "request_acceptance"}
            )
        )
        accepted = ok(
            national.post(
                f"/challenges/projects/{project['id']}/acceptance",
                {
                    "results": [{"name": "电芯最大温差", "achieved": "2.4", "met": True}],
                    "verdict": "passed",
                    "summary": "全部指标达到。",
                },
            ),
            201,
        )
        assert (accepted["status"], accepted["released_total"]) == ("accepted", "200.00")
        # -- filing: every key step reached the national level; a stranger sees none
        filings = ok(national.get("/challenges/filings"))
        assert filings["by_kind"] == {
            "acceptance": 1,
            "applications": 1,
            "call_published": 1,
            "milestone": 2,
            "problems": 1,
            "project": 1,
            "winner": 1,
        }
        assert ok(api(w.jiangsu_staff).get("/challenges/filings"))["count"] == 0
