"""Reads of engagements, scoped to the viewer by ``access.engagement_scope`` (the list,
the detail, the API and the funnel ask the same rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_noop as _noop

from kechuang.common.access_rules import gatekeeper
from kechuang.engagements.access import answer_scope, details_visible, engagements_visible, roles_in
from kechuang.engagements.choices import Stage
from kechuang.engagements.models import Engagement, EngagementEvent, Message, NeedAnswer
from kechuang.matching.selectors import RECOMMENDS, recommendations


@gatekeeper("engagement")
def engagement_list(
    user: Any, *, stage: str = "", role: str = "", subject_kind: str = ""
) -> QuerySet[Engagement]:
    """The engagements ``user`` may see, newest activity first, with unread counts."""
    qs = engagements_visible(user).select_related(
        "need", "achievement", "subject_org", "counterparty_org", "counterparty_expert"
    )
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    if subject_kind == "need":
        qs = qs.filter(need__isnull=False)
    elif subject_kind == "achievement":
        qs = qs.filter(achievement__isnull=False)
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            unread=Count(
                "messages",
                filter=~Q(messages__author=user) & ~Q(messages__reads__user=user),
                distinct=True,
            )
        )
    return qs.order_by("-last_activity_at", "-id")


@dataclass
class Contacts:
    """What each side may show the other once introduced."""

    subject: list[tuple[str, str]]
    counterparty: list[tuple[str, str]]


# labels shown through {% translate %}: marked here so the catalogue carries them
CONTACT_LABELS = (
    _noop("联系人"),
    _noop("电话"),
    _noop("邮箱"),
    _noop("姓名"),
    _noop("手机"),
    _noop("单位"),
)


def _person(user: Any) -> list[tuple[str, str]]:
    if user is None:
        return []
    rows = [("姓名", user.display_name or "")]
    if user.email:
        rows.append(("邮箱", user.email))
    if getattr(user, "mobile", ""):
        rows.append(("手机", user.mobile))
    return rows


def contacts_for(user: Any, engagement: Engagement) -> Contacts | None:
    """Both sides' contacts, or None while ``user`` may not see them yet (before the
    introduction, or before accepting a required confidentiality agreement)."""
    if engagement.introduced_at is None or not details_visible(user, engagement):
        return None
    need = engagement.need
    if need is not None:
        subject = [("联系人", need.contact_name)]
        subject += [("电话", need.contact_phone)] if need.contact_phone else []
        subject += [("邮箱", need.contact_email)] if need.contact_email else []
    else:
        creator = engagement.achievement.created_by if engagement.achievement else None
        subject = _person(creator)
    expert = engagement.counterparty_expert
    if expert is not None:
        counterparty = _person(expert.user) if expert.user_id else [("姓名", expert.name)]
    else:
        starter = engagement.started_by
        counterparty = _person(starter) if engagement.started_side == "counterparty" else []
        if not counterparty:
            counterparty = [("单位", str(engagement.counterparty_org))]
    return Contacts(subject=subject, counterparty=counterparty)


@gatekeeper("engagement")
def engagement_timeline(engagement: Engagement) -> QuerySet[EngagementEvent]:
    """The events of an engagement the caller has already let the viewer see."""
    return engagement.events.select_related("actor").order_by("at", "id")


@gatekeeper("engagement")
def engagement_messages(user: Any, engagement: Engagement) -> list[Message]:
    """Messages in thread order (a reply right after what it answers), with files and
    whether ``user`` had read each before this visit."""
    rows = list(
        engagement.messages.select_related("author")
        .prefetch_related("attachments")
        .annotate(read_by_me=Count("reads", filter=Q(reads__user=user)))
        .order_by("created_at", "id")
    )
    children: dict[int | None, list[Message]] = {}
    ids = {m.pk for m in rows}
    for m in rows:
        parent = m.reply_to_id if m.reply_to_id in ids else None
        children.setdefault(parent, []).append(m)
    out: list[Message] = []

    def walk(parent: int | None, depth: int) -> None:
        for m in children.get(parent, []):
            m.depth = min(depth, 4)  # type: ignore[attr-defined]
            m.unread = m.author_id != user.pk and not m.read_by_me  # type: ignore[attr-defined]
            out.append(m)
            walk(m.pk, depth + 1)

    walk(None, 0)
    return out


@gatekeeper("engagement")
def need_answers(user: Any, need: Any) -> QuerySet[NeedAnswer]:
    """The answers to ``need`` (which the caller let ``user`` see) that ``user`` may see."""
    return (
        NeedAnswer.objects.filter(need=need)
        .filter(answer_scope(user))
        .select_related("expert", "engagement")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )


def match_reason(
    user: Any, subject_kind: str, subject: Any, target_kind: str, target_pk: int
) -> dict[str, Any]:
    """Why the engine matched ``subject`` with the target, as a snapshot to keep with the
    engagement: the shared and related terms, the best passage and the relevance label
    people see (never raw engine numbers). Empty when the engine does not recommend the
    pair now (unavailable, below the cut-off, or a kind it does not match)."""
    if target_kind not in RECOMMENDS.get(subject_kind, ()):
        return {}
    found = recommendations(user, subject_kind, subject, target_kind, limit=30)
    wanted = f"{target_kind}:{target_pk}"
    for result in found.results:
        if result.doc_id != wanted or result.hit is None:
            continue
        relevance = result.relevance
        return {
            "source": f"{subject_kind}:{subject.pk}",
            "target": wanted,
            "shared_terms": list(result.hit.shared_terms)[:20],
            "related_terms": list(result.hit.related_terms)[:20],
            "best_passage": (result.hit.best_passage or "")[:300],
            "relevance": relevance.label if relevance else "",
            "percent": relevance.percent if relevance else None,
        }
    return {}


__all__ = [
    "Contacts",
    "contacts_for",
    "engagement_list",
    "engagement_messages",
    "engagement_timeline",
    "match_reason",
    "need_answers",
    "roles_in",
]
