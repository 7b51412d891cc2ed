"""The export format, declared once: which model each section holds and how each field is coded.

The exporter and the importer both read these tables, so a field added here is exported
and imported alike. ``docs/data-format.md`` describes the result for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Achievement, Attachment, ExpertProfile, ExpertWork, Need
from kechuang.orgs.models import Membership, Organization

FORMAT = "kechuang-export"
VERSION = 1


@dataclass(frozen=True)
class Field:
    """One JSON member: ``name`` in the file, ``attname`` on the model, coded as ``kind``.

    Kinds: ``key`` (the row's id), ``str``, ``bool``, ``int``, ``decimal`` (a string such as
    ``"50.00"``), ``date`` (``YYYY-MM-DD``), ``datetime`` (ISO 8601 in UTC), ``json``,
    ``ref`` (the key of a row in section ``target``), ``vocab`` (a code of vocabulary
    ``target``), ``codes`` (a sorted list of codes of vocabulary ``target``; many-to-many).
    """

    name: str
    attname: str
    kind: str
    target: str = ""


def F(name: str, kind: str = "str", target: str = "", attname: str = "") -> Field:
    return Field(name=name, attname=attname or name, kind=kind, target=target)


def ref(name: str, section: str) -> Field:
    return Field(name=name, attname=f"{name}_id", kind="ref", target=section)


def vocab(name: str, table: str) -> Field:
    return Field(name=name, attname=f"{name}_id", kind="vocab", target=table)


KEY = F("key", "key", attname="id")

LISTING_HEAD = (
    KEY,
    ref("organization", "organizations"),
    F("title"),
)
LISTING_CLASSIFICATION = (
    vocab("region", "region"),
    vocab("industry", "industry"),
    F("disciplines", "codes", "discipline"),
    F("cooperation_modes", "codes", "cooperation_mode"),
    F("keywords"),
)
LISTING_LIFECYCLE = (
    F("status"),
    F("return_reason"),
    F("submitted_at", "datetime"),
    F("published_at", "datetime"),
    F("expires_on", "date"),
    ref("created_by", "users"),
    F("created_at", "datetime"),
    F("updated_at", "datetime"),
)


@dataclass(frozen=True)
class Section:
    name: str
    model: type[models.Model]
    fields: tuple[Field, ...]

    @property
    def m2m(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind == "codes")

    @property
    def columns(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind != "codes")


ORGANIZATIONS = Section("organizations", Organization, (
    KEY,
    ref("parent", "organizations"),
    F("name"), F("short_name"), F("kind"), F("level"),
    vocab("region", "region"), vocab("industry", "industry"),
    F("credit_code"), F("description"), F("website"),
    F("is_active", "bool"),
    F("created_at", "datetime"),
))  # fmt: skip

USERS = Section("users", User, (
    KEY,
    F("email"), F("mobile"), F("display_name"),
    F("is_active", "bool"), F("is_staff", "bool"), F("is_superuser", "bool"),
    F("date_joined", "datetime"), F("last_login", "datetime"),
))  # fmt: skip

MEMBERSHIPS = Section("memberships", Membership, (
    KEY,
    ref("user", "users"), ref("organization", "organizations"),
    F("role"),
    F("created_at", "datetime"),
))  # fmt: skip

NEEDS = Section("needs", Need, (
    *LISTING_HEAD,
    F("description"),
    *LISTING_CLASSIFICATION,
    F("budget_min", "decimal"), F("budget_max", "decimal"), F("deadline", "date"),
    F("contact_name"), F("contact_phone"), F("contact_email"), F("contact_visibility"),
    *LISTING_LIFECYCLE,
))  # fmt: skip

ACHIEVEMENTS = Section("achievements", Achievement, (
    *LISTING_HEAD,
    F("summary"),
    *LISTING_CLASSIFICATION,
    F("team"), F("trl", "int"),
    F("ip_type"), F("ip_number"), F("ip_status"),
    F("terms"), F("asking_price", "decimal"),
    *LISTING_LIFECYCLE,
))  # fmt: skip

EXPERTS = Section("experts", ExpertProfile, (
    KEY,
    ref("user", "users"), ref("organization", "organizations"),
    F("name"), F("title_level"), F("title_name"), F("affiliation"),
    vocab("region", "region"),
    F("disciplines", "codes", "discipline"), F("industries", "codes", "industry"),
    F("keywords"), F("biography"),
    F("is_frontline_engineer", "bool"), F("is_government_staff", "bool"),
    F("status"),
    ref("created_by", "users"),
    F("created_at", "datetime"), F("updated_at", "datetime"),
))  # fmt: skip

# Nested under each expert as ``works``.
WORKS = Section("works", ExpertWork, (
    KEY, F("kind"), F("title"), F("year", "int"), F("venue"), F("description"),
))  # fmt: skip

ATTACHMENTS = Section("attachments", Attachment, (
    KEY,
    ref("need", "needs"), ref("achievement", "achievements"),
    F("original_name"), F("content_type"), F("extension"),
    F("size", "int"), F("sha256"),
    ref("uploaded_by", "users"),
    F("created_at", "datetime"),
))  # fmt: skip

AUDIT = Section("audit", AuditEntry, (
    KEY,
    F("at", "datetime"),
    ref("actor", "users"),
    F("action"), F("object_type"), F("object_id"), F("object_repr"),
    ref("organization", "organizations"),
    F("before", "json"), F("after", "json"),
    F("note"),
))  # fmt: skip

# In dependency order: every reference points to a section earlier in the list.
SECTIONS = (ORGANIZATIONS, USERS, MEMBERSHIPS, NEEDS, ACHIEVEMENTS, EXPERTS, ATTACHMENTS, AUDIT)

# Fields Django would overwrite with "now" on insert; the import restores them as exported.
AUTO_TIMESTAMPS: tuple[tuple[type[models.Model], str], ...] = (
    (Organization, "created_at"),
    (Membership, "created_at"),
    (Need, "created_at"), (Need, "updated_at"),
    (Achievement, "created_at"), (Achievement, "updated_at"),
    (ExpertProfile, "created_at"), (ExpertProfile, "updated_at"),
    (Attachment, "created_at"),
    (AuditEntry, "at"),
)  # fmt: skip
