from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from kechuang.accounts import urls as accounts_urls
from kechuang.api.urls import api
from kechuang.orgs.views import account as account_pages
from kechuang.web import health

# What Django itself refuses as a bad request: problem+json under /api/, a Chinese page elsewhere.
handler400 = "kechuang.web.edge.bad_request"
# A database that went away while answering is a 503 with Retry-After, not a 500.
handler500 = "kechuang.web.edge.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    # the account pages: log in/out and tokens (accounts), sign-up and profile (orgs: they
    # read and write a person's organisations), one namespace
    path(
        "accounts/",
        include((accounts_urls.urlpatterns + account_pages.urlpatterns, accounts_urls.app_name)),
    ),
    path("challenges/", include("kechuang.challenges.urls")),
    path("reviews/", include("kechuang.review.urls")),
    path("notifications/", include("kechuang.notifications.urls")),
    path("invitations/", include("kechuang.invitations.urls")),
    path("events/", include("kechuang.outreach.urls")),
    path("engagements/", include("kechuang.engagements.urls")),
    # for load balancers: process up / ready to serve (docs/operations.md, "Health checks")
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("kechuang.web.urls")),
]

if settings.KECHUANG_ADMIN:
    # Behind the same account lockout as the login page (AXES_USERNAME_CALLABLE).
    urlpatterns.insert(2, path("django-admin/", admin.site.urls))
