"""Where an application goes up the association tree (逐级推荐)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kechuang.orgs.choices import OrgKind
from kechuang.orgs.models import Organization

if TYPE_CHECKING:
    from kechuang.challenges.models import Application


def recommendation_chain(application: Application) -> list[Organization]:
    """The regional associations above the applicant's organisation, lowest first, that
    lie below the point where its branch meets the organiser's.

    An applicant under 杭州市科协 bidding on a call of 中国科协 goes 杭州 → 浙江; on a call
    of 浙江省科协, only 杭州. An association that is an ancestor of the organiser (or the
    organiser itself) never recommends to it.
    """
    org = application.organization
    if org is None:
        return []
    organiser = application.call.organiser
    ids = [pk for pk in org.ancestor_ids() if pk != org.pk]
    found = Organization.objects.in_bulk(ids)
    chain = [
        found[pk]
        for pk in reversed(ids)
        if pk in found
        and found[pk].kind == OrgKind.ASSOCIATION
        and not organiser.path.startswith(found[pk].path)
    ]
    return chain
