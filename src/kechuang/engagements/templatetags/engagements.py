"""``{% invite_button source result %}``: the 邀请对接 button of a recommendation row or a
search result. It only builds the link to the start page (which asks the gatekeepers and
the service); it shows the button only where the viewer could plausibly start one."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.engagements.access import brokered_org_ids
from kechuang.engagements.choices import Origin
from kechuang.orgs.access import viewer_for

register = template.Library()

SUBJECTS: dict[str, type[Need] | type[Achievement]] = {"need": Need, "achievement": Achievement}
COUNTERPARTIES = frozenset({"expert", "organization"})


def _mine(user: Any, kind: str, pk: str) -> bool:
    """Whether the record ``kind:pk`` is the viewer's own (cached per request user)."""
    cache: dict[str, bool] = user.__dict__.setdefault("_kc_own_records", {})
    key = f"{kind}:{pk}"
    if key not in cache:
        viewer = viewer_for(user)
        if kind in SUBJECTS:
            cache[key] = (
                SUBJECTS[kind]
                .objects.filter(pk=pk, organization_id__in=viewer.member_org_ids)
                .exists()
            )
        elif kind == "expert":
            cache[key] = ExpertProfile.objects.filter(pk=pk, user_id=viewer.user_id or 0).exists()
        else:
            cache[key] = int(pk) in viewer.member_org_ids
    return cache[key]


def _brokers(user: Any, kind: str, pk: str) -> bool:
    """Whether the viewer may start on behalf of both for the subject ``kind:pk``: staff of
    an association above its owner, or a liaison serving the owner."""
    if kind not in SUBJECTS:
        return False
    item = SUBJECTS[kind].objects.filter(pk=pk).select_related("organization").first()
    if item is None:
        return False
    org = item.organization
    return viewer_for(user).reviews_for(org) or org.pk in brokered_org_ids(user)


@register.inclusion_tag("engagements/partials/invite_button.html", takes_context=True)
def invite_button(context: Any, source: str, result: Any) -> dict[str, Any]:
    """``source`` is the record the row was recommended for ("" on the search page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    target = result.doc_id
    if user is None or not user.is_authenticated:
        return {"url": ""}
    t_kind, _, t_pk = target.partition(":")
    params: dict[str, str] = {}
    if source:
        s_kind, _, s_pk = source.partition(":")
        origin = Origin.RECOMMENDATION
        if s_kind in SUBJECTS and t_kind in COUNTERPARTIES:
            if _mine(user, s_kind, s_pk):
                params = {"subject": source, "counterparty": target}
            elif _brokers(user, s_kind, s_pk):
                params = {"subject": source, "counterparty": target}
                origin = Origin.STAFF
        elif s_kind in COUNTERPARTIES and t_kind in SUBJECTS and _mine(user, s_kind, s_pk):
            params = {"subject": target, "counterparty": source}
    else:
        if t_kind in SUBJECTS and not _mine(user, t_kind, t_pk):
            params = {"subject": target}
        elif t_kind in COUNTERPARTIES and not _mine(user, t_kind, t_pk):
            params = {"counterparty": target}
        origin = Origin.SEARCH
    if not params:
        return {"url": ""}
    params["origin"] = origin
    return {"url": reverse("engagements:start") + "?" + urlencode(params)}
