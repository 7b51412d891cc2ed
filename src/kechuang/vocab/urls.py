"""Vocabulary look-ups, included by ``web/urls.py`` under the ``web`` namespace (no app_name
here), so the URL names stay ``web:region_search`` …"""

from __future__ import annotations

from django.urls import URLPattern, path

from kechuang.vocab import views

urlpatterns: list[URLPattern] = [
    path("regions/search/", views.region_search, name="region_search"),
]
