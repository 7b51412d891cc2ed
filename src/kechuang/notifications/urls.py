from django.urls import path

from kechuang.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list_page, name="list"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("preferences/", views.notification_preferences, name="preferences"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
]
