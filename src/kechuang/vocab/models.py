"""Shared vocabularies from national standards, loaded from ``vocab/data/*.json``.

Each data file names its source. The tables are reference data: only ``vocab_sync``
writes them, and other apps point at them by code.

Every entry has a Chinese ``name`` (what search indexes and the API's ``name`` returns) and
an English ``name_en``. Pages show ``label`` (also ``str()``), which is the one for the
active language; code that lists names without loading rows uses ``localized``.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Pseudo-levels of GB/T 2260 that group counties but are not places of their own.
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")


def localized(name: str, name_en: str) -> str:
    """The name to show in the active language (the Chinese one if no English is known)."""
    return name_en if name_en and english_active() else name


class Labelled:
    """``label`` and ``str()``: the entry's name in the active language."""

    name: str
    name_en: str

    @property
    def label(self) -> str:
        return localized(self.name, self.name_en)

    def __str__(self) -> str:
        return self.label


class Region(Labelled, models.Model):
    """An administrative division (GB/T 2260): level 1 province, 2 city, 3 county."""

    code = models.CharField(_("代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    @property
    def full_name(self) -> str:
        """ "浙江省杭州市西湖区", in English "Xihu District, Hangzhou, Zhejiang" (smallest first,
        as English addresses go); placeholder levels such as 市辖区 are left out."""
        parts = []
        node: Region | None = self
        while node is not None:
            if node.name not in PLACEHOLDER_NAMES:
                parts.append(node.label)
            node = node.parent
        if english_active():
            return ", ".join(parts)
        return "".join(reversed(parts))


class Industry(Labelled, models.Model):
    """A section (门类, one letter) or division (大类, letter + two digits) of GB/T 4754-2017."""

    code = models.CharField(_("代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]


class Discipline(Labelled, models.Model):
    """A first-level discipline (一级学科) of GB/T 13745-2009, three-digit code."""

    code = models.CharField(_("代码"), max_length=3, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("学科")
        verbose_name_plural = _("学科")
        ordering = ["code"]


class CooperationMode(Labelled, models.Model):
    """A mode of technology cooperation, after the technology-contract types of the Civil Code."""

    code = models.CharField(_("代码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=20)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("合作方式")
        verbose_name_plural = _("合作方式")
        ordering = ["sort"]
