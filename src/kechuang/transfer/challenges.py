"""The ``challenges`` member of the export: open challenges as published, for reporting.

Export only: the importer ignores it (``docs/data-format.md``). A challenge's record lives
in its events, reviews and audit trail, which a restore would have to replay through the
services; what other systems need from a file is the published state below. Private
content never leaves: applications carry who applied, to what, and how far they got, but
not the technical route, promised indicators, budget, schedule, team or attachments;
problems that are not public carry their title and funding but not their details.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from kechuang.challenges.choices import Confidentiality
from kechuang.challenges.models import (
    Application,
    Award,
    Call,
    CallProblem,
    Filing,
    Milestone,
    Project,
)
from kechuang.transfer.schema import KEY, F, Field, Section, ref

CALLS = Section("calls", Call, (
    KEY,
    ref("organiser", "organizations"),
    F("title"), F("description"),
    F("opens_at", "datetime"), F("deadline", "datetime"),
    F("application_limit", "int"), F("max_partners", "int"),
    F("requires_recommendation", "bool"), F("recommendation_quotas", "json"),
    F("review_rounds", "int"), F("review_rules", "json"),
    F("status"), F("published_at", "datetime"), F("created_at", "datetime"),
))  # fmt: skip

PROBLEM_DETAILS = ("description", "indicators", "expected_outcome", "eligibility_text")
PROBLEMS = Section("problems", CallProblem, (
    KEY,
    ref("call", "challenges.calls"),
    F("title"), F("description"), F("indicators", "json"), F("expected_outcome"),
    F("funding_mode"), F("budget", "decimal"), F("subsidy_ratio", "decimal"),
    F("guidance_fund", "decimal"), F("completion_deadline", "date"),
    F("eligibility_text"), F("confidentiality"),
))  # fmt: skip

APPLICATIONS = Section("applications", Application, (
    KEY,
    ref("call", "challenges.calls"),
    Field("problem", "call_problem_id", "ref", "challenges.problems"),
    F("kind"),
    ref("organization", "organizations"),
    ref("applicant", "users"),
    F("title"), F("status"), F("submitted_at", "datetime"),
))  # fmt: skip

AWARDS = Section("awards", Award, (
    KEY,
    Field("problem", "call_problem_id", "ref", "challenges.problems"),
    ref("application", "challenges.applications"),
    F("funding_cap", "decimal"), F("justification"),
    F("agreement_signed_on", "date"), F("decided_at", "datetime"),
))  # fmt: skip

PROJECTS = Section("projects", Project, (
    KEY,
    ref("award", "challenges.awards"),
    F("title"), F("status"), F("termination_reason"), F("created_at", "datetime"),
))  # fmt: skip

MILESTONES = Section("milestones", Milestone, (
    KEY,
    ref("project", "challenges.projects"),
    F("title"), F("deliverables"), F("due_on", "date"),
    F("tranche_amount", "decimal"), F("status"), F("verdict_reason"),
    F("reviewed_at", "datetime"),
))  # fmt: skip

FILINGS = Section("filings", Filing, (
    KEY,
    ref("call", "challenges.calls"),
    ref("organiser", "organizations"), ref("recipient", "organizations"),
    F("kind"), F("summary"), F("params", "json"), F("at", "datetime"),
))  # fmt: skip

CHALLENGE_SECTIONS = (CALLS, PROBLEMS, APPLICATIONS, AWARDS, PROJECTS, MILESTONES, FILINGS)


def _extra(section: Section, obj: models.Model, row: dict[str, Any]) -> None:
    """What a section adds or withholds beyond its fields."""
    if section is PROBLEMS and obj.confidentiality != Confidentiality.PUBLIC:  # type: ignore[attr-defined]
        for name in PROBLEM_DETAILS:
            row[name] = None
    elif section is APPLICATIONS:
        row["partners"] = sorted(p.organization_id for p in obj.partners.all())  # type: ignore[attr-defined]
    elif section is MILESTONES:
        payment = getattr(obj, "payment", None)
        row["released"] = str(payment.amount) if payment is not None else None


def export_challenges(encode_row: Any) -> dict[str, list[dict[str, Any]]]:
    """Every challenge section, rows ordered by key, encoded by ``encode_row``."""
    related: dict[Section, tuple[str, ...]] = {
        APPLICATIONS: ("partners",),
        MILESTONES: ("payment",),
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for section in CHALLENGE_SECTIONS:
        queryset = section.model._default_manager.order_by("pk")
        if section in related:
            queryset = queryset.prefetch_related(*related[section])
        rows = []
        for obj in queryset:
            row = encode_row(section, obj)
            _extra(section, obj, row)
            rows.append(row)
        out[section.name] = rows
    return out
