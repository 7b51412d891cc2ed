"""Shared vocabularies from national standards, loaded from ``vocab/data/*.json``.

Each data file names its source. The tables are reference data: only ``vocab_sync``
writes them, and other apps point at them by code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Pseudo-levels of GB/T 2260 that group counties but are not places of their own.
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Region(models.Model):
    """An administrative division (GB/T 2260): level 1 province, 2 city, 3 county."""

    code = models.CharField(_("代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """ "浙江省杭州市西湖区"; placeholder levels such as 市辖区 are left out."""
        parts = []
        node: Region | None = self
        while node is not None:
            if node.name not in PLACEHOLDER_NAMES:
                parts.append(node.name)
            node = node.parent
        return "".join(reversed(parts))


class Industry(models.Model):
    """A section (门类, one letter) or division (大类, letter + two digits) of GB/T 4754-2017."""

    code = models.CharField(_("代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Discipline(models.Model):
    """A first-level discipline (一级学科) of GB/T 13745-2009, three-digit code."""

    code = models.CharField(_("代码"), max_length=3, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("学科")
        verbose_name_plural = _("学科")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CooperationMode(models.Model):
    """A mode of technology cooperation, after the technology-contract types of the Civil Code."""

    code = models.CharField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=20)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("合作方式")
        verbose_name_plural = _("合作方式")
        ordering = ["sort"]

    def __str__(self) -> str:
        return self.name
