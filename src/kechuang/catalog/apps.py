from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "kechuang.catalog"
    label = "catalog"
    verbose_name = _("需求与成果")

    def ready(self) -> None:
        from kechuang.catalog.search import SOURCES
        from kechuang.catalog.selectors import listing_counts_by_organization
        from kechuang.matching.registry import register
        from kechuang.orgs.overview import register_counts

        register(*SOURCES)  # needs, achievements and experts are searchable
        # the association admin's overview counts needs and achievements per organisation
        register_counts(self.label, listing_counts_by_organization)
