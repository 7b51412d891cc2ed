"""The project's URLs with the Django admin mounted, as with ``KECHUANG_ADMIN=true``."""

from django.contrib import admin
from django.urls import path

from kechuang.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("django-admin/", admin.site.urls), *project_urlpatterns]
