from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "kechuang.orgs"
    label = "orgs"
    verbose_name = _("组织")

    def ready(self) -> None:
        from kechuang.matching.access import ViewerRules, register_viewer_rules
        from kechuang.matching.registry import register
        from kechuang.orgs.access import sees_engine_details, viewer_for
        from kechuang.orgs.search import SOURCES

        register(*SOURCES)  # active organisations are searchable
        # who may see the engine's numbers and edit the site dictionary
        register_viewer_rules(
            ViewerRules(
                is_platform_admin=lambda user: viewer_for(user).is_platform_admin,
                sees_engine_details=sees_engine_details,
            )
        )
