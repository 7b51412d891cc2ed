"""Property: for random users in random roles (organiser or evaluator staff, panel
members, members of an applicant organisation, several at once) and review items in
random stages, the scores API and the item page agree with docs/security.md's
"review item" and "assignment and score" rows.

The oracle is written from the table; the organisation tree is spelled out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.orgs.models import Membership
from kechuang.orgs.services import membership_add
from kechuang.review.models import Conflict
from kechuang.review.scores import current_scores
from kechuang.review.services import decision_record, notice_open, process_transition
from tests.api.conftest import Api, token_for
from tests.factories import UserFactory
from tests.review.conftest import Scene, user_of
from tests.review.test_visibility import SECRET, _score_round

PARENT = {
    "national": None,
    "zhejiang": "national",
    "hangzhou": "zhejiang",
    "jiangsu": "national",
    "enterprise": "hangzhou",
    "other": "jiangsu",
    "evaluator": "zhejiang",
}
ORGS = tuple(PARENT)
MANAGING = {"admin", "staff"}
PARTY_ORG = {0: "enterprise", 1: "enterprise", 2: "other"}  # the scene's items


def _ancestors(org: str) -> list[str]:
    out: list[str] = []
    cur: str | None = org
    while cur is not None:
        out.append(cur)
        cur = PARENT[cur]
    return out


@dataclass(frozen=True)
class Seen:
    status: int
    count: int  # scores returned
    named: bool  # reviewers' names and private comments shown


def expected(
    memberships: frozenset[tuple[str, str]],
    *,
    reviewer: bool,
    own_scores: int,
    party_by_conflict: bool,
    item: int,
    stage: str,
    scores: int,
    selected: bool,
) -> Seen:
    def manages(org: str) -> bool:
        return any(o in _ancestors(org) and r in MANAGING for o, r in memberships)

    party = party_by_conflict or any(o == PARTY_ORG[item] for o, _ in memberships)
    runner = manages("hangzhou") or manages("evaluator")
    if party:  # the applicant's view, whatever else
        return Seen(200, scores if stage == "notice" else 0, False)
    if runner:
        return Seen(200, scores, scores > 0)
    if reviewer:  # everyone on the scene's one panel
        shown = own_scores if stage == "round_1" else scores
        return Seen(200, shown, shown > 0)
    if stage == "notice" and selected:
        return Seen(200, 0, False)
    return Seen(404, 0, False)


ORG_ROLE = st.dictionaries(
    st.sampled_from(ORGS), st.sampled_from(("member", "staff", "admin")), max_size=3
).map(lambda d: frozenset(d.items()))
EXPERTS = ("陈热", "林流", "周视", "吴电", "郑综")


def _orgs(scene: Scene) -> dict[str, Any]:
    w = scene.world
    return {
        "national": w.national,
        "zhejiang": w.zhejiang,
        "hangzhou": w.hangzhou,
        "jiangsu": w.jiangsu,
        "enterprise": w.enterprise,
        "other": w.other_enterprise,
        "evaluator": scene.evaluator,
    }


def _check(scene: Scene, stage: str, memberships: Any, expert: str | None, item_no: int) -> None:
    item = scene.items[item_no]
    user = user_of(scene.experts[expert]) if expert else UserFactory()
    added = []
    for org, role in memberships:
        added.append(
            membership_add(
                actor=None,
                organization=_orgs(scene)[org],
                user=user,
                role=role,
                check_permission=False,
            ).pk
        )
    try:
        scores = [s for s in current_scores(scene.process, 1) if s.assignment.item_id == item.pk]
        decision = getattr(scene.process, "decision", None)
        want = expected(
            memberships,
            reviewer=expert is not None and expert in scene.members,
            own_scores=sum(1 for s in scores if s.assignment.member.expert.user_id == user.pk),
            party_by_conflict=expert is not None
            and Conflict.objects.filter(
                item=item, expert=scene.experts[expert], waived_at__isnull=True
            ).exists(),
            item=item_no,
            stage=stage,
            scores=len(scores),
            selected=decision is not None and decision.selections.filter(item_id=item.pk).exists(),
        )
        got = Api(token_for(user)).get(f"/reviews/items/{item.pk}/scores", {"round": 1})
        rows = got.json() if got.status_code == 200 else []
        named = bool(rows) and all(r["comment_private"] == SECRET for r in rows)
        seen = Seen(got.status_code, len(rows), named)
        page = Client()
        page.force_login(user)
        html = page.get(f"/reviews/items/{item.pk}/")
        context = (memberships, expert, item_no, stage)
        assert seen == want, context
        assert html.status_code == want.status, context
        assert (SECRET in html.content.decode()) == want.named, context
    finally:
        Membership.objects.filter(pk__in=added).delete()
        user.__dict__.pop("_kechuang_viewer", None)


EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DRAWS = {
    "memberships": ORG_ROLE,
    "expert": st.one_of(st.none(), st.sampled_from(EXPERTS)),
    "item_no": st.sampled_from((0, 1, 2)),
}


def _run(scene: Scene, stage: str) -> None:
    @EXAMPLES
    @given(**DRAWS)
    def check(memberships: Any, expert: str | None, item_no: int) -> None:
        _check(scene, stage, memberships, expert, item_no)

    check()


def test_scores_api_and_item_page_agree_with_the_rules_table(scene: Scene) -> None:
    scene.to_round_1()
    _score_round(scene, 1)
    _run(scene, "round_1")
    process_transition(actor=scene.runner, process=scene.process, action="open_round_2")
    _run(scene, "round_2")
    _score_round(scene, 2)
    process_transition(actor=scene.runner, process=scene.process, action="close_rounds")
    decision_record(
        actor=scene.runner,
        process=scene.process,
        selected_item_ids=[scene.items[0].pk],
        justification="排名第一",
    )
    notice_open(actor=scene.runner, process=scene.process)
    scene.process.refresh_from_db()
    _run(scene, "notice")
