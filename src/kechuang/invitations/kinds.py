"""What each kind of invitation means to the app that owns the relation.

The invitations app knows nothing of memberships, consortia or review processes; each
owning app provides a ``KindHandler`` (looked up lazily, so no app imports another at
start-up) that says what the invitation is about, what accepting creates and who on the
inviting side may withdraw it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from kechuang.invitations.choices import InvitationKind

if TYPE_CHECKING:
    from kechuang.invitations.models import Invitation


@dataclass(frozen=True)
class KindHandler:
    # "加入组织“某某”（成员）": what the invitee is asked to agree to, in one line.
    describe: Callable[[Invitation], str]
    # Create the relation (called under the invitation's lock, inside the transaction);
    # raises a KechuangError when the target no longer takes it.
    accept: Callable[[Invitation, Any], None]
    # Whether ``user`` speaks for the inviting side (may see and withdraw the invitation).
    manages: Callable[[Any, Invitation], bool]
    # The inviting side's page of the target (where the answer shows).
    url: Callable[[Invitation], str]


HANDLERS: dict[str, str] = {
    InvitationKind.MEMBERSHIP: "kechuang.invitations.membership.MEMBERSHIP",
    InvitationKind.PARTNER: "kechuang.challenges.services.consent.PARTNER",
    InvitationKind.TEAM_MEMBER: "kechuang.challenges.services.consent.TEAM_MEMBER",
    InvitationKind.EVALUATOR: "kechuang.review.services.evaluator.EVALUATOR",
}


def handler_for(kind: str) -> KindHandler:
    handler: KindHandler = import_string(HANDLERS[kind])
    return handler
