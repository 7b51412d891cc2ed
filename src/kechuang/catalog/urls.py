"""Catalog pages, included by ``web/urls.py`` under the ``web`` namespace (no app_name here)."""

from __future__ import annotations

from django.urls import URLPattern, path

from kechuang.catalog.views import experts, matches
from kechuang.catalog.views.attachments import (
    attachment_download,
    listing_attachment_add,
    listing_attachment_remove,
)
from kechuang.catalog.views.listings import (
    ACHIEVEMENT,
    NEED,
    ListingKind,
    listing_action,
    listing_create,
    listing_detail,
    listing_edit,
    listing_list,
)


def _listing_patterns(prefix: str, kind: ListingKind) -> list[URLPattern]:
    k = {"kind": kind}
    n = kind.name
    return [
        path(f"{prefix}/", listing_list, k, name=f"{n}_list"),
        path(f"{prefix}/new/", listing_create, k, name=f"{n}_create"),
        path(f"{prefix}/<int:pk>/", listing_detail, k, name=f"{n}_detail"),
        path(f"{prefix}/<int:pk>/edit/", listing_edit, k, name=f"{n}_edit"),
        path(
            f"{prefix}/<int:pk>/attachments/", listing_attachment_add, k, name=f"{n}_attachment_add"
        ),
        path(
            f"{prefix}/<int:pk>/attachments/<int:attachment_id>/delete/",
            listing_attachment_remove,
            k,
            name=f"{n}_attachment_remove",
        ),
        path(f"{prefix}/<int:pk>/<slug:action>/", listing_action, k, name=f"{n}_action"),
    ]


urlpatterns = [
    *_listing_patterns("needs", NEED),
    *_listing_patterns("achievements", ACHIEVEMENT),
    path("attachments/<int:pk>/", attachment_download, name="attachment_download"),
    path("experts/", experts.expert_list, name="expert_list"),
    path("experts/new/", experts.expert_create, name="expert_create"),
    path("experts/<int:pk>/", experts.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", experts.expert_edit, name="expert_edit"),
    path("experts/<int:pk>/status/", experts.expert_status, name="expert_status"),
    path("experts/<int:pk>/works/", experts.expert_work_add, name="expert_work_add"),
    path(
        "experts/<int:pk>/works/<int:work_id>/delete/",
        experts.expert_work_remove,
        name="expert_work_remove",
    ),
    path(
        "match/<slug:kind>/<int:pk>/<slug:target>/",
        matches.recommendations_panel,
        name="recommendations",
    ),
    path("match/workspace/", matches.workspace_matches, name="workspace_matches"),
    path("match/duplicates/<slug:kind>/", matches.duplicates_check, name="duplicates_check"),
    path(
        "match/duplicates/<slug:kind>/<int:pk>/",
        matches.duplicates_panel,
        name="duplicates_panel",
    ),
]
