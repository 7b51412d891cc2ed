"""Pages of open challenges (揭榜挂帅), mounted at /challenges/."""

from django.urls import path

from kechuang.challenges import (
    views,
    views_apply,
    views_association,
    views_collection,
    views_organiser,
    views_projects,
    views_promotion,
)

app_name = "challenges"

urlpatterns = [
    # public
    path("", views.call_list_page, name="call_list"),
    path("results/", views.results, name="results"),
    path("stats/", views.stats, name="stats"),
    path("<int:pk>/", views.call_detail, name="call_detail"),
    # organiser
    path("manage/", views_organiser.call_manage, name="call_manage"),
    path("new/", views_organiser.call_create_page, name="call_create"),
    path("<int:pk>/edit/", views_organiser.call_edit, name="call_edit"),
    path("<int:pk>/problems/new/", views_organiser.call_problem_create, name="call_problem_create"),
    path(
        "<int:pk>/applications/", views_organiser.call_applications_page, name="call_applications"
    ),
    path("<int:pk>/do/<slug:action>/", views_organiser.call_action, name="call_action"),
    path(
        "applications/<int:pk>/duplicates/",
        views_organiser.application_duplicates_panel,
        name="application_duplicates",
    ),
    path(
        "applications/<int:pk>/award/", views_organiser.application_award, name="application_award"
    ),
    # applicant
    path(
        "<int:pk>/problems/<int:problem_id>/apply/",
        views_apply.application_apply,
        name="application_apply",
    ),
    path("applications/mine/", views_apply.applications_mine_page, name="applications_mine"),
    path("applications/<int:pk>/", views_apply.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views_apply.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/attachments/",
        views_apply.application_attachment,
        name="application_attachment",
    ),
    path(
        "applications/<int:pk>/do/<slug:action>/",
        views_apply.application_action,
        name="application_action",
    ),
    # collection
    path("rounds/", views_collection.round_list_page, name="round_list"),
    path("rounds/<int:pk>/", views_collection.round_detail, name="round_detail"),
    path("rounds/<int:pk>/do/<slug:action>/", views_collection.round_action, name="round_action"),
    path("rounds/<int:pk>/problems/", views_collection.problem_submit_page, name="problem_submit"),
    path("problems/<int:pk>/", views_collection.problem_detail, name="problem_detail"),
    path("needs/<int:need_id>/promote/", views_promotion.need_promote_panel, name="need_promote"),
    path(
        "problems/<int:pk>/classify/",
        views_collection.problem_classify_page,
        name="problem_classify",
    ),
    path(
        "problems/<int:pk>/do/<slug:action>/",
        views_collection.problem_action,
        name="problem_action",
    ),
    # projects
    path("projects/", views_projects.project_list_page, name="project_list"),
    path("projects/<int:pk>/", views_projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/milestones/", views_projects.milestone_create, name="milestone_create"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/verdict/",
        views_projects.milestone_verdict,
        name="milestone_verdict",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/release/",
        views_projects.tranche_release_page,
        name="tranche_release",
    ),
    path("projects/<int:pk>/reports/", views_projects.report_create, name="report_create"),
    path("projects/<int:pk>/changes/", views_projects.change_create, name="change_create"),
    path(
        "projects/<int:pk>/changes/<int:change_id>/<slug:action>/",
        views_projects.change_decide_page,
        name="change_decide",
    ),
    path(
        "projects/<int:pk>/acceptance/", views_projects.acceptance_create, name="acceptance_create"
    ),
    path(
        "projects/<int:pk>/acceptance/publish/",
        views_projects.acceptance_publish_page,
        name="acceptance_publish",
    ),
    path(
        "projects/<int:pk>/do/<slug:action>/", views_projects.project_action, name="project_action"
    ),
    # associations
    path(
        "recommendations/",
        views_association.recommendation_queue_page,
        name="recommendations",
    ),
    path(
        "recommendations/<int:pk>/",
        views_association.recommendation_decide_page,
        name="recommendation_decide",
    ),
    path("filings/", views_association.filing_dashboard, name="filings"),
    path("duplicates/", views_association.duplicates_page, name="duplicates"),
    path("workspace-card/", views_association.workspace_card, name="workspace_card"),
]
