"""Pages of open challenges (揭榜挂帅), mounted at /challenges/."""

from django.urls import path

from kechuang.challenges.views import (
    apply,
    association,
    calls,
    collection,
    organiser,
    projects,
    promotion,
)

app_name = "challenges"

urlpatterns = [
    # public
    path("", calls.call_list_page, name="call_list"),
    path("results/", calls.results, name="results"),
    path("stats/", calls.stats, name="stats"),
    path("<int:pk>/", calls.call_detail, name="call_detail"),
    # organiser
    path("manage/", organiser.call_manage, name="call_manage"),
    path("new/", organiser.call_create_page, name="call_create"),
    path("<int:pk>/edit/", organiser.call_edit, name="call_edit"),
    path("<int:pk>/problems/new/", organiser.call_problem_create, name="call_problem_create"),
    path("<int:pk>/applications/", organiser.call_applications_page, name="call_applications"),
    path("<int:pk>/do/<slug:action>/", organiser.call_action, name="call_action"),
    path(
        "applications/<int:pk>/duplicates/",
        organiser.application_duplicates_panel,
        name="application_duplicates",
    ),
    path("applications/<int:pk>/award/", organiser.application_award, name="application_award"),
    # applicant
    path(
        "<int:pk>/problems/<int:problem_id>/apply/",
        apply.application_apply,
        name="application_apply",
    ),
    path("applications/mine/", apply.applications_mine_page, name="applications_mine"),
    path("applications/<int:pk>/", apply.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", apply.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/attachments/",
        apply.application_attachment,
        name="application_attachment",
    ),
    path(
        "applications/<int:pk>/do/<slug:action>/",
        apply.application_action,
        name="application_action",
    ),
    # collection
    path("rounds/", collection.round_list_page, name="round_list"),
    path("rounds/<int:pk>/", collection.round_detail, name="round_detail"),
    path("rounds/<int:pk>/do/<slug:action>/", collection.round_action, name="round_action"),
    path("rounds/<int:pk>/problems/", collection.problem_submit_page, name="problem_submit"),
    path("problems/<int:pk>/", collection.problem_detail, name="problem_detail"),
    path("needs/<int:need_id>/promote/", promotion.need_promote_panel, name="need_promote"),
    path(
        "problems/<int:pk>/classify/",
        collection.problem_classify_page,
        name="problem_classify",
    ),
    path(
        "problems/<int:pk>/do/<slug:action>/",
        collection.problem_action,
        name="problem_action",
    ),
    # projects
    path("projects/", projects.project_list_page, name="project_list"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/milestones/", projects.milestone_create, name="milestone_create"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/verdict/",
        projects.milestone_verdict,
        name="milestone_verdict",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/release/",
        projects.tranche_release_page,
        name="tranche_release",
    ),
    path("projects/<int:pk>/reports/", projects.report_create, name="report_create"),
    path("projects/<int:pk>/changes/", projects.change_create, name="change_create"),
    path(
        "projects/<int:pk>/changes/<int:change_id>/<slug:action>/",
        projects.change_decide_page,
        name="change_decide",
    ),
    path("projects/<int:pk>/acceptance/", projects.acceptance_create, name="acceptance_create"),
    path(
        "projects/<int:pk>/acceptance/publish/",
        projects.acceptance_publish_page,
        name="acceptance_publish",
    ),
    path("projects/<int:pk>/do/<slug:action>/", projects.project_action, name="project_action"),
    # associations
    path(
        "recommendations/",
        association.recommendation_queue_page,
        name="recommendations",
    ),
    path(
        "recommendations/<int:pk>/",
        association.recommendation_decide_page,
        name="recommendation_decide",
    ),
    path("filings/", association.filing_dashboard, name="filings"),
    path("duplicates/", association.duplicates_page, name="duplicates"),
    path("workspace-card/", association.workspace_card, name="workspace_card"),
]
