from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "kechuang.engagements"
    label = "engagements"
    verbose_name = _("对接")
