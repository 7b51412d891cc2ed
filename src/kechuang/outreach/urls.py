from django.urls import path

from kechuang.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.event_list_page, name="list"),
    path("<int:event_id>/", views.event_detail_page, name="detail"),
    path("<int:event_id>/register/", views.register_page, name="register"),
    path("<int:event_id>/requests/", views.requests_page, name="requests"),
    path("requests/<int:request_id>/answer/", views.answer_page, name="answer"),
    path("<int:event_id>/schedule/", views.schedule_page, name="schedule"),
    path("<int:event_id>/status/", views.event_status_page, name="status"),
    path(
        "registrations/<int:registration_id>/validate/",
        views.registration_validate_page,
        name="validate",
    ),
    path("<int:event_id>/agenda/", views.agenda_page, name="agenda"),
    path("meetings/<int:meeting_id>/check-in/", views.check_in_page, name="check_in"),
    path("meetings/<int:meeting_id>/outcome/", views.outcome_page, name="outcome"),
]
