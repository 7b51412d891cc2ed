"""Detecting conflicts of interest between experts and items, explained in Chinese.

Kinds (each found from data the platform holds; ``year`` = the current year, N = the
process's ``conflict_years``):
- ``same_org``: the expert's organisation (``ExpertProfile.organization``) is a party's
  organisation, or the expert's affiliation text equals a party's name;
- ``former_org``: an ``AffiliationHistory`` row of the expert matches a party (same
  organisation, or same name) and ended in ``year − N`` or later;
- ``coauthor``: a ``CoauthorLink`` of the expert, in ``year − N`` or later, names a
  party's expert, a party's user, or (by exact name) a person party;
- ``consortium``: the expert stands behind the item themselves (party expert or user);
- ``subtree`` (only if the process turns it on): let *A* be the nearest association at or
  above the expert's organisation, not the root of the tree (the national association,
  which would make everyone conflicted); the lead party's organisation lies in *A*'s
  subtree. Put plainly: the expert belongs to the association that stands over the
  applicant, e.g. a Hangzhou expert reviewing a Hangzhou enterprise under 杭州市科协.
Declared and organiser-added conflicts are written by the services, not found here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.catalog.models import ExpertProfile
from kechuang.orgs.choices import ASSOCIATION_KINDS
from kechuang.orgs.models import Organization
from kechuang.review.choices import ConflictKind
from kechuang.review.models import AffiliationHistory, CoauthorLink, ItemParty, ReviewItem


@dataclass(frozen=True)
class Found:
    item_id: int
    expert_id: int
    kind: ConflictKind
    explanation: str


def _norm(name: str) -> str:
    return "".join((name or "").split()).lower()


def nearest_association(org: Organization | None) -> Organization | None:
    """The nearest association at or above ``org`` below the root, or None."""
    if org is None:
        return None
    ids = org.ancestor_ids()
    by_id = Organization.objects.in_bulk(ids)
    for pk in reversed(ids):
        node = by_id.get(pk)
        if node is not None and node.kind in ASSOCIATION_KINDS and node.depth > 0:
            return node
    return None


def detect(
    experts: Iterable[ExpertProfile],
    items: Iterable[ReviewItem],
    *,
    years: int,
    subtree: bool,
    year: int | None = None,
) -> list[Found]:
    """Every detected conflict between ``experts`` and ``items`` (one per kind and pair)."""
    experts = list(experts)
    items = list(items)
    since = (year or timezone.localdate().year) - years
    parties: dict[int, list[ItemParty]] = {}
    for p in ItemParty.objects.filter(item__in=items).select_related("organization"):
        parties.setdefault(p.item_id, []).append(p)
    history: dict[int, list[AffiliationHistory]] = {}
    for h in AffiliationHistory.objects.filter(expert__in=experts):
        if h.end_year is None or h.end_year >= since:
            history.setdefault(h.expert_id, []).append(h)
    links: dict[int, list[CoauthorLink]] = {}
    for c in CoauthorLink.objects.filter(expert__in=experts, year__gte=since):
        links.setdefault(c.expert_id, []).append(c)
    associations = {e.pk: nearest_association(e.organization) for e in experts} if subtree else {}
    found: list[Found] = []
    for item in items:
        for e in experts:
            found += _pair(
                e,
                item,
                parties.get(item.pk, []),
                history.get(e.pk, []),
                links.get(e.pk, []),
                associations.get(e.pk),
                years,
            )
    return found


def _pair(
    e: ExpertProfile,
    item: ReviewItem,
    parties: list[ItemParty],
    history: list[AffiliationHistory],
    links: list[CoauthorLink],
    association: Organization | None,
    years: int,
) -> list[Found]:
    out: dict[ConflictKind, str] = {}
    for p in parties:
        party_org = p.organization
        if (party_org is not None and e.organization_id == party_org.pk) or (
            e.affiliation and _norm(e.affiliation) == _norm(p.name)
        ):
            out.setdefault(
                ConflictKind.SAME_ORG,
                _("专家现任职于申报方“%(p)s”。") % {"p": p.name},
            )
        for h in history:
            same = (
                h.organization_id is not None
                and party_org is not None
                and h.organization_id == party_org.pk
            ) or _norm(h.organization_name) == _norm(p.name)
            if same:
                until = str(h.end_year) if h.end_year else _("至今")
                out.setdefault(
                    ConflictKind.FORMER_ORG,
                    _("专家 %(a)d–%(b)s 年曾任职于申报方“%(p)s”（%(n)d 年内）。")
                    % {"a": h.start_year, "b": until, "p": p.name, "n": years},
                )
        for c in links:
            same = (
                (c.coauthor_expert_id is not None and c.coauthor_expert_id == p.expert_id)
                or (c.coauthor_user_id is not None and c.coauthor_user_id == p.user_id)
                or (p.organization_id is None and _norm(c.coauthor_name) == _norm(p.name))
            )
            if same:
                out.setdefault(
                    ConflictKind.COAUTHOR,
                    _("专家与申报方“%(p)s”于 %(y)d 年有%(k)s（%(n)d 年内）。")
                    % {"p": p.name, "y": c.year, "k": c.get_kind_display(), "n": years},
                )
        if (p.expert_id is not None and p.expert_id == e.pk) or (
            p.user_id is not None and p.user_id == e.user_id
        ):
            out.setdefault(
                ConflictKind.CONSORTIUM,
                _("专家本人是申报方成员（%(r)s：%(p)s）。")
                % {"r": p.get_role_display(), "p": p.name},
            )
        if (
            association is not None
            and p.role == "lead"
            and party_org is not None
            and party_org.path.startswith(association.path)
        ):
            out.setdefault(
                ConflictKind.SUBTREE,
                _("牵头方“%(p)s”在专家所属“%(a)s”辖区内。") % {"p": p.name, "a": association.name},
            )
    return [Found(item.pk, e.pk, kind, text) for kind, text in out.items()]
