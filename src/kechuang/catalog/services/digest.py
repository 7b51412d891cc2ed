"""The weekly recommendation digest: each managing member of an organisation that publishes
needs or achievements gets one e-mail with the new matches of its published records.

It belongs to the catalog (it is about needs and achievements and the organisations that
publish them); the matching engine only answers the recommendations. Run by the scheduler
(``catalog.tasks.recommendation_digest``) or by hand (``kechuang digest``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.matching import indexing
from kechuang.matching.selectors import RECOMMENDS, recommendations
from kechuang.orgs.choices import MANAGING_ROLES
from kechuang.orgs.models import Membership


def recommendation_digest_send(*, days: int = 7, dry_run: bool = False, write: Any = None) -> int:
    """E-mail each managing member of a publishing organisation the new matches of its
    published needs and achievements (targets published or updated in the last ``days``).

    Returns how many e-mails were sent (or, with ``dry_run``, printed with ``write``).
    Recommendations the recipient dismissed are left out, as on the pages.
    """
    since = timezone.now() - datetime.timedelta(days=max(days, 1))
    lines_by_user: dict[Any, list[str]] = {}
    managers: dict[int, list[Any]] = {}
    sources = indexing.sources()
    items: list[tuple[str, Any]] = [("need", n) for n in sources["need"].queryset()]
    items += [("achievement", a) for a in sources["achievement"].queryset()]
    for kind, item in items:
        org_id = item.organization_id
        if org_id not in managers:
            managers[org_id] = [
                m.user
                for m in Membership.objects.filter(
                    organization_id=org_id, role__in=MANAGING_ROLES, user__is_active=True
                ).select_related("user")
                if m.user.email
            ]
        for user in managers[org_id]:
            for target in RECOMMENDS[kind]:
                for result in recommendations(user, kind, item, target, limit=5).results:
                    when = getattr(result.obj, "published_at", None) or getattr(
                        result.obj, "updated_at", None
                    )
                    if when is not None and when < since:
                        continue
                    lines_by_user.setdefault(user, []).append(
                        f"· 「{item.title}」→ {result.label}：{result.title}"
                    )
    sent = 0
    for user, lines in lines_by_user.items():
        subject = _("科创平台：新的匹配推荐（%(n)d 条）") % {"n": len(lines)}
        body = "\n".join([_("以下是与贵单位已发布内容相匹配的新内容："), "", *lines])
        if dry_run:
            if write:
                write(f"== {user.email} · {subject}", body, "")
        else:
            send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
