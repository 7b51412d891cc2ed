"""Review pages, mounted at /reviews/."""

from django.urls import path

from kechuang.review.views import assign, decision, panels, processes, scoring

app_name = "review"

urlpatterns = [
    path("", processes.process_list_page, name="process_list"),
    path("new/", processes.process_create_page, name="process_create"),
    path("my/", scoring.tasks_page, name="my_tasks"),
    path("my/card/", scoring.tasks_card, name="tasks_card"),
    path("<int:pk>/", processes.process_detail, name="process_detail"),
    path("<int:pk>/action/<slug:action>/", processes.process_action, name="process_action"),
    path("<int:pk>/deadline/", processes.round_deadline_page, name="round_deadline"),
    path("<int:pk>/panels/new/", processes.panel_create_page, name="panel_create"),
    path("<int:pk>/experts/", panels.candidates, name="candidates"),
    path("<int:pk>/experts/<int:expert_id>/invite/", panels.invite, name="invite"),
    path("<int:pk>/conflicts/", assign.conflicts, name="conflicts"),
    path("<int:pk>/conflicts/detect/", assign.conflicts_detect_page, name="conflicts_detect"),
    path("<int:pk>/conflicts/add/", assign.conflict_add_page, name="conflict_add"),
    path("<int:pk>/assignment/", assign.assignment, name="assignment"),
    path("<int:pk>/assignment/solve/", assign.assignment_solve_page, name="solve"),
    path("<int:pk>/ranking/", decision.ranking_page, name="ranking"),
    path("<int:pk>/decision/", decision.decision_page, name="decision"),
    path("<int:pk>/notice/", decision.notice_page, name="notice"),
    path("panels/<int:pk>/", panels.panel_detail, name="panel_detail"),
    path("members/<int:pk>/respond/", panels.respond, name="respond"),
    path("members/<int:pk>/withdraw/", panels.withdraw, name="withdraw"),
    path("<int:pk>/items/new/", processes.item_create_page, name="item_create"),
    path("items/<int:pk>/", scoring.item_detail, name="item_detail"),
    path("items/<int:pk>/place/", processes.item_place_page, name="item_place"),
    path("items/<int:pk>/assign/", assign.item_assign, name="item_assign"),
    path("items/<int:pk>/declare/", scoring.declare, name="declare"),
    path("assignments/<int:pk>/", scoring.score_page, name="score"),
    path("scores/<int:pk>/revise/", panels.score_revise_page, name="score_revise"),
    path("conflicts/<int:pk>/waive/", assign.conflict_waive_page, name="conflict_waive"),
    path(
        "objections/<int:pk>/handle/",
        decision.objection_handle_page,
        name="objection_handle",
    ),
]
