"""Append-only records: the event log of every challenge and the filings sent upward."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.choices import EventType, FilingKind
from kechuang.common.models import AppendOnly


class ChallengeEvent(AppendOnly):
    """One step of a challenge: what happened to which object, by whom, with which values.

    ``call`` is null only for collection steps (rounds and problems), which precede a call.
    """

    call = models.ForeignKey(
        "challenges.Call", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    type = models.CharField(_("事件"), max_length=40, choices=EventType.choices)
    object_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("揭榜挂帅事件")
        verbose_name_plural = _("揭榜挂帅事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}#{self.object_id}"


class Filing(AppendOnly):
    """A key step of a call reported to the organiser's parent association (备案).

    Written by the service that makes the step, in its transaction. ``recipient`` is the
    association the report goes to (the organiser itself when it has no parent); every
    association above the recipient sees it too, through the subtree rule.
    """

    call = models.ForeignKey("challenges.Call", on_delete=models.PROTECT, related_name="filings")
    organiser = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("备案事项"), max_length=15, choices=FilingKind.choices)
    summary = models.CharField(_("摘要"), max_length=300)
    params = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("备案")
        verbose_name_plural = _("备案")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"
