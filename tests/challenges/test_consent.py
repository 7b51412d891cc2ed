"""A consortium partner and a team member named on a bid are invited; the page and the
API show them as part of the bid only once they accepted."""

from __future__ import annotations

from django.urls import reverse

from kechuang.challenges.models import Call
from kechuang.challenges.services.applications import application_update
from kechuang.challenges.services.consent import party_application_ids
from kechuang.invitations.models import Invitation
from kechuang.orgs.choices import OrgKind, Role
from tests.api.conftest import Api, token_for
from tests.challenges.conftest import Tree, answer_invitations, answerer, bid
from tests.conftest import client_for
from tests.factories import OrganizationFactory, member
from tests.review.conftest import make_expert


def test_partner_and_team_member_join_the_bid_only_once_they_accept(
    tree: Tree, published: Call
) -> None:
    partner = OrganizationFactory(name="浙江流体研究所", parent=tree.xihu, kind=OrgKind.INSTITUTE)
    partner_admin = member(partner, Role.ADMIN, display_name="研究所管理员")
    expert = make_expert("钱工", frontline=True)
    application = bid(
        tree,
        published,
        kind="consortium",
        partners=[{"organization": partner.pk, "role": "流场仿真"}],
        team=[{"name": "钱工", "expert": expert.pk}],
    )
    detail_url = reverse("challenges:application_detail", args=[application.pk])
    api_path = f"/challenges/applications/{application.pk}"
    applicant_api = Api(token_for(tree.lab_admin))

    before = client_for(tree.lab_admin).get(detail_url).content.decode()
    assert "研究所管理员" not in before
    assert "浙江流体研究所（联合体成员单位）· 待答复" in before
    assert "钱工（团队成员）· 待答复" in before
    assert applicant_api.get(api_path).json()["partners"] == []

    for invitation in Invitation.objects.filter(target_id=application.pk).order_by("pk"):
        user = answerer(invitation)
        assert (invitation.kind, user) in {("partner", partner_admin), ("team_member", expert.user)}
        answered = client_for(user).post(reverse("invitations:accept", args=[invitation.pk]))
        assert answered.status_code == 302

    after = client_for(tree.lab_admin).get(detail_url).content.decode()
    assert 'id="consent-requests"' not in after
    assert "浙江流体研究所（流场仿真）" in after
    assert [p["organization"]["name"] for p in applicant_api.get(api_path).json()["partners"]] == [
        "浙江流体研究所"
    ]


def test_party_application_ids_count_only_accepted_parties(tree: Tree, published: Call) -> None:
    partner = OrganizationFactory(name="浙江流体研究所", parent=tree.xihu, kind=OrgKind.INSTITUTE)
    partner_staff = member(partner, Role.MEMBER, display_name="研究所成员")
    expert = make_expert("钱工", frontline=True)
    application = bid(
        tree,
        published,
        kind="consortium",
        partners=[{"organization": partner.pk}],
        team=[{"name": "钱工", "expert": expert.pk}],
    )

    def parties() -> dict[str, bool]:
        return {
            name: party_application_ids(user).filter(pk=application.pk).exists()
            for name, user in (("partner", partner_staff), ("team", expert.user))
        }

    assert parties() == {"partner": False, "team": False}
    answer_invitations(application, accept=True)
    assert parties() == {"partner": True, "team": True}

    # dropped from the team, the earlier yes no longer stands; named again, asked again
    application_update(actor=tree.lab_admin, application=application, team=[{"name": "孙工"}])
    assert parties() == {"partner": True, "team": False}
    application_update(
        actor=tree.lab_admin, application=application, team=[{"name": "钱工", "expert": expert.pk}]
    )
    assert parties()["team"] is False
    assert list(
        Invitation.objects.filter(invitee_user=expert.user).values_list("status", flat=True)
    ) == ["pending", "withdrawn"]
