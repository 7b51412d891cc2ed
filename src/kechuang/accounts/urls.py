"""The account pages of ``accounts`` (log in and out, API tokens); the project's ``urls.py``
adds the sign-up and profile pages of ``orgs.views.account`` to the same namespace."""

from django.urls import path

from kechuang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
