from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """The database cache's table, after every ``migrate`` (idempotent; nothing to do with
    Redis): every path that migrates a deployment — ``kechuang migrate``, the demo,
    ``serve``, a restore — gets it without a step of its own. ``post_migrate`` is sent per
    app with models (not this one), so it runs once per such app: one cheap look each."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class WebConfig(AppConfig):
    name = "kechuang.web"
    label = "web"
    verbose_name = _("网页")

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, dispatch_uid="kechuang-cache-table")
