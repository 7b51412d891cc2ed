from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    name = "kechuang.invitations"
    label = "invitations"
    verbose_name = _("邀请")

    def ready(self) -> None:
        # orgs (a layer below) asks members to join through this hook
        from kechuang.invitations.membership import ask_to_join
        from kechuang.orgs.consent import register_join_request

        register_join_request(ask_to_join)
