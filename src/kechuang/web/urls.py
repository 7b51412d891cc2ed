from django.urls import include, path

from kechuang.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/widgets/<slug:name>/", views.workspace_widget, name="workspace_widget"),
    path("orgs/", views.organization_list_view, name="organization_list"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("", include("kechuang.orgs.urls")),
    path("", include("kechuang.vocab.urls")),
    path("", include("kechuang.matching.urls")),
    path("", include("kechuang.catalog.urls")),
]
