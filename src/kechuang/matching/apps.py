from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "kechuang.matching"
    label = "matching"
    verbose_name = _("精准对接")
