"""What the platform keeps about matching: the indexing queue and users' dismissals.

The search index itself is derived data (files under ``KECHUANG_INDEX_DIR``), rebuilt
from the database at any time; only what cannot be derived lives here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexKind(models.TextChoices):
    """The kinds of records the search index holds (the prefix of a document id)."""

    NEED = "need", _("技术需求")
    ACHIEVEMENT = "achievement", _("科技成果")
    EXPERT = "expert", _("专家")
    ORGANIZATION = "organization", _("组织")


class IndexQueue(models.Model):
    """A record whose search document may be out of date ("dirty").

    Services add a row in the same transaction as the change; ``index_pending`` re-reads
    each row's record and upserts its document (still published) or deletes it (not).
    One row per record: marking it again only moves ``queued_at``.
    """

    kind = models.CharField(max_length=20, choices=IndexKind.choices)
    object_id = models.PositiveBigIntegerField()
    queued_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("索引队列")
        verbose_name_plural = _("索引队列")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="index_queue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"

    @property
    def doc_id(self) -> str:
        return f"{self.kind}:{self.object_id}"


class Dismissal(models.Model):
    """A user marked a recommendation "not relevant": ``target`` is not shown for ``source``.

    ``source`` and ``target`` are search document ids (``need:12``, ``expert:7``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dismissals"
    )
    source = models.CharField(_("推荐依据"), max_length=40)
    target = models.CharField(_("被推荐项"), max_length=40)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不相关标记")
        verbose_name_plural = _("不相关标记")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source", "target"],
                name="dismissal_unique",
                violation_error_message=_("已标记为不相关。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.source} ✗ {self.target}"


class Term(models.Model):
    """A term platform administrators added to the Chinese analyser: kept whole when text
    is tokenised, with optional synonyms that match it (锂电池 = 锂离子电池).

    The shipped dictionary (``matching/data/userdict.txt`` and ``synonyms.txt``) is the
    base; these rows extend it. Adding or removing one rebuilds the search index, so the
    stored documents and the queries are analysed alike.
    """

    text = models.CharField(_("术语"), max_length=30, unique=True)
    synonyms = models.CharField(
        _("同义词"), max_length=200, blank=True, help_text=_("用逗号或顿号分隔，可留空。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("自定义术语")
        verbose_name_plural = _("自定义术语")
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text
