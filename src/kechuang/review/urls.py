"""Review pages, mounted at /reviews/."""

from django.urls import path

from kechuang.review import views, views_assign, views_decision, views_panels, views_scoring

app_name = "review"

urlpatterns = [
    path("", views.process_list_page, name="process_list"),
    path("new/", views.process_create_page, name="process_create"),
    path("my/", views_scoring.tasks_page, name="my_tasks"),
    path("my/card/", views_scoring.tasks_card, name="tasks_card"),
    path("<int:pk>/", views.process_detail, name="process_detail"),
    path("<int:pk>/action/<slug:action>/", views.process_action, name="process_action"),
    path("<int:pk>/deadline/", views.round_deadline_page, name="round_deadline"),
    path("<int:pk>/panels/new/", views.panel_create_page, name="panel_create"),
    path("<int:pk>/experts/", views_panels.candidates, name="candidates"),
    path("<int:pk>/experts/<int:expert_id>/invite/", views_panels.invite, name="invite"),
    path("<int:pk>/conflicts/", views_assign.conflicts, name="conflicts"),
    path("<int:pk>/conflicts/detect/", views_assign.conflicts_detect_page, name="conflicts_detect"),
    path("<int:pk>/conflicts/add/", views_assign.conflict_add_page, name="conflict_add"),
    path("<int:pk>/assignment/", views_assign.assignment, name="assignment"),
    path("<int:pk>/assignment/solve/", views_assign.assignment_solve_page, name="solve"),
    path("<int:pk>/ranking/", views_decision.ranking_page, name="ranking"),
    path("<int:pk>/decision/", views_decision.decision_page, name="decision"),
    path("<int:pk>/notice/", views_decision.notice_page, name="notice"),
    path("panels/<int:pk>/", views_panels.panel_detail, name="panel_detail"),
    path("members/<int:pk>/respond/", views_panels.respond, name="respond"),
    path("members/<int:pk>/withdraw/", views_panels.withdraw, name="withdraw"),
    path("<int:pk>/items/new/", views.item_create_page, name="item_create"),
    path("items/<int:pk>/", views_scoring.item_detail, name="item_detail"),
    path("items/<int:pk>/place/", views.item_place_page, name="item_place"),
    path("items/<int:pk>/assign/", views_assign.item_assign, name="item_assign"),
    path("items/<int:pk>/declare/", views_scoring.declare, name="declare"),
    path("assignments/<int:pk>/", views_scoring.score_page, name="score"),
    path("scores/<int:pk>/revise/", views_panels.score_revise_page, name="score_revise"),
    path("conflicts/<int:pk>/waive/", views_assign.conflict_waive_page, name="conflict_waive"),
    path(
        "objections/<int:pk>/handle/",
        views_decision.objection_handle_page,
        name="objection_handle",
    ),
]
