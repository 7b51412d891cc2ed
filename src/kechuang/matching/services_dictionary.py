"""Writes on the site's dictionary: platform administrators add and remove terms.

A change rebuilds the search index after the commit (in the background), so documents
already indexed are re-tokenised with the new dictionary; until the rebuild has swapped
in, search answers from the previous index.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import NotFound, PermissionDenied, ValidationFailed
from kechuang.matching import indexing
from kechuang.matching.access import is_platform_admin
from kechuang.matching.dictionary import (
    MAX_CHARS,
    MAX_SYNONYMS,
    MEANINGFUL,
    MIN_CHARS,
    site_dictionary,
    split_terms,
)
from kechuang.matching.models import Term


def _require_platform_admin(actor: Any) -> None:
    if not is_platform_admin(actor):
        raise PermissionDenied()


def _term_problem(term: str) -> str | None:
    if not MIN_CHARS <= len(term) <= MAX_CHARS:
        return _("“%(term)s”的长度应为 %(min)s–%(max)s 个字符。") % {
            "term": term,
            "min": MIN_CHARS,
            "max": MAX_CHARS,
        }
    if not MEANINGFUL.search(term):
        return _("“%(term)s”不含文字或数字。") % {"term": term}
    return None


def term_add(*, actor: Any, text: str, synonyms: str = "") -> Term:
    """Add ``text`` (kept whole when tokenising) with optional synonyms that match it."""
    _require_platform_admin(actor)
    terms = split_terms(text)
    errors: dict[str, list[str]] = {}
    if len(terms) != 1:
        errors["text"] = [_("请填写一个术语（不含空格和逗号）。")]
    elif problem := _term_problem(terms[0]):
        errors["text"] = [problem]
    others = split_terms(synonyms)
    if len(others) > MAX_SYNONYMS:
        errors.setdefault("synonyms", []).append(_("同义词最多 %(n)s 个。") % {"n": MAX_SYNONYMS})
    for other in others:
        if problem := _term_problem(other):
            errors.setdefault("synonyms", []).append(problem)
    if terms and terms[0] in others:
        errors.setdefault("synonyms", []).append(_("同义词不能与术语本身相同。"))
    if errors:
        raise ValidationFailed(fields=errors)
    term = terms[0]
    with transaction.atomic():
        # One writer at a time: the checks below read the whole dictionary.
        list(Term.objects.select_for_update().values_list("pk", flat=True))
        canonical = site_dictionary().canonical_of()
        if Term.objects.filter(text=term).exists():
            raise ValidationFailed(fields={"text": [_("该术语已添加。")]})
        if canonical.get(term, term) != term:
            raise ValidationFailed(
                fields={
                    "text": [
                        _("“%(term)s”已是“%(canonical)s”的同义词。")
                        % {"term": term, "canonical": canonical[term]}
                    ]
                }
            )
        clashes = [
            _("“%(term)s”已是“%(canonical)s”的同义词。")
            % {"term": other, "canonical": canonical[other]}
            for other in others
            if canonical.get(other, term) != term
        ]
        if clashes:
            raise ValidationFailed(fields={"synonyms": clashes})
        row = Term(text=term, synonyms="、".join(others), created_by=actor)
        row.full_clean()
        row.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=row, after=snapshot(row))
        transaction.on_commit(indexing.trigger_rebuild)
    return row


def term_remove(*, actor: Any, term_id: int) -> None:
    _require_platform_admin(actor)
    with transaction.atomic():
        row = Term.objects.select_for_update().filter(pk=term_id).first()
        if row is None:
            raise NotFound()
        before = snapshot(row)
        audit_record(actor=actor, action=AuditAction.DELETE, obj=row, before=before)
        row.delete()
        transaction.on_commit(indexing.trigger_rebuild)
