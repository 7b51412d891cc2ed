from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kechuang.catalog"
    label = "catalog"
    verbose_name = _("需求与成果")

    def ready(self) -> None:
        from kechuang.catalog.search import SOURCES
        from kechuang.matching.registry import register

        register(*SOURCES)  # needs, achievements and experts are searchable
