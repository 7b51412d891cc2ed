from django.urls import path

from kechuang.invitations import views

app_name = "invitations"

urlpatterns = [
    path("", views.invitation_list_page, name="list"),
    path("card/", views.invitation_card, name="card"),
    path("<int:invitation_id>/accept/", views.invitation_accept_page, name="accept"),
    path("<int:invitation_id>/decline/", views.invitation_decline_page, name="decline"),
]
