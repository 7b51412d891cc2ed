from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "kechuang.engagements"
    label = "engagements"
    verbose_name = _("对接")

    def ready(self) -> None:
        # the layers below ask this app through hooks, never by importing it
        from kechuang.catalog.docking import register_docked
        from kechuang.engagements.access import user_docked_with_need
        from kechuang.engagements.services.transitions import declined_pairs
        from kechuang.matching.registry import register_pair_exclusion

        register_docked(user_docked_with_need)  # "visible after docking" contacts
        register_pair_exclusion(declined_pairs)  # a declined pair is not recommended again
