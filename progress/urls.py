from django.urls import path

from . import assignment_views, certificates, rule_views, team_views, views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("catalog/", views.catalog, name="catalog"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path("courses/<slug:slug>/start/", views.course_enrol, name="course_enrol"),
    path("courses/<slug:slug>/lessons/<uuid:key>/", views.lesson_detail, name="lesson_detail"),
    path(
        "courses/<slug:slug>/lessons/<uuid:key>/complete/",
        views.lesson_complete,
        name="lesson_complete",
    ),
    path("courses/<slug:slug>/lessons/<uuid:key>/time/", views.lesson_time, name="lesson_time"),
    path("paths/<slug:slug>/", views.path_detail, name="path_detail"),
    path("paths/<slug:slug>/start/", views.path_enrol, name="path_enrol"),
    path("certificates/<str:code>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificates/<str:code>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("verify/<str:code>/", certificates.certificate_verify, name="certificate_verify"),
    path("team/", team_views.team_progress, name="team_progress"),
    path("team/people/<int:pk>/", team_views.person_progress, name="person_progress"),
    path("team/export.csv", team_views.team_progress_export, name="team_progress_export"),
    path("assign/", assignment_views.assign, name="assign"),
    path("assignments/", assignment_views.assignment_list, name="assignments"),
    path("assignments/rules/", rule_views.rule_list, name="assignment_rules"),
    path(
        "assignments/rules/<int:pk>/remove/",
        rule_views.rule_remove,
        name="assignment_rule_remove",
    ),
    path(
        "assignments/<int:pk>/due/",
        assignment_views.assignment_due_change,
        name="assignment_due_change",
    ),
    path(
        "assignments/<int:pk>/remove/",
        assignment_views.assignment_remove,
        name="assignment_remove",
    ),
]
