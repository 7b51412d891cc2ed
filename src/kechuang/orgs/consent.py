"""How ``orgs`` asks a person to join an organisation without knowing how the asking is
done: the invitations app (a layer above, docs/architecture.md) registers itself here at
start-up, the way search sources register with ``matching``."""

from __future__ import annotations

from typing import Any, Protocol

from django.utils.translation import gettext_lazy

from kechuang.orgs.models import Organization

# The one answer to "invite this login", whether or not an account uses it.
INVITE_SENT = gettext_lazy("已向该账号发送邀请（如账号存在）。对方接受后即成为成员。")


class JoinRequest(Protocol):
    def __call__(
        self, *, inviter: Any, organization: Organization, user: Any, role: str
    ) -> None: ...


_join_request: list[JoinRequest] = []


def register_join_request(ask: JoinRequest) -> None:
    """Called once, from ``InvitationsConfig.ready``."""
    _join_request[:] = [ask]


def request_join(*, inviter: Any, organization: Organization, user: Any, role: str) -> None:
    if not _join_request:  # a wiring bug, not input
        raise RuntimeError("no join request registered (is kechuang.invitations installed?)")
    _join_request[0](inviter=inviter, organization=organization, user=user, role=role)
