from django.urls import path

from kechuang.engagements.views import actions, answers, brokers, pages, records

app_name = "engagements"

urlpatterns = [
    path("", pages.engagement_list_page, name="list"),
    path("start/", actions.engagement_start_page, name="start"),
    path("<int:pk>/", pages.engagement_detail, name="detail"),
    path("<int:pk>/move/", actions.engagement_move, name="move"),
    path("<int:pk>/agreement/", actions.agreement_page, name="agreement"),
    path("<int:pk>/meetings/", actions.meeting_page, name="meeting"),
    path("<int:pk>/messages/", records.message_page, name="message"),
    path("<int:pk>/contract/", records.contract_page, name="contract"),
    path("<int:pk>/payments/", records.payment_page, name="payment"),
    path("<int:pk>/milestones/", records.milestone_page, name="milestone"),
    path("<int:pk>/outcome/", records.outcome_page, name="outcome"),
    path("files/<int:pk>/", records.file_download, name="file"),
    path("needs/<int:pk>/panel/", answers.need_panel, name="need_panel"),
    path("needs/<int:pk>/answers/", answers.answer_create, name="answer_create"),
    path("answers/<int:pk>/engage/", answers.answer_convert, name="answer_convert"),
    path("associations/<int:org_id>/brokers/", brokers.broker_page, name="brokers"),
    path("achievements/<int:pk>/panel/", answers.achievement_panel, name="achievement_panel"),
]

# the association staff's funnel (views/funnel.py)
from kechuang.engagements.views import funnel  # noqa: E402

urlpatterns += [
    path("funnel/", funnel.funnel_page, name="funnel"),
    path("funnel/export/", funnel.funnel_export, name="funnel_export"),
]
