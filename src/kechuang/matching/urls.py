"""Search pages, included by ``web/urls.py`` under the ``web`` namespace (no app_name here),
so the URL names stay ``web:search``, ``web:dismiss`` …"""

from __future__ import annotations

from django.urls import URLPattern, path

from kechuang.matching.views import dictionary, search

urlpatterns: list[URLPattern] = [
    path("search/", search.search_page, name="search"),
    path("match/dismiss/", search.dismiss, name="dismiss"),
    path("manage/dictionary/", dictionary.dictionary, name="dictionary"),
    path(
        "manage/dictionary/<int:pk>/remove/",
        dictionary.dictionary_remove,
        name="dictionary_remove",
    ),
]
