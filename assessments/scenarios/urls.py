"""Practice conversations: the learner's pages under /practice/, the authors' under
/author/scenarios/ (a line at /author/scenarios/lines/<pk>/, where its editor posts; a reply at
/author/scenarios/replies/<pk>/, which leads to its line in the editor)."""

from django.urls import path

from . import author_views, views

urlpatterns = [
    # Learners
    path("practice/<slug:slug>/", views.scenario_detail, name="scenario_detail"),
    path("practice/<slug:slug>/start/", views.scenario_start, name="scenario_start"),
    path("practice/<slug:slug>/runs/<int:pk>/", views.scenario_run, name="scenario_run"),
    path("practice/<slug:slug>/runs/<int:pk>/reply/", views.scenario_reply, name="scenario_reply"),
    # Authoring (training admins)
    path("author/scenarios/", author_views.scenario_list, name="author_scenarios"),
    path("author/scenarios/new/", author_views.scenario_new, name="author_scenario_new"),
    path("author/scenarios/<int:pk>/", author_views.scenario_edit, name="author_scenario"),
    path(
        "author/scenarios/<int:pk>/check/",
        author_views.scenario_check,
        name="author_scenario_check",
    ),
    path(
        "author/scenarios/<int:pk>/preview/",
        author_views.scenario_preview,
        name="author_scenario_preview",
    ),
    path(
        "author/scenarios/<int:pk>/publish/",
        author_views.scenario_publish,
        name="author_scenario_publish",
    ),
    path(
        "author/scenarios/<int:pk>/unpublish/",
        author_views.scenario_unpublish,
        name="author_scenario_unpublish",
    ),
    path(
        "author/scenarios/<int:pk>/lines/new/",
        author_views.node_new,
        name="author_scenario_node_new",
    ),
    path("author/scenarios/lines/<int:pk>/", author_views.node_edit, name="author_scenario_node"),
    path(
        "author/scenarios/lines/<int:pk>/delete/",
        author_views.node_delete,
        name="author_scenario_node_delete",
    ),
    path(
        "author/scenarios/lines/<int:pk>/replies/new/",
        author_views.reply_new,
        name="author_scenario_reply_new",
    ),
    path(
        "author/scenarios/replies/<int:pk>/",
        author_views.reply_edit,
        name="author_scenario_reply",
    ),
    path(
        "author/scenarios/replies/<int:pk>/delete/",
        author_views.reply_delete,
        name="author_scenario_reply_delete",
    ),
]
