from django.urls import include, path

from kechuang.web import manage_views, views, views_dictionary, views_search, views_vocab

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/widgets/<slug:name>/", views.workspace_widget, name="workspace_widget"),
    path("orgs/", views.organization_list_view, name="organization_list"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("manage/", manage_views.manage, name="manage"),
    path("manage/orgs/<int:pk>/", manage_views.manage_org, name="manage_org"),
    path("manage/orgs/<int:pk>/new/", manage_views.manage_org_create, name="manage_org_create"),
    path("manage/orgs/<int:pk>/edit/", manage_views.manage_org_edit, name="manage_org_edit"),
    path("manage/orgs/<int:pk>/members/", manage_views.manage_members, name="manage_members"),
    path(
        "manage/orgs/<int:pk>/members/<int:membership_id>/role/",
        manage_views.manage_member_role,
        name="manage_member_role",
    ),
    path(
        "manage/orgs/<int:pk>/members/<int:membership_id>/remove/",
        manage_views.manage_member_remove,
        name="manage_member_remove",
    ),
    path("manage/orgs/<int:pk>/audit/", manage_views.manage_audit, name="manage_audit"),
    path("manage/dictionary/", views_dictionary.dictionary, name="dictionary"),
    path(
        "manage/dictionary/<int:pk>/remove/",
        views_dictionary.dictionary_remove,
        name="dictionary_remove",
    ),
    path("regions/search/", views_vocab.region_search, name="region_search"),
    path("search/", views_search.search_page, name="search"),
    path(
        "match/<slug:kind>/<int:pk>/<slug:target>/",
        views_search.recommendations_panel,
        name="recommendations",
    ),
    path("match/dismiss/", views_search.dismiss, name="dismiss"),
    path("match/workspace/", views_search.workspace_matches, name="workspace_matches"),
    path("match/duplicates/<slug:kind>/", views_search.duplicates_check, name="duplicates_check"),
    path(
        "match/duplicates/<slug:kind>/<int:pk>/",
        views_search.duplicates_panel,
        name="duplicates_panel",
    ),
    path("", include("kechuang.catalog.urls")),
]
