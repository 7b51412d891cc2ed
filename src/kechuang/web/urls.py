from django.urls import include, path

from kechuang.web import views, views_dictionary, views_search

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/widgets/<slug:name>/", views.workspace_widget, name="workspace_widget"),
    path("orgs/", views.organization_list_view, name="organization_list"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("", include("kechuang.orgs.urls")),
    path("manage/dictionary/", views_dictionary.dictionary, name="dictionary"),
    path(
        "manage/dictionary/<int:pk>/remove/",
        views_dictionary.dictionary_remove,
        name="dictionary_remove",
    ),
    path("", include("kechuang.vocab.urls")),
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
