from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "kechuang.orgs"
    label = "orgs"
    verbose_name = _("组织")

    def ready(self) -> None:
        from kechuang.matching.registry import register
        from kechuang.orgs.search import SOURCES

        register(*SOURCES)  # active organisations are searchable
