"""The association admin area's pages, included by ``web/urls.py`` under the ``web``
namespace (no app_name here), so their names stay ``web:manage``, ``web:manage_org`` …"""

from __future__ import annotations

from django.urls import URLPattern, path

from kechuang.orgs.views import manage as views

urlpatterns: list[URLPattern] = [
    path("manage/", views.manage, name="manage"),
    path("manage/orgs/<int:pk>/", views.manage_org, name="manage_org"),
    path("manage/orgs/<int:pk>/new/", views.manage_org_create, name="manage_org_create"),
    path("manage/orgs/<int:pk>/edit/", views.manage_org_edit, name="manage_org_edit"),
    path("manage/orgs/<int:pk>/members/", views.manage_members, name="manage_members"),
    path(
        "manage/orgs/<int:pk>/members/<int:membership_id>/role/",
        views.manage_member_role,
        name="manage_member_role",
    ),
    path(
        "manage/orgs/<int:pk>/members/<int:membership_id>/remove/",
        views.manage_member_remove,
        name="manage_member_remove",
    ),
    path("manage/orgs/<int:pk>/audit/", views.manage_audit, name="manage_audit"),
]
